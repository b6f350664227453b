r"""The drop-in path Ax documents: ``ModelConfig(botorch_model_class=MentoringEnsemble)`` with
no options, inside Ax's modular BoTorch generator, on 400 Hartmann-6 rows.

Prints the surrogate's configuration, the fit time of one ``get_next_trials`` call and the
true (negated) Hartmann-6 values of the proposals against the table's best.

    python benchmarks/ax_swap_in.py [--seeds 3] [--rows 400] [--trials 2]
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np
import torch
from ax.adapter.registry import Generators
from ax.api.client import Client
from ax.api.configs import RangeParameterConfig
from ax.generation_strategy.generation_node import GenerationNode
from ax.generation_strategy.generation_strategy import GenerationStrategy
from ax.generation_strategy.generator_spec import GeneratorSpec
from ax.generators.torch.botorch_modular.surrogate import SurrogateSpec
from ax.generators.torch.botorch_modular.utils import ModelConfig
from botorch.test_functions import Hartmann

import botorch_mentor.ax as bmax
from botorch_mentor import MentoringEnsemble


def swap_in_strategy() -> GenerationStrategy:
    r"""Ax's own recipe with the model class swapped, nothing else."""
    spec = GeneratorSpec(
        generator_enum=Generators.BOTORCH_MODULAR,
        generator_kwargs={"surrogate_spec": SurrogateSpec(
            model_configs=[ModelConfig(botorch_model_class=MentoringEnsemble)])},
    )
    return GenerationStrategy(name="swap-in", nodes=[GenerationNode(
        name="mentoring_surrogate", generator_specs=[spec])])


def run(seed: int, rows: int, trials: int) -> dict:
    function = Hartmann(dim=6)
    X = np.random.default_rng(seed).uniform(size=(rows, 6))
    y = -function(torch.tensor(X)).numpy()
    import pandas as pd

    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)]).assign(f=y)
    client = Client()
    client.configure_experiment(parameters=[
        RangeParameterConfig(name=f"x{i}", parameter_type="float", bounds=(0.0, 1.0))
        for i in range(6)])
    client.configure_optimization(objective="f")
    bmax.attach_dataset(client, frame, objective="f")
    client.set_generation_strategy(swap_in_strategy())
    started = time.perf_counter()
    proposals = client.get_next_trials(max_trials=trials)
    seconds = time.perf_counter() - started
    values = [float(-function(torch.tensor([[p[f"x{i}"] for i in range(6)]],
                                           dtype=torch.float64)))
              for p in proposals.values()]
    return {"seed": seed, "seconds": seconds, "best_in_table": float(y.max()),
            "proposals": values}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--trials", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(1)
    logging.getLogger("ax").setLevel(logging.WARNING)
    print(f"configuration: {MentoringEnsemble(torch.rand(40, 6), torch.rand(40, 1)).config}")
    for seed in range(args.seeds):
        result = run(seed, args.rows, args.trials)
        shown = ", ".join(f"{v:.3f}" for v in result["proposals"])
        print(f"seed {seed}: {result['seconds']:.1f} s for {args.trials} trials (one fit); "
              f"proposals {shown}; best in table {result['best_in_table']:.3f}")


if __name__ == "__main__":
    main()
