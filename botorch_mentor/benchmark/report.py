r"""Benchmark results as tables and pictures: aggregate, JSON, CSV, Markdown, PNG."""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path

COLUMNS = ("task", "method", "seed", "batch", "strength", "score_100th", "score_50th", "raw_100th",
           "raw_50th", "best_visible", "distinct", "distinct_hits", "diversity", "novelty",
           "fit_seconds", "method_seconds", "disagreement", "label_shift", "mentoring_change",
           "overestimation", "spearman")


def mean_std(values: list[float]) -> tuple[float, float]:
    r"""Mean and sample standard deviation (0 for a single value)."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def aggregate(records: list[dict]) -> list[dict]:
    r"""Mean and standard deviation (over seeds) per (task, method), in first-seen order."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for record in records:
        groups.setdefault((record["task"], record["method"]), []).append(record)
    rows = []
    for (task, method), group in groups.items():
        row: dict = {"task": task, "method": method, "seeds": len(group)}
        for key in ("score_100th", "score_50th", "distinct", "distinct_hits", "diversity",
                    "novelty", "method_seconds", "disagreement", "label_shift",
                    "mentoring_change", "overestimation", "spearman"):
            values = [r[key] for r in group
                      if r.get(key) is not None and not math.isnan(r[key])]
            if values:
                row[f"{key}_mean"], row[f"{key}_std"] = mean_std(values)
        row["best_visible"] = group[0]["best_visible"]
        rows.append(row)
    return rows


def markdown_table(rows: list[dict]) -> str:
    r"""The field's table: normalized 100th / 50th percentile, mean +- std over seeds, and
    the batch metrics (distinct designs, distinct hits, diversity, novelty: means)."""
    lines = [
        "| task | method | seeds | 100th pct | 50th pct | distinct | distinct hits | diversity "
        "| novelty | overestimation | Spearman | s / run | disagree | label shift "
        "| mentoring change |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    seen_tasks = set()
    for row in rows:
        if row["task"] not in seen_tasks:
            seen_tasks.add(row["task"])
            lines.append(f"| {row['task']} | best visible design | - | "
                         f"{row['best_visible']:.3f} |" + " - |" * 11)

        lines.append(
            f"| {row['task']} | {row['method']} | {row['seeds']} | {_cell(row, 'score_100th')} | "
            f"{_cell(row, 'score_50th')} | {_mean(row, 'distinct', 1)} | "
            f"{_mean(row, 'distinct_hits', 1)} | {_mean(row, 'diversity', 2)} | "
            f"{_mean(row, 'novelty', 2)} | {_cell(row, 'overestimation', 2)} | "
            f"{_cell(row, 'spearman', 2)} | {row['method_seconds_mean']:.1f} | "
            f"{_small(row, 'disagreement')}"
            f" | {_small(row, 'label_shift')} | {_small(row, 'mentoring_change')} |"
        )
    return "\n".join(lines) + "\n"


def _mean(row: dict, key: str, digits: int) -> str:
    return f"{row[f'{key}_mean']:.{digits}f}" if f"{key}_mean" in row else "-"


def _cell(row: dict, key: str, digits: int = 3) -> str:
    if f"{key}_mean" not in row:
        return "-"
    return f"{row[f'{key}_mean']:.{digits}f} ± {row[f'{key}_std']:.{digits}f}"


def _small(row: dict, key: str) -> str:
    return f"{row[f'{key}_mean']:.2g}" if f"{key}_mean" in row else "-"


def write_results(records: list[dict], output: str | os.PathLike) -> dict[str, Path]:
    r"""Write ``results.json``, ``results.csv``, ``results.md`` and, with matplotlib,
    ``scores.png`` and ``trajectories.png`` into ``output``; returns the paths."""
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    rows = aggregate(records)
    paths = {"json": out / "results.json", "csv": out / "results.csv", "md": out / "results.md"}
    paths["json"].write_text(json.dumps({"records": records, "summary": rows}, indent=1))
    with open(paths["csv"], "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    paths["md"].write_text(markdown_table(rows))
    paths.update(_plots(records, out))
    return paths


def _plots(records: list[dict], out: Path) -> dict[str, Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # plots are optional: pip install botorch-mentor[plots]
        return {}
    paths = {}
    for task in dict.fromkeys(r["task"] for r in records):
        task_records = [r for r in records if r["task"] == task]
        methods = list(dict.fromkeys(r["method"] for r in task_records))
        fig, ax = plt.subplots(figsize=(1.2 * len(methods) + 3, 4))
        data = [[v for r in task_records if r["method"] == m for v in r["normalized_scores"]]
                for m in methods]
        ax.boxplot(data)
        labels = [f"{m}\n{_distinct_label(task_records, m)}" for m in methods]
        ax.set_xticks(range(1, len(methods) + 1), labels, rotation=30, ha="right")
        ax.axhline(task_records[0]["best_visible"], color="gray", ls="--", label="best visible")
        ax.set_ylabel("normalized true score of the designs")
        ax.set_title(f"{task}: true scores of the proposed designs\n(all seeds)", fontsize=10)
        ax.legend()
        fig.tight_layout()
        paths[f"scores_{task}"] = out / f"scores_{task}.png"
        fig.savefig(paths[f"scores_{task}"], dpi=100)
        plt.close(fig)

        traced = [r for r in task_records if "trajectory_true" in r]
        if traced:
            paths[f"trajectories_{task}"] = _trajectory_plot(plt, task, traced, out)
    return paths


def _distinct_label(records: list[dict], method: str) -> str:
    r"""``"<distinct> distinct, <hits> hits"`` of a method's records, means over seeds."""
    runs = [r for r in records if r["method"] == method and "distinct" in r]
    if not runs:
        return ""
    distinct = sum(r["distinct"] for r in runs) / len(runs)
    hits = sum(r["distinct_hits"] for r in runs) / len(runs)
    return f"{distinct:.0f} distinct, {hits:.0f} hits"


MARKERS = "osD^vP*Xh<>"
LINESTYLES = ("-", "--", "-.", ":")


def method_style(index: int) -> tuple[str, str, str]:
    r"""Color, marker and line style of the ``index``-th method: distinct triples for the
    first 40 methods (10 colors x 4 line styles, markers cycling on their own)."""
    return (f"C{index % 10}", MARKERS[index % len(MARKERS)],
            LINESTYLES[(index // 10) % len(LINESTYLES)] if index >= 10 else
            LINESTYLES[index % len(LINESTYLES)])


def _trajectory_plot(plt, task: str, traced: list[dict], out: Path) -> Path:
    r"""True (left) and predicted (right) mean normalized score along the ascent, one color,
    marker and line style per method, mean over seeds."""
    import numpy as np

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
    methods = list(dict.fromkeys(r["method"] for r in traced))
    for i, method in enumerate(methods):
        runs = [r for r in traced if r["method"] == method]
        steps = runs[0]["trajectory_steps"]
        color, marker, linestyle = method_style(i)
        style = dict(color=color, marker=marker, ls=linestyle, markersize=4, label=method)
        for ax, key in zip(axes, ("trajectory_true", "trajectory_predicted")):
            values = np.mean([r[key] for r in runs], axis=0)
            ax.plot(steps, values, **style)
    for ax, what in zip(axes, ("true (oracle)", "predicted (ensemble)")):
        ax.set_xlabel("ascent step")
        ax.set_ylabel(f"mean normalized score, {what}")
        ax.set_title(f"{task}: {what}", fontsize=10)
    axes[0].legend(fontsize=7)
    seeds = sorted({r["seed"] for r in traced})
    fig.suptitle(f"{task}: the designs along the ascent, mean over {len(seeds)} seed(s)",
                 fontsize=10)
    fig.tight_layout()
    path = out / f"trajectories_{task}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
