r"""Settings of parallel-mentoring, in one frozen dataclass.

Every number of the method (Chen et al., "Parallel-mentoring for Offline Model-based
Optimization", NeurIPS 2023, and its public reference code) lives here, with the paper's value
as its default; ``MentoringConfig.paper()`` is that configuration and
``MentoringConfig.fast()`` a small one for CPUs and tests. Values are checked when the config
is built, so a bad setting fails where it is written rather than deep inside a training loop.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any, Literal

PRESETS = ("fast", "paper", "surrogate")
"""Names accepted by ``MentoringConfig.from_preset``; what each means for a benchmark, for
proposals and for a surrogate is decided by ``botorch_mentor.presets.resolve_config``."""

PAPER_KERNEL_SCALE = 53.7
"""Median tangent-kernel scale ``kappa`` (mean ``||grad_theta d_m||^2`` over a neighbourhood's
pairs) of the paper's proxies (width 2048, 200 epochs of Adam at lr 0.1) at the 128 starting
designs of TFBind8, measured on an H100 on 2026-11-27 (10th-90th percentile 18-166)."""

DIVERSITY_PENALTY = 2.0
"""Default similarity penalty of the distinct batch (``botorch_mentor.optim.selection``),
chosen on seeds 100 and 101 of TFBind8 and Hartmann-6 (grad-mean, fast preset) among 0, 0.5
and 2: the one value whose batches kept the plain batch's 100th percentile on both; the
study on seeds 0-7 came after (documentation: results/batches)."""

MAX_NEIGHBOURS = 256
"""Largest K accepted: K(K-1)/2 pairs are compared per candidate and proxy at every step."""

Mode = Literal["per_candidate", "shared"]
Activation = Literal["relu", "silu", "softplus", "tanh"]
InitialProxies = Literal["pretrained", "fitted"]
OuterPrecision = Literal["full", "bfloat16"]
Strength = Literal["raw", "scale_free"]
Batch = Literal["plain", "distinct"]
PretrainLoss = Literal["mse", "listnet"]


@dataclass(frozen=True)
class MentoringConfig:
    r"""All settings of the mentoring ensemble, its fit routine and the design ascent.

    Design-space quantities (``noise_std``, ``ascent_lr``) are in the z-scored design space
    the model works in internally, as in the paper.
    """

    # --- proxies -------------------------------------------------------------------------
    n_proxies: int = 3
    """Number of parallel proxies M (3 = tri-mentoring). Odd numbers avoid voting ties."""
    hidden_sizes: tuple[int, ...] = (2048, 2048)
    """Hidden widths of every proxy MLP."""
    activation: Activation = "relu"
    """Hidden activation; the paper uses ReLU (smooth ones suit L-BFGS-based acquisition)."""

    # --- pretraining ---------------------------------------------------------------------
    pretrain_epochs: int = 200
    """Epochs of pretraining; the learning rate follows a cosine schedule over them."""
    pretrain_max_steps: int | None = None
    """Budget of mini-batch updates of pretraining, or None (the paper: every epoch). A table
    so large that ``pretrain_epochs`` epochs would take more updates runs fewer epochs, as
    many as the budget holds (at least one; see ``pretrain_epochs_for``), the cosine schedule
    spread over them. The fast preset's budget leaves tables up to 625,000 rows untouched."""
    pretrain_lr: float = 0.1
    """Initial Adam learning rate of pretraining."""
    batch_size: int = 128
    """Mini-batch size of pretraining."""
    pretrain_loss: PretrainLoss = "mse"
    """``"mse"`` (the paper) or ``"listnet"``: a listwise ranking loss per mini-batch (Tan et
    al., ICLR 2025). ListNet proxies rank but their values have no score scale, so their
    predictions and spread are not calibrated scores (no ``calibrate_variance`` fixes that)."""
    val_fraction: float = 0.1
    """Fraction of rows held out per proxy; the epoch with the best validation Pearson wins."""
    bootstrap: bool = False
    """Train each proxy on a bootstrap resample (drawn with replacement) of its training rows:
    more diverse members, a more honest spread (not in the paper)."""
    calibrate_variance: bool = False
    """After fitting, scale the members' spread around their mean so that the proxies' errors
    on their own held-out rows are calibrated (not in the paper; for surrogate use)."""

    # --- mentoring -----------------------------------------------------------------------
    mentoring: bool = True
    """Mentor the proxies during the design ascent (``optimize_designs`` when its
    ``mentoring`` argument is not given: ``propose``, the Ax generator). False: gradient
    ascent on the ensemble's mean without mentoring (the benchmark's ``grad-mean``)."""
    mentoring_steps: int = 1
    """Mentoring steps per design step (the paper: 1), each on a fresh neighbourhood."""
    n_neighbours: int = 10
    """K: neighbourhood samples around each point; K(K-1)/2 pairs are compared."""
    noise_std: float = 0.1
    """Standard deviation of the Gaussian neighbourhood, in z-scored design space."""
    inner_lr: float = 1e-3
    """alpha: step size of the inner (soft-label) step and of the mentoring SGD step."""
    soft_label_lr: float = 0.1
    """gamma: step size of the outer soft-label update."""
    strength: Strength = "raw"
    """How ``inner_lr`` is read. ``"raw"`` (the paper): alpha is the step size in weight
    space, whose effect grows with the proxies' width and weight scale. ``"scale_free"``:
    each network's alpha is ``function_step / kappa``, with ``kappa`` its tangent-kernel scale
    on the current pairs (mean ``||grad d_m||^2``, at least 0.1 x the median over the step's
    networks), so one step moves the pair differences by about the same amount at any width
    and pretraining (documentation: results/mentoring-strength)."""
    function_step: float = 1e-3 * PAPER_KERNEL_SCALE
    """With ``strength="scale_free"``: ``alpha * kappa``, the step in function space. The
    default is the paper's alpha times the paper proxies' kernel scale, so a scale-free step
    at the paper's width and pretraining is, on average, the paper's step."""
    voting: bool = True
    """Majority voting of pairwise labels; False uses the mean-ensemble ranking (ablation)."""
    soft_labels: bool = True
    """Bi-level soft-label correction; False mentors with hard consensus labels (ablation)."""
    outer_batch_size: int | None = None
    """Rows of the static data in the outer loss; None uses the whole dataset (the paper)."""
    max_memory_gb: float = 8.0
    """Memory budget of one outer-loss pass; the data is processed in chunks that fit it."""
    outer_precision: OuterPrecision = "full"
    """``"bfloat16"`` runs the outer-loss pass over the static data (nearly all of a
    mentoring step's arithmetic) in bfloat16, accumulating its gradient in the model's dtype;
    votes, pair differences and the ascent stay in the model's dtype. ``"full"``: no cast."""
    outer_refresh: int = 1
    """R: during the design ascent, the outer-loss gradient over the static data (nearly all
    of a mentoring step's arithmetic) is computed every R mentoring steps and reused in
    between; the soft-label hypergradient is still taken at the current proxies and pairs.
    1 (the paper): exact, every step (documentation: results/outer-refresh)."""

    # --- fit-time mentoring (for acquisition functions) ----------------------------------
    fit_mentoring_rounds: int = 20
    """Mentoring rounds run inside ``fit_mentoring_ensemble`` around the anchors (0: none)."""
    fit_anchors: int = 128
    """Anchors of fit-time mentoring: this many top-scoring training designs."""

    # --- design optimization (Algorithm 1) -----------------------------------------------
    mode: Mode = "per_candidate"
    """``per_candidate``: each candidate mentors its own proxy copies (the paper);
    ``shared``: one ensemble mentored with all candidates' pairs."""
    initial_proxies: InitialProxies = "pretrained"
    """Proxies the ascent starts from: the pretrained ones (the paper) or the fitted
    (fit-time mentored) ones."""
    n_candidates: int = 128
    """Starting designs: this many top-scoring designs of the data."""
    ascent_lr: float = 1e-3
    """eta: Adam step size of the design ascent (paper: 1e-3 continuous, 0.1 discrete)."""
    ascent_steps: int = 200
    """T: ascent steps (paper: 200 continuous, 100 discrete)."""
    batch: Batch = "plain"
    """What the ascent returns. ``"plain"`` (the paper): the ``n_candidates`` final designs,
    repeats included. ``"distinct"``: ``n_candidates`` distinct designs chosen from every
    design along every ascent, new designs before training designs, by predicted score with
    a similarity penalty (``botorch_mentor.optim.selection``)."""
    diversity_penalty: float = DIVERSITY_PENALTY
    """lambda of the ``"distinct"`` batch's greedy selection, in z-units of the training
    scores (0: the best distinct designs by prediction)."""

    seed: int = 0
    """Seed of every random draw (initialization, splits, neighbourhoods)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden_sizes", tuple(self.hidden_sizes))
        _check_int(self, "n_proxies", minimum=2, hint="parallel-mentoring needs at least 2")
        if len(self.hidden_sizes) == 0:
            raise ValueError("hidden_sizes must name at least one hidden width, got ().")
        for width in self.hidden_sizes:
            if not isinstance(width, int) or isinstance(width, bool) or width < 1:
                raise ValueError(
                    f"hidden_sizes must hold positive integers, got {self.hidden_sizes!r}."
                )
        if self.activation not in ("relu", "silu", "softplus", "tanh"):
            raise ValueError(
                f"activation must be one of relu, silu, softplus, tanh; got {self.activation!r}."
            )
        _check_int(self, "pretrain_epochs", minimum=1)
        if self.pretrain_max_steps is not None:
            _check_int(self, "pretrain_max_steps", minimum=1, hint="or None for no budget")
        _check_int(self, "batch_size", minimum=1)
        _check_int(self, "n_neighbours", minimum=2, hint="at least one pair is needed")
        if self.n_neighbours > MAX_NEIGHBOURS:
            raise ValueError(
                f"n_neighbours must be <= {MAX_NEIGHBOURS}, got {self.n_neighbours}: the pairs "
                f"grow as K(K-1)/2 ({self.n_neighbours * (self.n_neighbours - 1) // 2} here) per "
                "candidate and proxy; the paper uses 10 and studies 5..25."
            )
        if self.voting and self.n_proxies % 2 == 0:
            warnings.warn(
                f"n_proxies={self.n_proxies} is even: pairs on which the proxies split evenly "
                "take the ranking of the ensemble mean. Use an odd number for strict majorities.",
                UserWarning,
                stacklevel=3,
            )
        _check_int(self, "fit_mentoring_rounds", minimum=0)
        _check_int(self, "mentoring_steps", minimum=1)
        if not isinstance(self.mentoring, bool):
            raise ValueError(f"mentoring must be True or False, got {self.mentoring!r}.")
        if self.pretrain_loss not in ("mse", "listnet"):
            raise ValueError(
                f"pretrain_loss must be 'mse' or 'listnet', got {self.pretrain_loss!r}."
            )
        _check_int(self, "fit_anchors", minimum=1)
        _check_int(self, "n_candidates", minimum=1)
        _check_int(self, "ascent_steps", minimum=0)
        _check_int(self, "seed", minimum=0)
        if self.outer_batch_size is not None:
            _check_int(self, "outer_batch_size", minimum=1)
        _check_int(self, "outer_refresh", minimum=1, hint="1 recomputes it every step")
        if self.strength not in ("raw", "scale_free"):
            raise ValueError(f"strength must be 'raw' or 'scale_free', got {self.strength!r}.")
        for name in ("pretrain_lr", "inner_lr", "soft_label_lr", "ascent_lr", "max_memory_gb",
                     "function_step"):
            _check_float(self, name, positive=True)
        _check_float(self, "noise_std", positive=True)
        if not 0.0 < float(self.val_fraction) < 1.0:
            raise ValueError(
                f"val_fraction must lie strictly between 0 and 1, got {self.val_fraction!r}."
            )
        for name in ("voting", "soft_labels", "bootstrap", "calibrate_variance"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}.")
        if self.outer_precision not in ("full", "bfloat16"):
            raise ValueError(
                f"outer_precision must be 'full' or 'bfloat16', got {self.outer_precision!r}."
            )
        if self.batch not in ("plain", "distinct"):
            raise ValueError(f"batch must be 'plain' or 'distinct', got {self.batch!r}.")
        _check_float(self, "diversity_penalty", positive=False)
        if self.diversity_penalty < 0:
            raise ValueError(
                f"diversity_penalty must be >= 0, got {self.diversity_penalty!r}."
            )
        if self.mode not in ("per_candidate", "shared"):
            raise ValueError(f"mode must be 'per_candidate' or 'shared', got {self.mode!r}.")
        if self.initial_proxies not in ("pretrained", "fitted"):
            raise ValueError(
                f"initial_proxies must be 'pretrained' or 'fitted', got {self.initial_proxies!r}."
            )

    @property
    def n_pairs(self) -> int:
        """Pairs compared per neighbourhood, K(K-1)/2."""
        return self.n_neighbours * (self.n_neighbours - 1) // 2

    def replace(self, **changes: Any) -> MentoringConfig:
        """A copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python view, suitable for JSON."""
        out = dataclasses.asdict(self)
        out["hidden_sizes"] = list(self.hidden_sizes)
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> MentoringConfig:
        """Inverse of ``to_dict``; unknown keys raise ``ValueError``."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"Unknown MentoringConfig field(s) {unknown}; valid fields: {sorted(known)}."
            )
        return cls(**values)

    @classmethod
    def paper(cls, discrete: bool = False, **changes: Any) -> MentoringConfig:
        """The paper's settings. ``discrete=True`` uses the sequence-task ascent
        (eta = 0.1, T = 100) instead of the continuous one (eta = 1e-3, T = 200)."""
        base = cls(ascent_lr=0.1, ascent_steps=100) if discrete else cls()
        return base.replace(**changes)

    @classmethod
    def from_preset(cls, preset: str, discrete: bool = False, **changes: Any) -> MentoringConfig:
        """``paper(...)`` or ``fast(...)`` by name (``"paper"`` or ``"fast"``), with ``changes``."""
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.")
        factory = {"paper": cls.paper, "fast": cls.fast, "surrogate": cls.surrogate}[preset]
        return factory(discrete=discrete, **changes)

    @classmethod
    def fast(cls, discrete: bool = False, **changes: Any) -> MentoringConfig:
        """Small proxies and short training for CPUs and tests (documentation:
        results/fast-preset)."""
        base = cls.paper(discrete=discrete).replace(
            hidden_sizes=(64, 64),
            pretrain_epochs=20,
            pretrain_max_steps=FAST_PRETRAIN_MAX_STEPS,
            batch_size=256,
            pretrain_lr=0.01,
            outer_batch_size=512,
            fit_mentoring_rounds=10,
        )
        return base.replace(**changes)

    @classmethod
    def surrogate(cls, discrete: bool = False, **changes: Any) -> MentoringConfig:
        """``fast()`` made for acquisition functions: more proxies, each trained on a bootstrap
        resample, and a spread calibrated on the proxies' held-out rows (documentation:
        results/surrogate-calibration)."""
        base = cls.fast(discrete=discrete).replace(
            n_proxies=SURROGATE_PROXIES, bootstrap=True, calibrate_variance=True,
        )
        return base.replace(**changes)


FAST_PRETRAIN_MAX_STEPS = 50_000
"""Mini-batch updates of the fast preset's pretraining at most (documentation:
results/scale): 20 epochs of 256 rows up to 625,000 rows, fewer epochs beyond."""

SURROGATE_PROXIES = 5
"""Proxies of the surrogate preset."""


def _check_int(config: MentoringConfig, name: str, minimum: int, hint: str = "") -> None:
    value = getattr(config, name)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        extra = f" ({hint})" if hint else ""
        raise ValueError(f"{name} must be an integer >= {minimum}{extra}, got {value!r}.")


def _check_float(config: MentoringConfig, name: str, positive: bool) -> None:
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {value!r}.")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be finite, got {value!r}.")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}.")
