r"""The ``botorch-mentor`` command: ``benchmark``, ``propose`` and ``tasks``.

Bad input exits with status 2 and a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

DEFAULT_METHODS = ("tri-mentoring", "grad-mean")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _bounds(text: str) -> str | list[list[float]] | None:
    r"""``data``, ``none`` or ``LOW:HIGH,...`` (one pair per design column) to ``propose``'s
    ``bounds``: the pairs become BoTorch's ``2 x d`` layout (lower row, upper row)."""
    if text in ("data", "none"):
        return None if text == "none" else "data"
    try:
        pairs = [tuple(float(v) for v in part.split(":")) for part in text.split(",")]
    except ValueError:
        pairs = []
    if not pairs or any(len(p) != 2 for p in pairs):
        raise argparse.ArgumentTypeError(
            f"expected 'data', 'none' or LOW:HIGH pairs separated by commas, got {text!r}"
        )
    return [[low for low, _ in pairs], [high for _, high in pairs]]


def _setting(text: str) -> tuple[str, object]:
    r"""``FIELD=VALUE`` to a ``MentoringConfig`` change: the value is read as JSON (numbers,
    ``true``/``false``, ``null``), a comma-separated list as a tuple, anything else as text."""
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(
            f"expected FIELD=VALUE (e.g. batch=plain or strength=raw), got {text!r}")

    def value(item: str) -> object:
        try:
            return json.loads(item)
        except json.JSONDecodeError:
            return item

    return name, tuple(value(v) for v in raw.split(",")) if "," in raw else value(raw)


def _config_changes(settings: list[tuple[str, object]] | None) -> dict:
    r"""The ``--set`` changes as a dict, checked against ``MentoringConfig``'s fields."""
    from botorch_mentor.config import MentoringConfig

    changes = dict(settings or [])
    MentoringConfig.from_dict(changes)  # unknown fields and bad values fail here, named
    return changes


def _benchmark_changes(args: argparse.Namespace) -> dict:
    r"""The benchmark's ``MentoringConfig`` changes: ``--set`` and ``--n-proxies``."""
    changes = _config_changes(args.settings)
    if args.n_proxies is not None:
        changes["n_proxies"] = args.n_proxies
    return changes


SET_HELP = ("change a MentoringConfig field, FIELD=VALUE, repeatable (e.g. --set batch=plain "
            "--set strength=raw); fields: botorch_mentor.MentoringConfig")


def _parser() -> argparse.ArgumentParser:
    from botorch_mentor import __version__
    from botorch_mentor.benchmark.methods import METHODS
    from botorch_mentor.benchmark.runner import DEFAULT_RUN_THREADS
    from botorch_mentor.config import PRESETS
    from botorch_mentor.tables import ALPHABETS
    from botorch_mentor.tasks import list_tasks
    from botorch_mentor.threads import DEFAULT_THREADS

    parser = argparse.ArgumentParser(
        prog="botorch-mentor",
        description="Parallel-mentoring (tri-mentoring) for offline model-based optimization.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command")

    bench = sub.add_parser(
        "benchmark", help="run the evaluation protocol on a task",
        description="Fit the proxies per seed, run every method from the top visible designs, "
                    "score the designs with the task's oracle and write tables and plots.",
    )
    bench.add_argument("--task", default="tfbind8", metavar="TASK",
                       help=f"the task (default tfbind8); one of: {', '.join(list_tasks())}")
    bench.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS), metavar="METHOD",
                       help="methods to compare (default: tri-mentoring grad-mean); any of: "
                            f"{', '.join(METHODS)}")
    bench.add_argument("--seeds", type=int, nargs="+", default=[3], metavar="SEED",
                       help="one number N runs seeds 0..N-1 (default 3; the field reports 8); "
                            "two or more numbers are the seeds themselves (--seeds 0 5 7)")
    bench.add_argument("--preset", default="fast", choices=PRESETS,
                       help="fast: width 64, 20 epochs (CPU); paper: width 2048, 200 epochs "
                            "(GPU); surrogate: fast with 5 bootstrapped proxies and a "
                            "calibrated spread. Default fast")
    bench.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    bench.add_argument("--output", default="results",
                       help="folder of records, tables and plots (default results/); a rerun "
                            "with the same settings resumes")
    bench.add_argument("--n-proxies", type=int, default=None,
                       help="proxies per ensemble (default 3)")
    bench.add_argument("--set", type=_setting, action="append", default=None,
                       metavar="FIELD=VALUE", dest="settings", help=SET_HELP)
    bench.add_argument("--threads", type=_positive_int, default=DEFAULT_RUN_THREADS,
                       help=f"torch threads per run (default {DEFAULT_RUN_THREADS}); the same "
                            "in the local and the Ray executor")
    bench.add_argument("--workers", type=_positive_int, default=None,
                       help="processes of the local executor, one seed at a time each "
                            "(default: every core, divided by --threads); records are the "
                            "same for any count")
    bench.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                       help="run every (task, method, seed) as a Ray task; connect to ADDRESS "
                            "(or $RAY_ADDRESS) if given, else start a local Ray instance")

    prop = sub.add_parser(
        "propose", help="propose designs from a CSV of designs and scores",
        description="Fit the ensemble on a table and propose designs that should beat its "
                    "best. Writes rank, the design, predicted_<target> (the ensemble mean for "
                    "the design as written), std_<target> (the proxies' spread) and in_table.",
    )
    prop.add_argument("data", help="CSV file, one design per row, with a header line")
    prop.add_argument("--target", required=True,
                      help="the score column (maximized; see --minimize)")
    prop.add_argument("--minimize", action="store_true",
                      help="lower scores are better (energies, IC50s)")
    prop.add_argument("--n", type=_positive_int, default=128,
                      help="proposals wanted (default 128)")
    prop.add_argument("--output", default="proposals.csv",
                      help="where to write the proposals (default proposals.csv)")
    prop.add_argument("--sequence-column", default=None, metavar="COLUMN",
                      help="the column of sequences; other columns are ignored")
    prop.add_argument("--design-columns", nargs="+", default=None, metavar="COLUMN",
                      help="the numeric design columns; other columns are ignored")
    prop.add_argument("--alphabet", default=None,
                      help=f"sequence alphabet: {', '.join(ALPHABETS)} or the letters "
                           "themselves (their order is the token order); inferred when only "
                           "one fits")
    prop.add_argument("--bounds", type=_bounds, default="data",
                      help="continuous designs: 'data' keeps proposals within the table's "
                           "range per column (default), 'none' leaves them free, or LOW:HIGH "
                           "per design column, comma-separated")
    prop.add_argument("--preset", default="fast", choices=PRESETS,
                      help="fast (default, CPU), paper (GPU) or surrogate")
    prop.add_argument("--mode", default="per_candidate", choices=["per_candidate", "shared"],
                      help="how the mentoring runs when it does (--set mentoring=true, "
                           "--preset paper): per_candidate, each design mentors its own "
                           "proxies (the paper, default); shared, one ensemble for all")
    prop.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    prop.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    prop.add_argument("--set", type=_setting, action="append", default=None,
                      metavar="FIELD=VALUE", dest="settings", help=SET_HELP)
    prop.add_argument("--threads", type=_positive_int, default=DEFAULT_THREADS,
                      help=f"torch threads (default {DEFAULT_THREADS}, as a benchmark run: "
                           "no collapse beside other busy processes)")

    sub.add_parser("tasks", help="list the tasks, their sizes, best visible scores and sources")
    return parser


def _estimate_line(args: argparse.Namespace) -> str | None:
    r"""A cost estimate for the paper preset on a CPU, or None."""
    import torch

    from botorch_mentor.benchmark.estimate import describe_estimate, estimate_flops
    from botorch_mentor.benchmark.runner import preset_config
    from botorch_mentor.tasks import get_task

    if args.preset != "paper" or torch.device(args.device).type != "cpu":
        return None
    task = get_task(args.task)
    changes = _benchmark_changes(args)
    config = preset_config("paper", task.discrete, **changes)
    flops = estimate_flops(task.x.shape[0], task.n_features, config,
                           _outer_loss_passes(args.methods, config))
    return (f"paper preset on the CPU: {describe_estimate(flops)} "
            f"({len(_seed_list(args.seeds))} seeds); use --device cuda or --preset fast")


def _outer_loss_passes(methods: list[str], config) -> int:
    r"""Outer-loss passes per ascent step over ``methods``: one per mentoring step of every
    per-candidate method with soft labels (the ablation without them, the shared mode and the
    plain baselines pass no per-candidate outer loss)."""
    from botorch_mentor.benchmark.methods import METHODS, AscentMethod

    passes = 0
    for name in methods:
        method = METHODS.get(name)
        if isinstance(method, AscentMethod) and method.mentoring:
            run = config.replace(**dict(method.changes))
            if run.soft_labels and run.mode == "per_candidate":
                passes += run.mentoring_steps
    return passes


def _seed_list(seeds: list[int]) -> list[int]:
    r"""``--seeds``: one number N is seeds 0..N-1, several are the seeds (repeats once)."""
    if len(seeds) == 1:
        if seeds[0] < 1:
            raise ValueError(f"--seeds N must be at least 1, got {seeds[0]}.")
        return list(range(seeds[0]))
    if min(seeds) < 0:
        raise ValueError(f"seeds must be >= 0, got {min(seeds)}.")
    return list(dict.fromkeys(seeds))


def _benchmark(args: argparse.Namespace) -> int:
    from botorch_mentor.benchmark import BenchmarkFailures, run_benchmark
    from botorch_mentor.benchmark.report import aggregate, markdown_table, write_results

    seeds = _seed_list(args.seeds)
    estimate = _estimate_line(args)
    if estimate:
        print(estimate, file=sys.stderr)
    changes = _benchmark_changes(args)
    started = time.perf_counter()
    failures = []
    try:
        records = run_benchmark(
            args.task, methods=args.methods, seeds=seeds, preset=args.preset,
            device=args.device, output=args.output, config_changes=changes, progress=True,
            executor="local" if args.ray is None else "ray", ray_address=args.ray or None,
            threads=args.threads, workers=args.workers,
        )
    except BenchmarkFailures as error:
        records, failures = error.records, error.failures
    for task, method, seed, message in failures:
        print(f"failed: {task} / {method} / seed {seed}: {message}", file=sys.stderr)
    if not records:
        raise ValueError("no run finished; see the failures above.")
    paths = write_results(records, args.output)
    print(markdown_table(aggregate(records)))
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    print(f"total {time.perf_counter() - started:.1f} s")
    if failures:
        print(f"{len(failures)} run(s) failed; see above.", file=sys.stderr)
    return 1 if failures else 0


def _propose(args: argparse.Namespace) -> int:
    from botorch_mentor.proposals import propose
    from botorch_mentor.tables import read_design_table

    frame = read_design_table(args.data)
    proposals = propose(
        frame, args.target, n=args.n, preset=args.preset, mode=args.mode, seed=args.seed,
        device=args.device, sequence_column=args.sequence_column,
        design_columns=args.design_columns, alphabet=args.alphabet, bounds=args.bounds,
        minimize=args.minimize, threads=args.threads, progress=True,
        changes=_config_changes(args.settings),
    )
    proposals.to_csv(args.output, index=False)
    predicted, spread = f"predicted_{args.target}", f"std_{args.target}"
    best = proposals.iloc[0]
    where = "already in the table" if best["in_table"] else "new"
    print(
        f"wrote {len(proposals)} proposals to {args.output}. Best in data: "
        f"{proposals.attrs['best_in_data']:.4g} measured, "
        f"{proposals.attrs['predicted_best_in_data']:.4g} predicted; best proposal "
        f"({where}): {best[predicted]:.4g} ± {best[spread]:.2g} predicted."
    )
    print(f"method: {proposals.attrs['method']}.")
    batch = proposals.attrs["batch"]
    print(
        f"batch: {batch['distinct']} distinct designs, diversity {batch['diversity']:.3g} "
        f"(mean pairwise distance), novelty {batch['novelty']:.3g} (mean distance to the "
        "nearest design of the table)."
    )
    for note in proposals.attrs["notes"]:
        print(f"note: {note}")
    return 0


def _tasks() -> int:
    from botorch_mentor.tasks.registry import TASKS

    width = max(len("task"), *map(len, TASKS)) + 1
    print(f"{'task':<{width}} {'designs':<20} source")
    for name, entry in TASKS.items():
        print(f"{name:<{width}} {entry.designs:<20} {entry.source}")
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
        message = " ".join(str(error).split())
        print(f"botorch-mentor {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; finished records are kept and a rerun resumes.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
