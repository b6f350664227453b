"""Ax on a static dataset: the default GP generator vs MentoringEnsemble as its surrogate vs
the acquisition-free tri-mentoring generator.

Same data and true function for all three: Hartmann-6 (the worse half of 400 uniform designs,
maximizing -Hartmann6) and TFBind8 as eight choice parameters (1,500 random visible rows).
Each strategy proposes ``--n`` designs in one ``get_next_trials`` call; prints the best and
mean true value of the proposals and the wall time.

    python benchmarks/ax_comparison.py [--n 8] [--threads 2]
    python benchmarks/ax_comparison.py --loop [--rounds 4] [--batch 4] [--seeds 5]
        [--strategies gp surrogate generator] [--problems hartmann6 tfbind8]

``--loop`` runs the sequential version instead: each strategy proposes a batch, the batch is
evaluated with the true function and completed, and the next batch is proposed, for
``--rounds`` rounds, on ``--seeds`` seeds (the attached table is redrawn per seed); it prints
the best true value found after each round (mean ± std over seeds) and counts repeated
proposals.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from ax.adapter.registry import Generators
from ax.generation_strategy.generation_node import GenerationNode
from ax.generation_strategy.generation_strategy import GenerationStrategy
from ax.generation_strategy.generator_spec import GeneratorSpec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import botorch_mentor.ax as bmax  # noqa: E402
from tests.ax.conftest import (  # noqa: E402
    HARTMANN,
    hartmann_client,
    hartmann_value,
    tfbind_client,
    tfbind_value,
)


def gp_strategy() -> GenerationStrategy:
    spec = GeneratorSpec(generator_enum=Generators.BOTORCH_MODULAR)  # GP + qLogNEI
    return GenerationStrategy(name="Ax default GP", nodes=[GenerationNode(
        name="gp", generator_specs=[spec])])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--loop", action="store_true", help="the sequential closed loop")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="loop seeds first-seed .. first-seed + seeds - 1")
    parser.add_argument("--strategies", nargs="+", default=["gp", "surrogate", "generator"],
                        choices=["gp", "surrogate", "generator"], help="loop: which strategies")
    parser.add_argument("--problems", nargs="+", default=["hartmann6", "tfbind8"],
                        choices=["hartmann6", "tfbind8"], help="loop: which problems")
    parser.add_argument("--rows", type=int, default=300,
                        help="attached TFBind8 rows in the loop (the GP's cost grows as n^3)")
    args = parser.parse_args()
    if args.loop:
        torch.set_num_threads(args.threads)
        warnings.filterwarnings("ignore")
        logging.getLogger("ax").setLevel(logging.WARNING)
        closed_loop(args)
        return
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    logging.getLogger("ax").setLevel(logging.WARNING)

    import pandas as pd

    from botorch_mentor.tasks import decode_dna, tfbind8

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(400, 6))
    y = -HARTMANN(torch.tensor(X)).numpy()
    keep = y <= np.quantile(y, 0.5)
    hartmann = pd.DataFrame(X[keep], columns=[f"x{i}" for i in range(6)]).assign(f=y[keep])
    task = tfbind8()
    rows = torch.randperm(task.x.shape[0], generator=torch.Generator().manual_seed(0))[:1500]
    tfbind = pd.DataFrame([list(s) for s in decode_dna(task.x[rows].numpy())],
                          columns=[f"p{i}" for i in range(8)]).assign(
        binding=task.y[rows, 0].numpy())

    problems = {
        "hartmann6": (hartmann, "f", hartmann_client, hartmann_value),
        "tfbind8 (choices)": (tfbind, "binding", tfbind_client, tfbind_value),
    }
    strategies = {
        "Ax default GP + qLogNEI": gp_strategy,
        "MentoringEnsemble + qLogNEI": lambda: bmax.surrogate_generation_strategy(
            "qLogNEI", activation="silu"),  # the surrogate preset
        "tri-mentoring generator": lambda: bmax.mentoring_generation_strategy(preset="fast"),
    }
    print(f"{args.n} proposals per strategy, {args.threads} threads, torch {torch.__version__}")
    print(f"{'problem':<18} {'strategy':<28} {'best':>8} {'mean':>8} {'best seen':>9} "
          f"{'seconds':>8}")
    for problem, (frame, objective, make_client, value) in problems.items():
        for name, make_strategy in strategies.items():
            client = make_client()
            bmax.attach_dataset(client, frame, objective)
            client.set_generation_strategy(make_strategy())
            torch.manual_seed(0)
            started = time.perf_counter()
            trials = client.get_next_trials(max_trials=args.n)
            seconds = time.perf_counter() - started
            values = [value(p) for p in trials.values()]
            print(f"{problem:<18} {name:<28} {max(values):8.4f} {np.mean(values):8.4f} "
                  f"{frame[objective].max():9.4f} {seconds:8.1f}", flush=True)


def _problems(seed: int, tfbind_rows: int):
    import pandas as pd

    from botorch_mentor.tasks import decode_dna, tfbind8

    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(400, 6))
    y = -HARTMANN(torch.tensor(X)).numpy()
    keep = y <= np.quantile(y, 0.5)
    hartmann = pd.DataFrame(X[keep], columns=[f"x{i}" for i in range(6)]).assign(f=y[keep])
    task = tfbind8()
    rows = torch.randperm(task.x.shape[0], generator=torch.Generator().manual_seed(seed))
    rows = rows[:tfbind_rows]
    tfbind = pd.DataFrame([list(s) for s in decode_dna(task.x[rows].numpy())],
                          columns=[f"p{i}" for i in range(8)]).assign(
        binding=task.y[rows, 0].numpy())
    return {
        "hartmann6": (hartmann, "f", hartmann_client, hartmann_value),
        "tfbind8 (choices)": (tfbind, "binding", tfbind_client, tfbind_value),
    }


def closed_loop(args: argparse.Namespace) -> None:
    strategies = {
        "Ax default GP + qLogNEI": ("gp", gp_strategy),
        "MentoringEnsemble + qLogNEI": ("surrogate", lambda: bmax.surrogate_generation_strategy(
            "qLogNEI", activation="silu")),
        "tri-mentoring generator": ("generator",
                                    lambda: bmax.mentoring_generation_strategy(preset="fast")),
    }
    strategies = {name: make for name, (key, make) in strategies.items()
                  if key in args.strategies}
    results: dict = {}
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for problem, (frame, objective, make_client, value) in _problems(
                seed, args.rows).items():
            if problem.split(" ")[0] not in args.problems:
                continue
            for name, make_strategy in strategies.items():
                client = make_client()
                bmax.attach_dataset(client, frame, objective)
                client.set_generation_strategy(make_strategy())
                torch.manual_seed(seed)
                best, seen, repeats, started = frame[objective].max(), set(), 0, time.perf_counter()
                within = 0
                curve = []
                for _ in range(args.rounds):
                    trials = client.get_next_trials(max_trials=args.batch)
                    batch: set = set()
                    for index, parameters in trials.items():
                        key = tuple(sorted(parameters.items()))
                        repeats += key in seen or key in batch
                        within += key in batch
                        batch.add(key)
                        outcome = value(parameters)
                        best = max(best, outcome)
                        client.complete_trial(index, raw_data={objective: outcome})
                    seen |= batch
                    curve.append(best)
                entry = results.setdefault((problem, name), {"curves": [], "repeats": 0,
                                                             "within": 0, "seconds": 0.0})
                entry["within"] += within
                entry["curves"].append(curve)
                entry["repeats"] += repeats
                entry["seconds"] += time.perf_counter() - started
                print(f"seed {seed} {problem:<18} {name:<28} "
                      + " ".join(f"{v:.3f}" for v in curve), flush=True)
    print(f"\n{args.rounds} rounds of {args.batch}, {args.seeds} seeds, best true value after "
          f"each round (mean ± std over seeds); 'repeats': proposals equal to an earlier one "
          "(in an earlier round or earlier in the same batch)")
    for (problem, name), entry in results.items():
        curves = np.array(entry["curves"])
        cells = " ".join(f"{m:.3f}±{s:.3f}" for m, s in zip(curves.mean(0), curves.std(0)))
        print(f"{problem:<18} {name:<28} {cells}  repeats {entry['repeats']} "
              f"({entry['within']} within a batch)  "
              f"{entry['seconds'] / args.seeds:.0f} s/seed")


if __name__ == "__main__":
    main()
