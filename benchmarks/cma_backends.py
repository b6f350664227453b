"""CMA-ES on the mean proxy: pycma's update against this library's batched update.

Same proxies per seed (fast preset), same 128 starting designs, same number of generations
(``ascent_steps``); prints the wall time, the mean proxy value reached (z-units) and the true
normalized 100th / 50th percentile of each backend.

    python benchmarks/cma_backends.py [--tasks tfbind8 hartmann6] [--seeds 3]
"""

from __future__ import annotations

import argparse
import time

import torch

from botorch_mentor import MentoringEnsemble, fit_mentoring_ensemble
from botorch_mentor.benchmark.baselines import cma_es_on_mean
from botorch_mentor.benchmark.runner import preset_config
from botorch_mentor.tasks import get_task


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", nargs="+", default=["tfbind8", "hartmann6"])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print("| task | seed | backend | seconds | mean proxy (z) | 100th | 50th |")
    print("|---|---|---|---|---|---|---|")
    for name in args.tasks:
        task = get_task(name)
        X, Y = task.features().float(), task.y.float()
        for seed in range(args.seeds):
            config = preset_config("fast", task.discrete, seed=seed)
            torch.manual_seed(seed)
            model = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=config))
            start = task.features(task.top_designs(config.n_candidates)).float()
            params = model.pretrained_params()
            for backend in ("pycma", "batched"):
                began = time.perf_counter()
                final = cma_es_on_mean(model, start, config, backend=backend)
                seconds = time.perf_counter() - began
                with torch.no_grad():
                    value = model.predict_latent(model.to_latent(final), params).mean(0)
                scores = task.normalize(task.score(task.decode(final.double())))
                print(f"| {name} | {seed} | {backend} | {seconds:.1f} | {value.mean():.2f} | "
                      f"{scores.max():.3f} | {scores.median():.3f} |", flush=True)


if __name__ == "__main__":
    main()
