r"""The ``botorch-mentor`` command: ``benchmark``, ``propose`` and ``tasks``.

Bad input exits with status 2 and a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

DEFAULT_METHODS = ("tri-mentoring", "grad-mean")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="botorch-mentor",
        description="Parallel-mentoring (tri-mentoring) for offline model-based optimization.",
    )
    sub = parser.add_subparsers(dest="command")

    bench = sub.add_parser("benchmark", help="run the evaluation protocol on a task")
    bench.add_argument("--task", default="tfbind8")
    bench.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS))
    bench.add_argument("--seeds", type=int, default=3, help="number of seeds (0..N-1)")
    bench.add_argument("--preset", default="fast", choices=["fast", "paper"])
    bench.add_argument("--device", default="cpu")
    bench.add_argument("--output", default="results")
    bench.add_argument("--n-proxies", type=int, default=None)
    bench.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                       help="run every (task, method, seed) as a Ray task; connect to ADDRESS "
                            "(or $RAY_ADDRESS) if given, else start a local Ray instance")

    prop = sub.add_parser("propose", help="propose designs from a CSV of designs and scores")
    prop.add_argument("data", help="CSV file, one design per row")
    prop.add_argument("--target", required=True, help="the score column (maximized)")
    prop.add_argument("--n", type=int, default=128)
    prop.add_argument("--output", default="proposals.csv")
    prop.add_argument("--preset", default="fast", choices=["fast", "paper"])
    prop.add_argument("--mode", default="per_candidate", choices=["per_candidate", "shared"])
    prop.add_argument("--seed", type=int, default=0)
    prop.add_argument("--device", default="cpu")

    sub.add_parser("tasks", help="list the tasks, their sizes and data sources")
    return parser


def _benchmark(args: argparse.Namespace) -> int:
    from botorch_mentor.benchmark import BenchmarkFailures, run_benchmark
    from botorch_mentor.benchmark.report import aggregate, markdown_table, write_results

    if args.seeds < 1:
        raise ValueError(f"--seeds must be at least 1, got {args.seeds}.")
    changes = {} if args.n_proxies is None else {"n_proxies": args.n_proxies}
    started = time.perf_counter()
    failures = []
    try:
        records = run_benchmark(
            args.task, methods=args.methods, seeds=args.seeds, preset=args.preset,
            device=args.device, output=args.output, config_changes=changes, progress=True,
            executor="local" if args.ray is None else "ray", ray_address=args.ray or None,
        )
    except BenchmarkFailures as error:
        records, failures = error.records, error.failures
    if not records:
        raise ValueError("no run finished; see the failures above.")
    paths = write_results(records, args.output)
    print(markdown_table(aggregate(records)))
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    print(f"total {time.perf_counter() - started:.1f} s")
    for task, method, seed, message in failures:
        print(f"failed: {task} / {method} / seed {seed}: {message}", file=sys.stderr)
    return 1 if failures else 0


def _propose(args: argparse.Namespace) -> int:
    import pandas as pd

    from botorch_mentor.propose import propose

    path = Path(args.data)
    if not path.is_file():
        raise FileNotFoundError(f"data file not found: {path}")
    frame = pd.read_csv(path)
    proposals = propose(frame, args.target, n=args.n, preset=args.preset, mode=args.mode,
                        seed=args.seed, device=args.device)
    proposals.to_csv(args.output, index=False)
    best = frame[args.target].max()
    print(f"wrote {len(proposals)} proposals to {args.output}; best in data {best:.4g}, "
          f"best predicted {proposals.iloc[0, -1]:.4g}")
    return 0


def _tasks() -> int:
    from botorch_mentor.tasks import get_task, list_tasks

    print(f"{'task':<12} {'designs':<22} {'rows':>7} {'best':>7}  source")
    for name, source in list_tasks().items():
        try:
            summary = get_task(name).summary()
            print(f"{name:<12} {summary['designs']:<22} {summary['rows']:>7} "
                  f"{summary['best_visible_normalized']:>7.3f}  {summary['source']}")
        except (FileNotFoundError, ValueError):
            print(f"{name:<12} {'(data not present)':<22} {'-':>7} {'-':>7}  {source}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "benchmark":
            return _benchmark(args)
        if args.command == "propose":
            return _propose(args)
        return _tasks()
    except (ValueError, TypeError, FileNotFoundError, KeyError, ImportError) as error:
        print(f"botorch-mentor {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; finished records are kept and a rerun resumes.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
