r"""The recommended mentoring step over every registered task: the scale-free step against the
paper's raw step (and mean-ensemble ascent), paired by seed, from the batch study's records.

Run ``benchmarks/batch_study.py`` first with ``--methods grad-mean tri-mentoring-scale-free
tri-mentoring-raw`` (the same seeds fit the same proxies for every method), then:

    python benchmarks/strength_over_tasks.py [--output results/batch_study] [--batch plain]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

METHODS = ("grad-mean", "tri-mentoring-raw", "tri-mentoring-scale-free")


def _mean(by: dict, seeds: list[int], method: str, key: str) -> float:
    return sum(by[(method, s)][key] for s in seeds) / len(seeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="results/batch_study")
    parser.add_argument("--batch", default="plain", choices=["plain", "distinct"])
    args = parser.parse_args()
    print(f"batch: {args.batch}; mean over seeds (paired differences: mean ± std)\n")
    print("| task | seeds | grad-mean 100th / 50th | raw 100th / 50th | scale-free 100th / 50th "
          "| scale-free - raw: 100th | 50th |")
    print("|---|---|---|---|---|---|---|")
    wins = {"100th": [], "50th": []}
    for path in sorted(Path(args.output).glob("*.jsonl")):
        records = [json.loads(line) for line in path.read_text().splitlines()]
        by = {(r["method"], r["seed"]): r for r in records if r["batch"] == args.batch}
        seeds = sorted(s for (m, s) in by if m == METHODS[0]
                       and all((other, s) in by for other in METHODS))
        if not seeds:
            continue

        cells = [f"{_mean(by, seeds, m, 'score_100th'):.3f} / "
                 f"{_mean(by, seeds, m, 'score_50th'):.3f}" for m in METHODS]
        diffs = []
        for key, label in (("score_100th", "100th"), ("score_50th", "50th")):
            d = torch.tensor([by[(METHODS[2], s)][key] - by[(METHODS[1], s)][key]
                              for s in seeds], dtype=torch.float64)
            wins[label].append(float(d.mean()))
            diffs.append(f"{float(d.mean()):+.3f} ± {float(d.std()):.3f}")
        print(f"| {path.stem} | {len(seeds)} | " + " | ".join(cells) + " | "
              + " | ".join(diffs) + " |")
    for label, values in wins.items():
        print(f"\n{label}: scale-free - raw, mean over {len(values)} tasks "
              f"{sum(values) / len(values):+.4f}; scale-free ahead on "
              f"{sum(v > 0 for v in values)}, behind on {sum(v < 0 for v in values)}")


if __name__ == "__main__":
    main()
