"""The cheaper mentoring step: the outer-loss gradient refreshed every R steps, against the exact
step (R = 1), at one torch thread.

Three parts, each printed as a table:

1. ``--error``: per-step error. Along one exact per-candidate ascent (fast preset, the task's
   top 128 designs, seed 0), every step is redone from the same proxies and neighbourhood
   points three ways: exact on a fresh outer minibatch, exact on a second fresh minibatch
   (the noise the exact step already has: its outer loss reads a random 512-row minibatch),
   and with the gradient cached at the last refresh. Printed: the relative error of the
   mentoring update ``||dtheta_cached - dtheta_exact|| / ||dtheta_exact||`` and of the soft
   labels' shift, next to the same for the second minibatch, by steps since the refresh.
2. ``--timing``: seconds of one fast-preset per-candidate tri-mentoring ascent on TFBind8
   for each R (best of 2, after fitting).
3. Scores: ``botorch_mentor.benchmark.run_benchmark`` records of tri-mentoring with each R
   on ``--tasks`` over ``--seeds``, written under ``--output/<task>/R<r>``; the paired
   differences (R minus exact) of the 100th and 50th percentiles and the overestimation.

    python benchmarks/outer_refresh.py --error --timing --tasks tfbind8 rna20 --seeds 8
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from botorch_mentor import fit_mentoring_ensemble, optimize_designs
from botorch_mentor.benchmark import run_benchmark
from botorch_mentor.mentoring.pairwise import pair_indices
from botorch_mentor.mentoring.step import OuterGradientCache, mentoring_step
from botorch_mentor.models.ensemble import MentoringEnsemble
from botorch_mentor.presets import resolve_config
from botorch_mentor.random import select_rows
from botorch_mentor.tasks import get_task


def _fitted(task, **changes):
    config = resolve_config("fast", "benchmark", task.discrete, seed=0, **changes)
    X = task.features().float()
    torch.manual_seed(0)
    model = fit_mentoring_ensemble(MentoringEnsemble(X, task.y.float(), config=config))
    return model, config, task.features(task.top_designs(config.n_candidates)).float()


def per_step_error(task_name: str, refresh: int, steps: int) -> None:
    task = get_task(task_name)
    model, config, X_start = _fitted(task)
    data_X, data_y = model.latent_training_data()
    generator = torch.Generator().manual_seed(123)
    cache = OuterGradientCache(refresh)
    pairs = pair_indices(config.n_neighbours)
    by_age: dict[int, list[tuple[float, float, float, float]]] = {}

    def delta(before, after):
        return torch.cat([(a - b).flatten() for a, b in zip(after, before)])

    def observe(step):
        before, points = step.params_before, step.points
        batches = [select_rows(data_X, data_y, config.outer_batch_size, generator)
                   for _ in range(3)]
        if cache.due:  # the cached gradient comes from a minibatch of its own step
            mentoring_step(before, points, pairs, config.n_proxies, *batches[2], config, cache)
            cache.age = 0
        age = cache.age
        exact, s1 = mentoring_step(before, points, pairs, config.n_proxies, *batches[0], config)
        other, s2 = mentoring_step(before, points, pairs, config.n_proxies, *batches[1], config)
        cached, s3 = mentoring_step(before, points, pairs, config.n_proxies, *batches[2],
                                    config, cache)
        d_exact, d_other, d_cached = (delta(before, p) for p in (exact, other, cached))
        norm = float(d_exact.norm())
        shift = float(s1.label_shift.mean())
        by_age.setdefault(age, []).append((
            float((d_cached - d_exact).norm()) / norm, float((d_other - d_exact).norm()) / norm,
            abs(float(s3.label_shift.mean()) - shift) / max(shift, 1e-12),
            abs(float(s2.label_shift.mean()) - shift) / max(shift, 1e-12)))

    optimize_designs(model, X_start, mentoring=True, config=config, steps=steps,
                     observer=observe)
    print(f"\n## Per-step error, {task_name}, R = {refresh}, {steps} steps (mean over steps)\n")
    print("| steps since refresh | update error, cached | update error, other minibatch "
          "| label-shift error, cached | label-shift error, other minibatch |")
    print("|---|---|---|---|---|")
    for age in sorted(by_age):
        columns = list(zip(*by_age[age]))
        print(f"| {age} | " + " | ".join(f"{statistics.mean(c):.3f}" for c in columns) + " |")
    every = [row for rows in by_age.values() for row in rows]
    columns = list(zip(*every))
    print("| all | " + " | ".join(f"{statistics.mean(c):.3f}" for c in columns) + " |")


def timing(task_name: str, refreshes: list[int]) -> None:
    task = get_task(task_name)
    model, config, X_start = _fitted(task)
    print(f"\n## One per-candidate tri-mentoring ascent, {task_name}, fast preset, 1 thread\n")
    print("| R | seconds (best of 2) | speed-up |")
    print("|---|---|---|")
    base = None
    for refresh in refreshes:
        run = config.replace(outer_refresh=refresh)
        best = float("inf")
        for _ in range(2):
            started = time.perf_counter()
            optimize_designs(model, X_start, mentoring=True, config=run)
            best = min(best, time.perf_counter() - started)
        base = base or best
        print(f"| {refresh} | {best:.2f} | {base / best:.1f}x |")


def scores(tasks: list[str], refreshes: list[int], seeds: int, output: Path) -> None:
    print(f"\n## Scores, tri-mentoring (fast preset), paired over seeds 0-{seeds - 1}\n")
    print("| task | R | 100th | 50th | overestimation | 100th - exact | 50th - exact "
          "| overest. - exact | ascent s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in tasks:
        records = {}
        for refresh in refreshes:
            records[refresh] = run_benchmark(
                name, methods=["tri-mentoring"], seeds=seeds,
                config_changes={"outer_refresh": refresh},
                output=output / name / f"R{refresh}")
        exact = records[refreshes[0]]
        for refresh in refreshes:
            rows = records[refresh]
            cells = []
            for key in ("score_100th", "score_50th", "overestimation"):
                values = [r[key] for r in rows]
                cells.append(f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}")
            for key in ("score_100th", "score_50th", "overestimation"):
                diffs = [r[key] - e[key] for r, e in zip(rows, exact)]
                cells.append(f"{statistics.mean(diffs):+.3f} ± "
                             f"{statistics.stdev(diffs) / len(diffs) ** 0.5:.3f}")
            seconds = statistics.mean(r["method_seconds"] for r in rows)
            print(f"| {name} | {refresh} | " + " | ".join(cells) + f" | {seconds:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--error", action="store_true", help="part 1")
    parser.add_argument("--error-task", default="tfbind8")
    parser.add_argument("--error-steps", type=int, default=40)
    parser.add_argument("--timing", action="store_true", help="part 2")
    parser.add_argument("--refresh", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--tasks", nargs="*", default=[], help="part 3: tasks to score")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--output", type=Path, default=Path("results/outer_refresh"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.error:
        for refresh in args.refresh[1:]:
            per_step_error(args.error_task, refresh, args.error_steps)
    if args.timing:
        timing("tfbind8", args.refresh)
    if args.tasks:
        scores(args.tasks, args.refresh, args.seeds, args.output)


if __name__ == "__main__":
    main()
