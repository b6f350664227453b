r"""``MentoringEnsemble``: the parallel proxies as a BoTorch ``EnsembleModel``.

The ``M`` proxies are the members of an ``EnsemblePosterior`` (``batch_shape x M x q x 1``),
so every BoTorch acquisition function that accepts ensemble posteriors works with it, and Ax
can use it as a surrogate. The proxies are one batched MLP (``botorch_mentor.nn``).

Spaces. The proxies work in a *latent* space, as the paper does: designs are z-scored with the
training designs' mean and standard deviation, scores with the training scores'. If a BoTorch
``input_transform`` is given (Ax passes a unit-cube ``Normalize``), the z-scoring is applied
after it, to the transformed training designs, so the mentoring's noise scale and step sizes
keep their meaning. If an ``outcome_transform`` is given, ``train_Y`` is transformed by it at
construction (as BoTorch GPs do), the z-scoring is applied on top, and posteriors are
untransformed back to the original units.
"""

from __future__ import annotations

from typing import Any

import torch
from botorch.acquisition.objective import PosteriorTransform, ScalarizedPosteriorTransform
from botorch.exceptions.errors import UnsupportedError
from botorch.models.ensemble import EnsembleModel
from botorch.models.transforms.input import InputTransform
from botorch.models.transforms.outcome import OutcomeTransform
from botorch.posteriors.ensemble import EnsemblePosterior
from torch import Tensor

from botorch_mentor.config import MentoringConfig
from botorch_mentor.nn.batched_mlp import Params, init_params, mlp_forward
from botorch_mentor.presets import resolve_config
from botorch_mentor.random import make_generator
from botorch_mentor.validation import check_design_tensor, check_training_data, precision

STATISTICS_BLOCK_ELEMENTS = 1 << 24
"""Designs of at most this many elements get their column mean and standard deviation from
torch's own reductions (which hold a temporary as large as the data); larger ones are reduced
a block of rows at a time (``column_mean_std``)."""


def column_mean_std(X: Tensor) -> tuple[Tensor, Tensor]:
    r"""Each column's mean and sample standard deviation (``n - 1``) of an ``n x d`` tensor.

    Up to ``STATISTICS_BLOCK_ELEMENTS`` elements: ``X.mean(0)`` and ``X.std(0)``. Larger data
    is reduced in blocks of rows (two passes over the rows less the first row: their mean,
    then the squared deviations from it), so that no temporary grows with ``n``; the values
    agree with torch's to rounding, and a constant column has standard deviation exactly 0.

    Returns:
        Two ``d``-dim tensors, the dtype and device of ``X``.
    """
    if X.numel() <= STATISTICS_BLOCK_ELEMENTS:
        return X.mean(dim=0), X.std(dim=0)
    n_rows = X.shape[0]
    rows = max(1, STATISTICS_BLOCK_ELEMENTS // max(1, X.shape[1]))
    # Shifted by the first row, so that a constant column sums exact zeros and gets std 0.
    shift = X[0].to(torch.float64)
    total = torch.zeros(X.shape[1], dtype=torch.float64, device=X.device)
    for start in range(0, n_rows, rows):
        total += (X[start:start + rows].to(torch.float64) - shift).sum(dim=0)
    offset = total / n_rows
    squares = torch.zeros_like(total)
    for start in range(0, n_rows, rows):
        block = X[start:start + rows].to(torch.float64) - shift
        squares += (block - offset).square().sum(dim=0)
    std = (squares / (n_rows - 1)).sqrt()
    return (shift + offset).to(X.dtype), std.to(X.dtype)


class MentoringEnsemble(EnsembleModel):
    r"""An ensemble of ``config.n_proxies`` neural proxies, fitted and mentored by
    ``fit_mentoring_ensemble`` and used by ``optimize_designs`` or any BoTorch acquisition.

    Example:
        >>> model = MentoringEnsemble(train_X, train_Y, config=MentoringConfig.fast())
        >>> fit_mentoring_ensemble(model)
        >>> posterior = model.posterior(test_X)  # EnsemblePosterior, 3 members
    """

    _num_outputs = 1

    def __init__(
        self,
        train_X: Tensor,
        train_Y: Tensor,
        input_transform: InputTransform | None = None,
        outcome_transform: OutcomeTransform | None = None,
        config: MentoringConfig | None = None,
        *,
        copy_data: bool = True,
    ) -> None:
        r"""
        Args:
            train_X: An ``n x d``-dim tensor of training designs (float32 or float64).
            train_Y: An ``n x 1``-dim tensor of their scores (one objective, maximized).
            input_transform: Optional BoTorch input transform, applied before the internal
                z-scoring.
            outcome_transform: Optional BoTorch outcome transform of ``train_Y``.
            config: ``MentoringConfig``; when omitted, the configuration made for surrogate
                use (``resolve_config(None, "surrogate")``: five bootstrapped proxies of width
                64 with a calibrated spread, fitted in seconds on a CPU). The paper's
                configuration is ``MentoringConfig.paper()``.
            copy_data: Keep copies of ``train_X`` and ``train_Y`` (default). False keeps the
                tensors given (without an ``outcome_transform``), for callers that build
                them for the model and let them go: one copy of a large dataset instead of
                two while the model is built.
        """
        super().__init__()
        if config is None:
            config = resolve_config(None, "surrogate")
        elif not isinstance(config, MentoringConfig):
            raise TypeError(
                f"config must be a MentoringConfig, got {type(config).__name__}; build one with "
                "MentoringConfig(...), MentoringConfig.paper() or MentoringConfig.fast()."
            )
        check_training_data(train_X, train_Y, config)
        self.config = config
        with torch.no_grad():
            if outcome_transform is not None:
                outcome_transform.train()
                train_Y, _ = outcome_transform(train_Y, X=train_X)
                self.outcome_transform = outcome_transform
            if input_transform is not None:
                input_transform.to(train_X)
                input_transform.train()
                X_t = input_transform(train_X)
                self.input_transform = input_transform
            else:
                X_t = train_X
        x_mean, x_std = column_mean_std(X_t)
        x_std = torch.where(x_std > 0, x_std, torch.ones_like(x_std))
        # The training data is not part of the state dict (as in BoTorch's GPs): Ax loads a
        # fitted state into a model built on a different number of rows.
        self.train_X = train_X.detach().clone() if copy_data else train_X.detach()
        self.train_Y = train_Y.detach().clone() if copy_data else train_Y.detach()
        self.register_buffer("x_mean", x_mean)
        self.register_buffer("x_std", x_std)
        self.register_buffer("y_mean", train_Y.mean())
        self.register_buffer("y_std", train_Y.std())
        generator = make_generator(config.seed, "cpu", "init")
        params = init_params(
            config.n_proxies,
            train_X.shape[-1],
            config.hidden_sizes,
            generator=generator,
            dtype=train_X.dtype,
            device=train_X.device,
        )
        self._n_param_tensors = len(params)
        self.set_proxy_params(params)
        self.set_pretrained_params(params)
        self.register_buffer("is_fitted", torch.tensor(False))
        self.register_buffer(
            "val_pearson", torch.full((config.n_proxies,), float("nan"), dtype=train_X.dtype)
        )
        # Posterior members are mean + spread_scale * (member - mean): 1 unless the fit
        # calibrated the spread (config.calibrate_variance).
        self.register_buffer("spread_scale", torch.ones((), dtype=train_X.dtype))
        self.eval()

    def _apply(self, fn, *args: Any, **kwargs: Any) -> MentoringEnsemble:
        r"""``.to()``, ``.double()``, ``.cuda()`` move the training data with the buffers."""
        self.train_X = fn(self.train_X)
        self.train_Y = fn(self.train_Y)
        return super()._apply(fn, *args, **kwargs)

    # ---- BoTorch contract -------------------------------------------------------------------
    @classmethod
    def construct_inputs(cls, training_data: Any, **kwargs: Any) -> dict[str, Any]:
        r"""Model inputs from a BoTorch ``SupervisedDataset``; Ax calls this.

        The configuration comes from ``config`` (a ``MentoringConfig`` or a dict of its
        fields), or ``preset`` (``"paper"``, ``"fast"`` or ``"surrogate"``, read by
        ``resolve_config(preset, "surrogate")``; without either, the surrogate preset), and
        any ``MentoringConfig`` field given directly (applied last), so Ax's
        ``model_options`` can be plain JSON such as ``{"preset": "fast", "n_proxies": 5}``.
        Every other keyword argument is ignored.
        """
        dtype = precision(training_data.X.device)  # float32 proxies on a GPU
        inputs: dict[str, Any] = {"train_X": training_data.X.to(dtype),
                                  "train_Y": training_data.Y.to(dtype)}
        config = kwargs.get("config")
        if isinstance(config, dict):
            config = MentoringConfig.from_dict(config)
        preset = kwargs.get("preset")
        if preset is not None and config is not None:
            raise ValueError("give either config or preset, not both.")
        fields = {k: v for k, v in kwargs.items() if k in MentoringConfig.__dataclass_fields__}
        if config is None:
            config = resolve_config(preset, "surrogate", **fields)
        elif fields:
            config = config.replace(**fields)
        if config is not None:
            inputs["config"] = config
        return inputs

    @property
    def num_outputs(self) -> int:
        return 1

    @property
    def batch_shape(self) -> torch.Size:
        r"""The model is not batched: one ensemble for every input batch."""
        return torch.Size([])

    @property
    def n_proxies(self) -> int:
        return self.config.n_proxies

    def _set_transformed_inputs(self) -> None:
        r"""No-op: the training designs are kept in their original space (see the module
        docstring); this silences BoTorch's warning for models without ``train_inputs``."""

    def _revert_to_original_inputs(self) -> None:
        r"""No-op, see ``_set_transformed_inputs``."""

    def forward(self, X: Tensor) -> Tensor:
        r"""Every proxy's prediction; with ``config.calibrate_variance`` the members' spread
        around their mean is scaled by the fitted ``spread_scale`` (the mean is unchanged).

        Args:
            X: A ``batch_shape x q x d``-dim tensor of (input-transformed) designs.

        Returns:
            A ``batch_shape x M x q x 1``-dim tensor, in the (outcome-transformed) units of
            ``train_Y``.
        """
        batch, q, d = X.shape[:-2], X.shape[-2], X.shape[-1]
        Z = self.standardize_X(X.to(self.x_mean.dtype)).reshape(-1, d)
        f = mlp_forward(self.proxy_params(), Z, self.config.activation)  # M x (b*q)
        if self.config.calibrate_variance:
            centre = f.mean(dim=0, keepdim=True)
            f = centre + self.spread_scale * (f - centre)
        values = self.unstandardize_y(f).reshape(self.n_proxies, *batch, q)
        return values.movedim(0, -2).unsqueeze(-1)

    def posterior(
        self,
        X: Tensor,
        output_indices: list[int] | None = None,
        posterior_transform: PosteriorTransform | None = None,
        **kwargs: Any,
    ) -> EnsemblePosterior:
        r"""The ensemble posterior at ``X``.

        Args:
            X: A ``batch_shape x q x d``-dim tensor of designs (original space).
            posterior_transform: Optional; a ``ScalarizedPosteriorTransform`` (which Ax always
                passes for a single objective) is applied to the members' values here, since
                it cannot scalarize an ``EnsemblePosterior`` itself.

        Returns:
            An ``EnsemblePosterior`` with ``batch_shape x M x q x 1`` values.
        """
        check_design_tensor(X, self.train_X.shape[-1], "X", min_dim=2)
        posterior = super().posterior(X, output_indices=output_indices, **kwargs)
        if posterior.values.dtype != X.dtype:  # float32 proxies asked in float64 (Ax on a GPU)
            posterior = EnsemblePosterior(values=posterior.values.to(X.dtype))
        if posterior_transform is None:
            return posterior
        if isinstance(posterior_transform, ScalarizedPosteriorTransform):
            weights = posterior_transform.weights.to(posterior.values)
            values = posterior.values @ weights.unsqueeze(-1) + posterior_transform.offset
            return EnsemblePosterior(values=values)
        try:
            return posterior_transform(posterior)
        except Exception as error:  # noqa: BLE001 - report which transform is unsupported
            raise UnsupportedError(
                f"MentoringEnsemble cannot apply {type(posterior_transform).__name__} to its "
                "ensemble posterior; use a ScalarizedPosteriorTransform or none."
            ) from error

    # ---- latent space -----------------------------------------------------------------------
    def standardize_X(self, X: Tensor) -> Tensor:
        r"""Input-transformed designs to z-scored (latent) designs; any shape ``... x d``."""
        return (X - self.x_mean) / self.x_std

    def unstandardize_y(self, f: Tensor) -> Tensor:
        r"""Latent (z-scored) predictions to the (outcome-transformed) units of ``train_Y``."""
        return f * self.y_std + self.y_mean

    def to_latent(self, X: Tensor) -> Tensor:
        r"""Original designs (``n x d``) to the latent space the proxies work in."""
        self.eval()
        return self.standardize_X(self.transform_inputs(X))

    def from_latent(self, Z: Tensor) -> Tensor:
        r"""Latent designs (``n x d``) back to the original design space."""
        X_t = Z * self.x_std + self.x_mean
        if hasattr(self, "input_transform"):
            return self.input_transform.untransform(X_t)
        return X_t

    def latent_training_data(self) -> tuple[Tensor, Tensor]:
        r"""The training data in latent space: an ``n x d`` and an ``n``-dim tensor (a second
        copy of the designs; ``latent_rows`` standardizes rows on demand instead)."""
        Z = self.to_latent(self.train_X)
        return Z, self.latent_training_scores()

    def latent_training_scores(self) -> Tensor:
        r"""The ``n`` training scores in latent (z-scored) units."""
        return (self.train_Y.squeeze(-1) - self.y_mean) / self.y_std

    def latent_rows(self) -> LatentRows:
        r"""The latent training designs as a ``LatentRows`` view: rows are standardized when
        they are read, so that fitting and the ascent hold one copy of the data (the
        ``train_X`` the model keeps), whatever the number of rows."""
        self.eval()
        return LatentRows(self)

    def to_original_units(self, f: Tensor) -> Tensor:
        r"""Latent predictions (any shape) to the original units of ``train_Y``."""
        values = self.unstandardize_y(f)
        if hasattr(self, "outcome_transform"):
            flat = values.reshape(-1, 1)
            flat, _ = self.outcome_transform.untransform(flat)
            values = flat.reshape(values.shape)
        return values

    # ---- the proxies' weights -----------------------------------------------------------------
    def proxy_params(self) -> Params:
        r"""The current (fitted, possibly mentored) weights of the ``M`` proxies."""
        return tuple(getattr(self, f"proxy_{i}") for i in range(self._n_param_tensors))

    def pretrained_params(self) -> Params:
        r"""The weights right after pretraining, before any mentoring."""
        return tuple(getattr(self, f"pretrained_{i}") for i in range(self._n_param_tensors))

    def set_proxy_params(self, params: Params) -> None:
        self._set_params("proxy", params)

    def set_pretrained_params(self, params: Params) -> None:
        self._set_params("pretrained", params)

    def _set_params(self, prefix: str, params: Params) -> None:
        for i, p in enumerate(params):
            self.register_buffer(f"{prefix}_{i}", p.detach().clone())

    def predict_latent(self, Z: Tensor, params: Params | None = None) -> Tensor:
        r"""Every proxy's latent prediction at latent designs ``Z`` (``n x d``): ``M x n``."""
        params = self.proxy_params() if params is None else params
        return mlp_forward(params, Z, self.config.activation)


class LatentRows:
    r"""The latent (input-transformed, z-scored) training designs of a ``MentoringEnsemble``,
    read a block of rows at a time.

    ``rows[index]`` is ``model.to_latent(model.train_X)[index]`` (``index``: an integer
    tensor of any shape, or a slice), computed from the gathered rows only: the transforms
    act on each row by itself, so the values are the same, bit for bit, while the whole
    ``n x d`` latent copy is never held. It has the ``shape``, ``dtype`` and ``device`` of
    that copy, so the fitting and mentoring code that reads training rows by index or by
    slice takes either one.
    """

    def __init__(self, model: MentoringEnsemble) -> None:
        self._model = model
        self.shape = torch.Size(model.train_X.shape)
        self.dtype = model.x_mean.dtype
        self.device = model.train_X.device

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    def dim(self) -> int:
        return len(self.shape)

    def __getitem__(self, index: Tensor | slice) -> Tensor:
        model = self._model
        return model.standardize_X(model.transform_inputs(model.train_X[index]))
