r"""``run_benchmark``: the field's evaluation protocol, with nothing lost on interruption.

Protocol (the field's, as in design-bench, Trabucco et al. 2022): per seed, fit the proxies on
the visible data, start every method from the top ``n_candidates`` visible designs, decode its
final designs, score them with the oracle, and report the normalized 100th and 50th
percentiles. One record per (task, method, seed) is appended to ``<output>/records.jsonl`` as
soon as it is finished (written whole, flushed and synced), so an interrupted run loses only
the record in flight, and a rerun with the same output folder skips every record already there.
The folder also keeps ``settings.json``: per task, the preset, precision, device and every
configuration field the records were made with; a rerun with other settings is refused (naming
the fields that differ), so records never mix.
"""

from __future__ import annotations

import json
import math
import os
import time
import traceback
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from botorch_mentor.benchmark.methods import METHODS, check_methods
from botorch_mentor.config import MentoringConfig
from botorch_mentor.diversity import DesignDistance, batch_metrics, count_distinct
from botorch_mentor.fitting.fit import fit_mentoring_ensemble
from botorch_mentor.fitting.pretrain import pretrain_epochs_for
from botorch_mentor.models.ensemble import MentoringEnsemble
from botorch_mentor.optim.design_space import DesignSpace
from botorch_mentor.optim.selection import batch_selection
from botorch_mentor.presets import resolve_config
from botorch_mentor.tasks.base import OfflineTask
from botorch_mentor.tasks.cache import write_atomic
from botorch_mentor.tasks.registry import get_task
from botorch_mentor.threads import DEFAULT_THREADS, check_threads, torch_threads
from botorch_mentor.validation import check_device
from botorch_mentor.workers import (
    RequestFailed,
    WorkerDied,
    WorkerPool,
    cpu_budget,
    worker_count,
)

RECORDS_FILE = "records.jsonl"
SETTINGS_FILE = "settings.json"
DEFAULT_RUN_THREADS = DEFAULT_THREADS
"""Torch threads per benchmark run, in the local and the Ray executor alike (so their
records are identical); ``botorch_mentor.threads`` says why one. Raise it with ``threads=`` /
``--threads`` on bigger machines."""


def preset_config(preset: str, discrete: bool, **changes: object) -> MentoringConfig:
    r"""The named preset for a discrete or continuous task, as the protocol uses it
    (``resolve_config(preset, "benchmark", ...)``)."""
    return resolve_config(preset, "benchmark", discrete, **changes)


def read_records(output: str | os.PathLike | None) -> list[dict]:
    r"""Every complete record in ``<output>/records.jsonl`` (a torn last line is ignored)."""
    if output is None:
        return []
    path = Path(output) / RECORDS_FILE
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def _drop_torn_tail(output: Path) -> None:
    r"""Cut a partial last line (a writer killed mid-record) so appends start on a new line."""
    path = output / RECORDS_FILE
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


def _append_record(output: Path, record: dict) -> None:
    line = json.dumps(record, sort_keys=True) + "\n"
    with open(output / RECORDS_FILE, "a") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


@dataclass(frozen=True)
class RunSettings:
    r"""What every (task, method, seed) run of one benchmark shares."""

    preset: str
    device: str
    dtype: torch.dtype
    changes: dict = field(default_factory=dict)
    threads: int = DEFAULT_RUN_THREADS
    progress: bool = False


def run_identity(task: OfflineTask, settings: RunSettings) -> dict:
    r"""Everything that makes two runs of the same (method, seed) comparable: the preset, the
    precision, the device type, the torch threads per run and every config field but the
    seed. A pretraining step budget that does not bind on this task's rows is recorded as
    None (no budget): it changes nothing, so records made before the budget existed stay
    comparable."""
    resolved = preset_config(settings.preset, task.discrete, **settings.changes)
    config = resolved.to_dict()
    config.pop("seed")
    if pretrain_epochs_for(resolved, int(task.y.shape[0])) == resolved.pretrain_epochs:
        config["pretrain_max_steps"] = None
    return {
        "preset": settings.preset,
        "dtype": str(settings.dtype).replace("torch.", ""),
        "device": torch.device(settings.device).type,
        "threads": settings.threads,
        "config": config,
    }


def _check_settings(output: Path, task: OfflineTask, identity: dict) -> None:
    r"""Refuse to add records made with other settings to ``output``; record them otherwise."""
    path = output / SETTINGS_FILE
    saved = json.loads(path.read_text()) if path.exists() else {}
    previous = saved.get(task.name)
    if previous is None:
        if any(r["task"] == task.name for r in read_records(output)):
            raise ValueError(
                f"{output} holds {task.name} records but no {SETTINGS_FILE} saying how they "
                "were made; use a new output folder."
            )
        saved[task.name] = identity
        payload = json.dumps(saved, indent=1, sort_keys=True).encode()
        write_atomic(path, lambda stream: stream.write(payload))
        return
    differing = _differences(previous, identity)
    if differing:
        shown = "; ".join(f"{k}: {a!r} there, {b!r} now" for k, a, b in differing[:6])
        raise ValueError(
            f"{output} holds {task.name} records made with other settings ({shown}); use "
            "another output folder (--output) or delete that one. Records of different "
            "settings are never mixed."
        )


_MISSING = object()


def _differences(old: dict, new: dict, prefix: str = "") -> list[tuple[str, object, object]]:
    r"""``(field, old value, new value)`` for every setting that differs. A config field the
    old folder did not record (added in a later version) counts as equal when the new value is
    that field's default, which by design reproduces the earlier behaviour."""
    defaults = MentoringConfig().to_dict()
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, _MISSING), new.get(key, _MISSING)
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, f"{prefix}{key}.")
        elif a is _MISSING and prefix == "config." and b == defaults.get(key, _MISSING):
            continue
        elif a != b:
            name = f"{prefix}{key}".removeprefix("config.")
            out.append((name, "not recorded" if a is _MISSING else a,
                        "not set" if b is _MISSING else b))
    return out


class BenchmarkFailures(RuntimeError):
    r"""Some runs failed; the others finished and their records were kept.

    ``failures`` lists ``(task, method, seed, error message)``; ``records`` holds the finished
    records.
    """

    def __init__(self, failures: list[tuple[str, str, int, str]], records: list[dict]) -> None:
        self.failures, self.records = failures, records
        lines = [f"{task} / {method} / seed {seed}: {error}"
                 for task, method, seed, error in failures]
        super().__init__(f"{len(failures)} run(s) failed:\n" + "\n".join(lines))


def run_seed(
    task: OfflineTask, methods: list[str], seed: int, settings: RunSettings
) -> Iterator[dict]:
    r"""Fit the proxies of ``seed`` once and yield one record per method, as each finishes,
    with ``settings.threads`` torch threads."""
    with torch_threads(settings.threads):
        yield from _run_seed(task, methods, seed, settings)


def _run_seed(
    task: OfflineTask, methods: list[str], seed: int, settings: RunSettings
) -> Iterator[dict]:
    device = torch.device(settings.device)
    features = task.features().to(device=device, dtype=settings.dtype)
    train_Y = task.y.to(device=device, dtype=features.dtype)
    best_visible = float(task.normalize(task.y.max()))
    config = preset_config(settings.preset, task.discrete, seed=seed, **settings.changes)
    torch.manual_seed(seed)
    started = time.perf_counter()
    model = fit_mentoring_ensemble(MentoringEnsemble(features, train_Y, config=config),
                                   progress=settings.progress)
    fit_seconds = time.perf_counter() - started
    X_start = task.features(task.top_designs(config.n_candidates)).to(features)
    space, selection = task_design_space(task), batch_selection(config)
    for method in methods:
        started = time.perf_counter()
        output = METHODS[method](model, X_start, config, progress=settings.progress,
                                 design_space=space, selection=selection)
        method_seconds = time.perf_counter() - started
        if output.predictions is None:  # the fitted mean, at the designs written
            with torch.no_grad():
                output.predictions = model.posterior(
                    space.designs(output.designs)).mean.squeeze(-1)
        record = _score_record(task, method, seed, settings.preset, output, best_visible)
        record.update(fit_seconds=fit_seconds, method_seconds=method_seconds)
        yield record


def local_workers(workers: int | None, threads: int, seeds: int) -> int:
    r"""Processes of the local executor: ``workers`` (default: as many as the CPU budget
    holds with ``threads`` each, ``botorch_mentor.workers.cpu_budget``), never more than the
    budget holds (a larger request is cut, with a warning) nor than the ``seeds`` left."""
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool)
                                or workers < 1):
        raise ValueError(f"workers must be a positive integer, got {workers!r}.")
    fit = worker_count(None, per_worker=threads)
    if workers is not None and workers > fit:
        warnings.warn(
            f"{workers} workers x {threads} torch thread(s) exceed the {cpu_budget()} CPU(s) "
            f"this process may use; running {fit} worker(s). More processes than CPUs only "
            "slow every run down.", stacklevel=3)
    count = fit if workers is None else min(workers, fit)
    return max(1, min(count, seeds))


def _main_module_objects(task: OfflineTask) -> list[str]:
    r"""Names of the classes and functions of ``__main__`` (a script, a notebook) that
    pickling ``task`` refers to: a worker process cannot import them."""
    import io
    import pickle

    found: list[str] = []

    class Finder(pickle.Pickler):
        def persistent_id(self, obj):
            holder = obj if isinstance(obj, type) or callable(obj) and hasattr(
                obj, "__qualname__") else type(obj)
            if getattr(holder, "__module__", None) == "__main__":
                name = getattr(holder, "__qualname__", repr(holder))
                if name not in found:
                    found.append(name)
            return None

    Finder(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL).dump(task)
    return found


def _worker_obstacle(task: OfflineTask) -> str | None:
    r"""Why ``task`` cannot run in worker processes (it does not pickle, or it needs objects
    defined in ``__main__``), or None."""
    import pickle

    try:
        pickle.dumps(task)
    except Exception as error:  # noqa: BLE001 - any pickling failure gets the same advice
        return f"it cannot be pickled ({error})"
    in_main = _main_module_objects(task)
    if in_main:
        return (f"it uses {', '.join(in_main)}, defined in the main script or notebook, which "
                "worker processes cannot import")
    return None


def _run_in_this_process(task, pending, settings, keep) -> list[tuple[str, str, int, str]]:
    r"""Run every ``(seed, methods)`` of ``pending`` here and ``keep`` the records; a seed
    that raises is reported as the worker path reports it, and the others go on."""
    failures = []
    for seed, todo in pending:
        arrived = set()
        try:
            for record in run_seed(task, todo, seed, settings):
                arrived.add(record["method"])
                keep(record)
        except Exception as error:  # noqa: BLE001 - reported per run, like a worker's failure
            message = traceback.format_exception_only(type(error), error)[-1].strip()
            failures += [(task.name, method, seed, message) for method in todo
                         if method not in arrived]
    return failures


def _run_in_workers(task, pending, settings, keep, workers) -> list[tuple[str, str, int, str]]:
    r"""Run every ``(seed, methods)`` of ``pending`` in a ``WorkerPool`` of ``workers``
    processes with ``settings.threads`` CPUs each (``run_seed`` in each, its records streamed
    back as they finish) and ``keep`` them; return the failures."""
    failures, arrived = [], set()
    quiet = replace(settings, progress=False)  # one bar, this process's, not one per run
    arguments = [(task, todo, seed, quiet) for seed, todo in pending]
    with WorkerPool(workers, cpus_per_worker=settings.threads) as pool:
        try:
            for index, item in pool.stream("botorch_mentor.benchmark.runner:run_seed",
                                           arguments):
                if isinstance(item, RequestFailed):  # the seed's methods with no record yet
                    seed, todo = pending[index]
                    failures += [(task.name, method, seed, item.message) for method in todo
                                 if (method, seed) not in arrived]
                else:
                    arrived.add((item["method"], item["seed"]))
                    keep(item)
        except WorkerDied as error:  # killed (out of memory, a crash in C): every run left
            failed = {(method, seed) for _, method, seed, _ in failures}
            failures += [(task.name, method, seed, f"WorkerDied: {error}")
                         for seed, todo in pending for method in todo
                         if (method, seed) not in arrived and (method, seed) not in failed]
    return failures


def task_design_space(task: OfflineTask) -> DesignSpace:
    r"""The ``DesignSpace`` of ``task``: a point stands for what ``task.decode`` writes
    (sequences decoded, continuous designs clipped to the box); sequences are compared by
    their tokens."""

    def canonicalize(X: torch.Tensor) -> torch.Tensor:
        return task.features(task.decode(X)).to(X)

    return DesignSpace(canonicalize=canonicalize, tokens=task.decode if task.discrete else None)


def run_benchmark(
    task: OfflineTask | str,
    methods: Iterable[str] = ("tri-mentoring", "grad-mean"),
    seeds: int | Iterable[int] = 8,
    preset: str = "fast",
    device: str | torch.device = "cpu",
    output: str | os.PathLike | None = None,
    config_changes: dict | None = None,
    dtype: torch.dtype = torch.float32,
    progress: bool = False,
    executor: str = "local",
    ray_address: str | None = None,
    threads: int = DEFAULT_RUN_THREADS,
    workers: int | None = None,
) -> list[dict]:
    r"""Run ``methods`` x ``seeds`` on ``task`` and return one record per (method, seed).

    Args:
        task: An ``OfflineTask`` or a task name.
        methods: Names from ``METHODS``.
        seeds: A number of seeds (``0..n-1``) or the seeds themselves.
        preset: ``fast``, ``paper`` or ``surrogate`` (``resolve_config(preset, "benchmark")``).
        device: Where the proxies live (``cpu`` or ``cuda``).
        output: Folder of ``records.jsonl``; finished records are skipped on a rerun.
        config_changes: Further ``MentoringConfig`` changes (e.g. ``n_proxies=5``).
        dtype: Precision of the proxies (float32, as the paper; or float64).
        progress: Show a progress bar that advances as runs finish.
        executor: ``local`` (this machine: the seeds run in ``workers`` processes, the
            proxies of a seed fitted once and shared by its methods) or ``ray`` (every
            (task, method, seed) run is a Ray task; see
            ``botorch_mentor.benchmark.ray_executor``).
        ray_address: Address of a Ray cluster (default ``$RAY_ADDRESS``, else a local one).
        threads: Torch threads per run, in either executor (a Ray run asks for as many CPUs).
        workers: Processes of the local executor, each running one seed at a time with
            ``threads`` torch threads; default: as many as the CPU budget holds
            (``botorch_mentor.workers.cpu_budget() // threads``), never more (a larger
            request is cut with a warning); an oracle called inside a worker gets that
            worker's ``threads`` CPUs, so processes never multiply. With 1 (or one seed left
            to run) the runs go in this process, as they do, with a warning, for a task that
            worker processes cannot load (an oracle defined in the main script or notebook,
            or one that does not pickle). Records are identical for every worker count.

    Returns:
        Records (dicts) with ``task``, ``method``, ``seed``, ``score_100th``, ``score_50th``
        (normalized), raw scores, the best visible score, the batch metrics (``batch``,
        ``distinct``, ``distinct_hits``, ``diversity``, ``novelty``: see
        ``botorch_mentor.diversity``), timings and mentoring diagnostics, ordered by seed then
        method.

    Raises:
        BenchmarkFailures: after every other run has finished, if some runs failed (the
            same for every executor and worker count).
    """
    task = get_task(task) if isinstance(task, str) else task
    methods = list(methods)
    check_methods(methods)
    if "mentoring" in (config_changes or {}):
        raise ValueError(
            "config_changes sets mentoring, which the benchmark's methods decide themselves "
            "(grad-mean ascends without mentoring, the tri-mentoring methods with it); remove "
            "it and choose the methods instead."
        )
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if not seed_list:
        raise ValueError("seeds must name at least one seed.")
    check_device(device)
    if executor not in ("local", "ray"):
        raise ValueError(f"executor must be 'local' or 'ray', got {executor!r}.")
    check_threads(threads)
    preset_config(preset, task.discrete, **(config_changes or {}))  # validate before any run
    settings = RunSettings(preset, str(device), dtype, dict(config_changes or {}), threads,
                           progress)
    out_dir = Path(output) if output is not None else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        _drop_torn_tail(out_dir)
        _check_settings(out_dir, task, run_identity(task, settings))
    finished = {(r["method"], r["seed"]): r for r in read_records(out_dir)
                if r["task"] == task.name}
    runs = [(m, s) for s in seed_list for m in methods if (m, s) not in finished]

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(seed_list) * len(methods), desc=task.name,
                   initial=len(seed_list) * len(methods) - len(runs))

    def keep(record: dict) -> None:
        if out_dir is not None:
            _append_record(out_dir, record)
        finished[(record["method"], record["seed"])] = record
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(
                f"{record['method']} s{record['seed']}: {record['score_100th']:.3f}")

    failures: list[tuple[str, str, int, str]] = []
    pending = [(seed, [m for m, s in runs if s == seed]) for seed in seed_list]
    pending = [(seed, todo) for seed, todo in pending if todo]
    if executor == "local":
        workers = local_workers(workers, threads, len(pending))
        obstacle = _worker_obstacle(task) if workers > 1 else None
        if obstacle is not None:
            warnings.warn(
                f"task {task.name!r} runs in this process, not in {workers} worker processes: "
                f"{obstacle}. To run its seeds in parallel, define the oracle (and what it "
                "uses) in an importable module at module level.", stacklevel=2)
            workers = 1
        if workers == 1:
            failures = _run_in_this_process(task, pending, settings, keep)
        else:
            failures = _run_in_workers(task, pending, settings, keep, workers)
    else:
        from botorch_mentor.benchmark.ray_executor import run_on_ray

        failures = run_on_ray(task, runs, settings, keep, ray_address)
    if bar is not None:
        bar.close()
    records = [finished[(m, s)] for s in seed_list for m in methods if (m, s) in finished]
    if failures:
        raise BenchmarkFailures(failures, records)
    return records


def spearman(a: torch.Tensor, b: torch.Tensor) -> float:
    r"""Spearman rank correlation of two ``n``-dim tensors (average ranks for ties); NaN when
    either is constant."""
    ra, rb = _average_ranks(a), _average_ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = float(ra.norm() * rb.norm())
    return float((ra * rb).sum()) / denominator if denominator > 0 else math.nan


def _average_ranks(values: torch.Tensor) -> torch.Tensor:
    order = values.argsort()
    ranks = torch.empty_like(values, dtype=torch.float64)
    ranks[order] = torch.arange(values.numel(), dtype=torch.float64)
    unique, inverse = values.unique(return_inverse=True)
    sums = torch.zeros(unique.numel(), dtype=torch.float64).index_add_(0, inverse, ranks)
    counts = torch.zeros(unique.numel(), dtype=torch.float64).index_add_(
        0, inverse, torch.ones_like(ranks))
    return (sums / counts)[inverse]


def _score_record(task, method, seed, preset, output, best_visible) -> dict:
    designs = task.decode(output.designs.detach().cpu().to(torch.float64))
    scores = task.score(designs)
    normalized = task.normalize(scores)
    record = {
        "task": task.name,
        "method": method,
        "seed": seed,
        "preset": preset,
        "score_100th": float(normalized.max()),
        "score_50th": float(normalized.median()),
        "raw_100th": float(scores.max()),
        "raw_50th": float(scores.median()),
        "best_visible": best_visible,
        "normalized_scores": [round(float(v), 6) for v in normalized],
        "batch": output.batch,
        "strength": output.strength,
        **batch_metrics(designs, task.x, DesignDistance.for_data(task.x, task.discrete),
                        scores, float(task.y.max())),
        **output.diagnostics,
    }
    if output.predictions is not None:
        predicted = task.normalize(output.predictions.detach().cpu().to(torch.float64))
        record["overestimation"] = float((predicted.flatten() - normalized.flatten()).mean())
        record["spearman"] = spearman(predicted.flatten(), normalized.flatten())
    if output.relaxed_predictions is not None:  # the same, read before decoding
        relaxed = task.normalize(output.relaxed_predictions.detach().cpu().to(torch.float64))
        record["overestimation_relaxed"] = float((relaxed.flatten()
                                                  - normalized.flatten()).mean())
    if output.batch == "distinct" and output.design_trajectory is not None:
        # the plain batch of the same ascents (their last step), paired with the distinct one
        plain = task.decode(output.design_trajectory[-1].detach().cpu().to(torch.float64))
        plain_scores = task.normalize(task.score(plain))
        record["plain_score_100th"] = float(plain_scores.max())
        record["plain_score_50th"] = float(plain_scores.median())
        record["plain_distinct"] = count_distinct(plain)
    if output.design_trajectory is not None:
        trajectory = output.design_trajectory.detach().cpu().to(torch.float64)
        steps, width = trajectory.shape[:2]
        picks = trajectory_picks(steps, task.trajectory_points)
        columns = trajectory_columns(width, task.trajectory_designs)
        true = [float(task.normalize(task.score(task.decode(trajectory[t, columns]))).mean())
                for t in picks]
        predicted = output.predicted_trajectory.detach().cpu().to(torch.float64)[:, columns]
        record["trajectory_steps"] = picks
        record["trajectory_designs"] = len(columns)
        record["trajectory_true"] = true
        record["trajectory_predicted"] = [float(task.normalize(predicted[t].mean()))
                                          for t in picks]
    return record


def trajectory_picks(steps: int, points: int) -> list[int]:
    r"""The ascent steps whose designs a record scores: ``0``, every
    ``steps // (points - 1)``-th step and the last (``points`` steps, or every step of a
    shorter ascent)."""
    return sorted({0, *range(0, steps, max(1, steps // max(1, points - 1))), steps - 1})


def trajectory_columns(width: int, designs: int | None) -> list[int]:
    r"""Which of ``width`` designs per step the trajectory scores: all, or ``designs`` of
    them evenly spaced through the batch."""
    if designs is None or designs >= width:
        return list(range(width))
    return sorted({round(i * (width - 1) / max(1, designs - 1)) for i in range(designs)})
