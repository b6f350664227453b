"""What design-bench's TFBind10 folder holds, read the way ``tfbind10`` reads it: rows, visible
rows, the normalization bounds, the best visible score, how many 10-mers the oracle scores,
the complement symmetry of the rows, and how long a cold build and a cached load take.

The cold build reads every shard into a fresh temporary cache (the operating system may still
hold the shards in memory from an earlier run); the cached load reads that cache back.

    DESIGN_BENCH_DATA=/path/to/design_bench_data python benchmarks/tfbind10_data.py
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
import torch

from botorch_mentor.tasks.design_bench import (
    ENV_VAR,
    from_design_bench_folder,
    read_design_bench_table,
)


def timed(build):
    started = time.perf_counter()
    result = build()
    return result, time.perf_counter() - started


def symmetry(x: np.ndarray, y: np.ndarray, table: torch.Tensor) -> dict[str, object]:
    """The complement pairing of the rows (row ``i + N/2`` = row ``i`` with tokens ``3 - t``,
    same score), and how often a 10-mer's last listed score equals its complement's and its
    reverse complement's."""
    half = x.shape[0] // 2
    paired = (x.shape[0] == 2 * half and np.array_equal(x[half:], 3 - x[:half])
              and np.array_equal(y[half:], y[:half]))
    codes = np.arange(table.numel(), dtype=np.int64)
    length = x.shape[1]
    powers = 4 ** np.arange(length - 1, -1, -1, dtype=np.int64)
    digits = (codes[:, None] // powers) % 4
    complement = torch.from_numpy((3 - digits) @ powers)
    reverse_complement = torch.from_numpy((3 - digits[:, ::-1]) @ powers)
    return {
        "rows_paired": paired,
        "same_as_complement": float((table == table[complement]).double().mean()),
        "same_as_reverse_complement": float((table == table[reverse_complement]).double().mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=os.environ.get(ENV_VAR),
                        help=f"the design-bench data root (default ${ENV_VAR})")
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["BOTORCH_MENTOR_CACHE"] = cache
        _, cold = timed(lambda: from_design_bench_folder("tfbind10", args.path))
        task, cached = timed(lambda: from_design_bench_folder("tfbind10", args.path))
        sampled, sampled_seconds = timed(
            lambda: from_design_bench_folder("tfbind10", args.path, max_samples=30_000))
    x, y = read_design_bench_table("tfbind10", args.path)
    best = float(task.y.max())
    checks = symmetry(x, y, task.oracle.table)
    print(f"folder: {task.source.split(':')[0].removeprefix('design-bench folder ')}")
    print(f"rows: {x.shape[0]:,}")
    print(f"visible rows: {task.x.shape[0]:,} (at or below the median)")
    print(f"y_min / y_max: {task.y_min:.4f} / {task.y_max:.4f}")
    print(f"best visible: {best:.4f} raw, {float(task.normalize(torch.tensor(best))):.4f} "
          "normalized")
    print(f"10-mers scored: {task.oracle.known():,} of {4**10:,} "
          f"({task.oracle.known() / 4**10:.4f})")
    print(f"complement pairing of the rows (row i + N/2 = 3 - row i, same score): "
          f"{'holds' if checks['rows_paired'] else 'FAILS'}")
    print(f"10-mers whose last listed score equals their complement's: "
          f"{checks['same_as_complement']:.4f}; their reverse complement's: "
          f"{checks['same_as_reverse_complement']:.4f}")
    print(f"{sampled.name}: {sampled.x.shape[0]:,} rows, best visible "
          f"{float(sampled.normalize(sampled.y.max())):.4f} normalized")
    print(f"cold build (every shard, cache written): {cold:.2f} s")
    print(f"cached load: {cached:.2f} s ({task.name}), {sampled_seconds:.2f} s ({sampled.name})")


if __name__ == "__main__":
    main()
