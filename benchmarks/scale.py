"""The authors' scale: ``propose`` on TFBind10's visible rows, 10k to all 4,161,482 of them.

For every size the whole user path runs in a fresh process (so each peak is that size's own):
a table of ``sequence`` (ACGT strings) and ``score`` columns holding a fixed sample of the
visible rows (``sample_rows``, seed 0; every row for ``all``) is handed to
``botorch_mentor.propose`` (fast preset, ``n=128``, the distinct batch, ``--threads``
torch threads). Printed per size: the pretraining epochs (20, fewer where the fast preset's
budget of 50,000 updates binds), the seconds of the fit (``fit_table_model`` inside
``propose``: reading the table's designs, encoding, pretraining, calibration), of the rest of
``propose`` (the ascent of the 128 best distinct designs, the distinct batch, the table
summaries), the peak resident memory of the process (``wait4``'s ``ru_maxrss``; the table
itself, built in that process, is counted) and the true scores of the proposals (the task's
exact oracle, normalized): their max and median and how many beat the table's best.

``--cli`` adds the command-line path: the visible rows are written once to a CSV under
``--workdir`` (default ``/tmp/botorch_mentor_scale``; never the repository) and
``botorch-mentor propose data.csv --target score --sequence-column sequence`` runs on it,
measured the same way.

    DESIGN_BENCH_DATA=/path/to/design_bench_data \\
        python benchmarks/scale.py --rows 10k 100k 1M all --cli --threads 2

Times depend on what else the machine runs: the printed header gives the load average before
and after, so that a table measured beside other work says so. Beside other busy processes
use ``--threads 1``: more torch threads than free cores collapse (measured on a 2-CPU machine
with two busy processes: 0.2 s per pretraining mini-batch at 2 threads, 6 ms at 1).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

TASK = "tfbind10"
ALL = "all"
LETTERS = np.frombuffer(b"ACGT", dtype=np.uint8)


def parse_rows(text: str) -> int | None:
    r"""``10k``, ``1M``, ``4161482`` or ``all`` (None: every visible row)."""
    if text.lower() == ALL:
        return None
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1].lower(), 1)
    digits = text[:-1] if scale != 1 else text
    return int(float(digits) * scale)


def load_task(rows: int | None):
    from botorch_mentor.tasks.design_bench import from_design_bench_folder

    return from_design_bench_folder(TASK, max_samples=rows)


def sequences(tokens) -> np.ndarray:
    r"""``n x L`` tokens to an object array of ACGT strings, without a Python loop."""
    letters = LETTERS[np.asarray(tokens)]  # n x L ASCII codes
    fixed = np.ascontiguousarray(letters).view(f"S{letters.shape[1]}").ravel()
    return fixed.astype(str).astype(object)


def visible_table(task):
    import pandas as pd

    return pd.DataFrame({"sequence": sequences(task.x.numpy()),
                         "score": task.y.squeeze(-1).numpy()})


def true_scores(task_oracle, y_min: float, y_max: float, best: float, written) -> dict:
    r"""The normalized oracle scores of proposed ACGT strings: max, median, how many beat the
    table's best (raw score above the best visible one) and how many are distinct."""
    import torch

    text = np.asarray(list(written), dtype="S")
    codes = text.view(np.uint8).reshape(len(text), -1)
    lookup = np.full(256, -1, dtype=np.int64)
    lookup[LETTERS] = np.arange(4)
    tokens = torch.from_numpy(lookup[codes])
    raw = task_oracle(tokens).to(torch.float64).reshape(-1)
    normalized = (raw - y_min) / (y_max - y_min)
    return {"designs": len(text), "distinct": len(set(written)),
            "true_max": float(normalized.max()), "true_median": float(normalized.median()),
            "above_best": int((raw > best).sum())}


# ---- the measured processes ---------------------------------------------------------------


def child_propose(rows: int | None, threads: int, preset: str) -> dict:
    r"""One size, in this (fresh) process: build the table, ``propose``, score."""
    import torch

    import botorch_mentor.proposals as proposals

    task = load_task(rows)
    frame = visible_table(task)
    oracle, y_min, y_max = task.oracle, task.y_min, task.y_max
    best = float(task.y.max())
    n_rows = len(frame)
    del task  # the table is what propose gets; the task's own tensors are not counted

    fit_seconds = []
    real_fit = proposals.fit_table_model

    def timed_fit(*args, **kwargs):
        began = time.perf_counter()
        out = real_fit(*args, **kwargs)
        fit_seconds.append(time.perf_counter() - began)
        return out

    proposals.fit_table_model = timed_fit
    began = time.perf_counter()
    out = proposals.propose(frame, "score", n=128, preset=preset, sequence_column="sequence",
                            threads=threads)
    total = time.perf_counter() - began
    assert torch.get_num_threads() >= 1
    from botorch_mentor.fitting.pretrain import pretrain_epochs_for
    from botorch_mentor.presets import resolve_config

    config = resolve_config(preset, "design", True)
    epochs = pretrain_epochs_for(config, n_rows)
    return {"rows": n_rows, "epochs": epochs, "fit_s": fit_seconds[0],
            "propose_s": total - fit_seconds[0],
            "total_s": total, **true_scores(oracle, y_min, y_max, best, out["sequence"]),
            "new": int((~out["in_table"]).sum())}


def child_write_csv(path: Path) -> dict:
    task = load_task(None)
    frame = visible_table(task)
    frame.to_csv(path, index=False)
    return {"rows": len(frame)}


def child_score(path: Path, rows: int | None) -> dict:
    import pandas as pd

    task = load_task(rows)
    out = pd.read_csv(path)
    return true_scores(task.oracle, task.y_min, task.y_max, float(task.y.max()),
                       out["sequence"]) | {"new": int((~out["in_table"]).sum())}


# ---- the parent -------------------------------------------------------------------------------


def measured(command: list[str], log: Path, threads: int) -> tuple[int, float, float, str]:
    r"""Run ``command`` in a fresh process; its exit status, wall seconds, peak resident GiB
    (its own ``ru_maxrss``) and standard output."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    with open(log, "w") as err:
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, env=env,
                                   text=True)
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, seconds, usage.ru_maxrss / 2**20, out


def child(arguments: list[str]) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *arguments]


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.node()}: {os.cpu_count()} CPUs ({model or platform.processor()}){memory}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", nargs="+", default=["10k", "100k", "1M", ALL],
                        help="sizes: 10k, 100k, 1M, a number, or all (default: all four)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--cli", action="store_true",
                        help="also run botorch-mentor propose on a CSV of every visible row")
    parser.add_argument("--cli-only", action="store_true", help="only the CLI run")
    parser.add_argument("--workdir", default="/tmp/botorch_mentor_scale",
                        help="CSV, proposals and logs (default /tmp/botorch_mentor_scale)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:  # a measured process: one JSON line on stdout
        kind, value = args.child[0], args.child[1:]
        if kind == "propose":
            result = child_propose(parse_rows(value[0]), args.threads, args.preset)
        elif kind == "csv":
            result = child_write_csv(Path(value[0]))
        else:
            result = child_score(Path(value[0]), parse_rows(value[1]))
        print(json.dumps(result))
        return 0

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    lines = []
    if not args.cli_only:
        for text in args.rows:
            status, seconds, peak, out = measured(
                child(["--child", "propose", text, "--threads", str(args.threads),
                       "--preset", args.preset]), work / f"propose-{text}.log", args.threads)
            if status != 0:
                print(f"{text}: failed (exit {status}); see {work / f'propose-{text}.log'}",
                      file=sys.stderr)
                continue
            r = json.loads(out.strip().splitlines()[-1])
            lines.append(
                f"| `propose` (DataFrame) | {r['rows']:>9,} | {r['epochs']} | {r['fit_s']:.0f} | "
                f"{r['propose_s']:.0f} | {r['total_s']:.0f} | {peak:.2f} | {r['distinct']} "
                f"({r['new']} new) | {r['true_max']:.3f} | {r['true_median']:.3f} | "
                f"{r['above_best']} |")
            print(lines[-1], flush=True)
    if args.cli or args.cli_only:
        csv = work / "tfbind10_visible.csv"
        if not csv.is_file():
            status, _, _, _ = measured(child(["--child", "csv", str(csv)]),
                                       work / "csv.log", args.threads)
            if status != 0:
                print(f"writing {csv} failed; see {work / 'csv.log'}", file=sys.stderr)
                return 1
        output = work / "proposals.csv"
        command = [sys.executable, "-m", "botorch_mentor.cli", "propose", str(csv),
                   "--target", "score", "--sequence-column", "sequence", "--n", "128",
                   "--preset", args.preset, "--threads", str(args.threads),
                   "--output", str(output)]
        status, seconds, peak, _ = measured(command, work / "cli.log", args.threads)
        if status != 0:
            print(f"botorch-mentor propose failed (exit {status}); see {work / 'cli.log'}",
                  file=sys.stderr)
            return 1
        _, _, _, out = measured(child(["--child", "score", str(output), ALL]),
                                work / "score.log", args.threads)
        r = json.loads(out.strip().splitlines()[-1])
        lines.append(
            f"| `botorch-mentor propose` (CSV) | 4,161,482 | | | | {seconds:.0f} | {peak:.2f} | "
            f"{r['distinct']} ({r['new']} new) | {r['true_max']:.3f} | "
            f"{r['true_median']:.3f} | {r['above_best']} |")
        print(lines[-1], flush=True)
    load_after = os.getloadavg()

    print()
    print(f"TFBind10 at scale, {args.preset} preset, {args.threads} torch thread(s), "
          f"n = 128 (distinct batch); {datetime.date.today().isoformat()}, {machine()}; "
          f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after.")
    print()
    print("| path | rows | pretraining epochs | fit s | propose s | total s | peak RSS GiB | "
          "designs | true max | true median | above table's best |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for line in sorted(lines, key=lambda line: (" CSV" in line, line.split("|")[2])):
        print(line)  # by path, then by rows
    return 0


if __name__ == "__main__":
    sys.exit(main())
