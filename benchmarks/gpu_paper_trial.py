"""The paper's TFBind8 configuration on a GPU: time, memory, throughput, scores, diagnostics.

Paper settings: width 2048, 3 proxies, 200 pretraining epochs, 128 candidates x 100 steps,
per-candidate mentoring, whole-dataset outer loss. One run, in stages, each skipped when its
projected time would pass ``--budget-s`` (the stages run in order of importance):

1. pretraining (float32), and the per-epoch time under TF32 and bfloat16 autocast;
2. mentoring diagnostics at width 2048 with the fully pretrained proxies (raw strength):
   tangent-kernel scale, corrected share, soft-label shift, prediction change relative to
   the design step (``MentoringDiagnostics``);
3. per-step ascent time and peak memory at 32, 64 and 128 candidates for float32, TF32 and
   a bfloat16 outer pass (``outer_precision="bfloat16"``);
4. full trials (128 x 100): tri-mentoring with the bfloat16 outer pass, grad-mean, then
   tri-mentoring in TF32 and float32 as far as the budget allows; then more seeds.

    PYTHONPATH=. python benchmarks/gpu_paper_trial.py --out results/gpu [--budget-s 480]

Every figure is printed and appended to ``<out>/gpu_trial.jsonl``. ``--device cpu`` with a
small ``--width`` and ``--epochs`` runs the same stages as a smoke check.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch

from botorch_mentor.benchmark.estimate import proxy_parameters
from botorch_mentor.benchmark.runner import spearman
from botorch_mentor.config import MentoringConfig
from botorch_mentor.fitting.fit import fit_mentoring_ensemble
from botorch_mentor.mentoring.diagnostics import tangent_kernel_scale
from botorch_mentor.mentoring.neighbourhood import sample_neighbourhood
from botorch_mentor.mentoring.pairwise import pair_indices
from botorch_mentor.models.ensemble import MentoringEnsemble
from botorch_mentor.nn.batched_mlp import expand_members
from botorch_mentor.optim.ascent import optimize_designs
from botorch_mentor.optim.diagnostics import MentoringDiagnostics
from botorch_mentor.tasks import tfbind8

PRECISIONS = ("bf16", "tf32", "float32")


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.began = time.perf_counter()
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.log = (self.out / "gpu_trial.jsonl").open("a")
        self.cuda = args.device.startswith("cuda")
        self.task = tfbind8()
        self.X = self.task.features().float().to(args.device)
        self.Y = self.task.y.float().to(args.device)

    def left(self) -> float:
        return self.args.budget_s - (time.perf_counter() - self.began)

    def record(self, **values: object) -> None:
        values["elapsed_s"] = round(time.perf_counter() - self.began, 1)
        line = json.dumps(values, default=float)
        print(line, flush=True)
        self.log.write(line + "\n")
        self.log.flush()

    def sync(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()

    def precision(self, name: str) -> dict[str, object]:
        """Set the float32 matmul precision; return the config changes of ``name``."""
        torch.set_float32_matmul_precision("high" if name == "tf32" else "highest")
        return {"outer_precision": "bfloat16" if name == "bf16" else "full"}

    def config(self, **changes: object) -> MentoringConfig:
        a = self.args
        base = dict(
            discrete=True, hidden_sizes=(a.width, a.width), pretrain_epochs=a.epochs,
            n_candidates=a.candidates, ascent_steps=a.steps, fit_mentoring_rounds=0,
            seed=a.seed, max_memory_gb=a.max_memory_gb,
        )
        base.update(changes)
        return MentoringConfig.paper(**base)

    def peak_reset(self) -> None:
        if self.cuda:
            torch.cuda.reset_peak_memory_stats()

    def peak_gb(self) -> float:
        return torch.cuda.max_memory_allocated() / 2**30 if self.cuda else 0.0

    def pretrain(self, seed: int, precision: str = "float32", epochs: int | None = None):
        self.precision(precision)
        config = self.config(seed=seed, **({} if epochs is None else {"pretrain_epochs": epochs}))
        self.sync()
        began = time.perf_counter()
        if precision == "bf16":
            with torch.autocast(self.args.device.split(":")[0], dtype=torch.bfloat16):
                model = fit_mentoring_ensemble(MentoringEnsemble(self.X, self.Y, config=config))
        else:
            model = fit_mentoring_ensemble(MentoringEnsemble(self.X, self.Y, config=config))
        self.sync()
        return model, time.perf_counter() - began

    def start(self, n: int) -> torch.Tensor:
        return self.task.features(self.task.top_designs(n)).float().to(self.args.device)

    def scores(self, model: MentoringEnsemble, result) -> dict[str, float]:
        designs = self.task.decode(result.designs.double().cpu())
        true = self.task.normalize(self.task.score(designs)).flatten()
        predicted = self.task.normalize(result.predictions.double().cpu()).flatten()
        return {
            "p100": float(true.max()), "p50": float(true.median()),
            "overestimation": float((predicted - true).mean()),
            "spearman": spearman(predicted, true),
        }

    def ascent(self, model, precision: str, candidates: int, steps: int, mentoring: bool = True,
               observer=None):
        changes = self.precision(precision)
        config = model.config.replace(n_candidates=candidates, ascent_steps=steps, **changes)
        start = self.start(candidates)
        stamps: list[float] = []

        def timed(observed):
            if observer is not None:
                observer(observed)
            self.sync()
            stamps.append(time.perf_counter())

        self.peak_reset()
        self.sync()
        began = time.perf_counter()
        result = optimize_designs(model, start, mentoring=mentoring, config=config,
                                  observer=timed)
        self.sync()
        total = time.perf_counter() - began
        step_times = [b - a for a, b in zip([began, *stamps[:-1]], stamps)]
        return result, total, step_times, self.peak_gb()


def outer_flops(n_networks: int, rows: int, d: int, width: int) -> float:
    r"""Forward + backward FLOPs of one outer-loss pass: 6 per weight and row (2 per
    multiply-add, backward 2x), as the CLI's cost estimate counts them."""
    return 6.0 * n_networks * rows * proxy_parameters(d, (width, width))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="results/gpu")
    parser.add_argument("--budget-s", type=float, default=480.0)
    parser.add_argument("--candidates", type=int, default=128)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--width", type=int, default=2048)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--extra-seeds", type=int, default=3)
    parser.add_argument("--diagnostic-candidates", type=int, default=32)
    parser.add_argument("--diagnostic-steps", type=int, default=5)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--max-memory-gb", type=float, default=8.0)
    args = parser.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("CUDA is not available; use --device cpu with a small --width.")
    run = Run(args)
    a = args
    run.record(stage="env", device=torch.cuda.get_device_name() if run.cuda else "cpu",
               torch=torch.__version__, width=a.width, epochs=a.epochs,
               candidates=a.candidates, steps=a.steps, rows=run.X.shape[0],
               date=time.strftime("%Y-%m-%d"))
    flops_per_step = outer_flops(3 * a.candidates, run.X.shape[0], run.X.shape[1], a.width)

    # 1. Pretraining.
    model, pretrain_s = run.pretrain(a.seed)
    run.record(stage="pretrain", precision="float32", seconds=pretrain_s,
               val_pearson=model.val_pearson.tolist() if hasattr(model, "val_pearson") else None)
    probe_epochs = max(1, a.epochs // 20)
    for precision in ("tf32", "bf16"):
        if run.left() < 4 * pretrain_s / 20 + 60:
            break
        _, seconds = run.pretrain(a.seed, precision, epochs=probe_epochs)
        run.record(stage="pretrain_probe", precision=precision, epochs=probe_epochs,
                   seconds=seconds, projected_full_s=seconds * a.epochs / probe_epochs)

    # 2. Diagnostics at width 2048 with the fully pretrained proxies (float32, raw strength).
    with torch.no_grad():
        C = a.candidates
        centres = model.to_latent(run.start(C))
        generator = torch.Generator(device=a.device).manual_seed(a.seed)
        points = sample_neighbourhood(centres, model.config.n_neighbours,
                                      model.config.noise_std, generator)
        pairs = pair_indices(model.config.n_neighbours, device=a.device)
        kappa = tangent_kernel_scale(expand_members(model.pretrained_params(), C), points,
                                     pairs, 3, model.config.activation)
    run.record(stage="kernel_scale", candidates=C, median=float(kappa.median()),
               mean=float(kappa.mean()), p10=float(kappa.quantile(0.1)),
               p90=float(kappa.quantile(0.9)))
    diagnostics = MentoringDiagnostics(3)
    _, seconds, _, _ = run.ascent(model, "float32", a.diagnostic_candidates,
                                  a.diagnostic_steps, observer=diagnostics)
    run.record(stage="diagnostics", strength="raw", candidates=a.diagnostic_candidates,
               steps=a.diagnostic_steps, seconds=seconds, **diagnostics.summary())

    # 3. Per-step time and peak memory per precision and candidate count.
    per_step: dict[str, float] = {}
    for precision in PRECISIONS:
        for C in (32, 64, a.candidates):
            guess = per_step.get(precision, 1.0) * C / a.candidates * 3
            if run.left() < guess + 30:
                continue
            steps = 3 if C == a.candidates else 2
            _, seconds, times, peak = run.ascent(model, precision, C, steps)
            step_s = min(times[1:]) if len(times) > 1 else times[0]
            if C == a.candidates:
                per_step[precision] = step_s
            run.record(stage="step_time", precision=precision, candidates=C, step_s=step_s,
                       first_step_s=times[0], peak_gb=peak,
                       outer_tflops=outer_flops(3 * C, run.X.shape[0], run.X.shape[1],
                                                a.width) / step_s / 1e12)

    # 4. Full trials: tri-mentoring per precision (fastest first), and grad-mean.
    def trial(model, precision: str, seed: int, mentoring: bool = True) -> None:
        result, seconds, _, peak = run.ascent(model, precision, a.candidates, a.steps,
                                              mentoring=mentoring)
        method = "tri-mentoring" if mentoring else "grad-mean"
        run.record(stage="trial", method=method, precision=precision, seed=seed,
                   ascent_s=seconds, per_candidate_step_s=seconds / (a.candidates * a.steps),
                   peak_gb=peak, outer_tflops=(flops_per_step * a.steps / seconds / 1e12
                                               if mentoring else None),
                   **run.scores(model, result))

    ordered = sorted(per_step, key=per_step.get)
    for index, precision in enumerate(ordered):
        if run.left() < per_step[precision] * a.steps * 1.1 + 20:
            run.record(stage="skipped", what=f"tri-mentoring trial in {precision}",
                       projected_s=per_step[precision] * a.steps, left_s=run.left())
            continue
        trial(model, precision, a.seed)
        if index == 0:
            trial(model, "float32", a.seed, mentoring=False)
    fastest = ordered[0] if ordered else None
    for seed in range(a.seed + 1, a.seed + 1 + a.extra_seeds):
        needed = pretrain_s + (per_step.get(fastest, math.inf) * a.steps) * 1.1 + 20
        if fastest is None or run.left() < needed:
            break
        model, seconds = run.pretrain(seed)
        run.record(stage="pretrain", precision="float32", seed=seed, seconds=seconds)
        trial(model, fastest, seed)
        trial(model, "float32", seed, mentoring=False)
    run.record(stage="done", left_s=run.left())


if __name__ == "__main__":
    main()
