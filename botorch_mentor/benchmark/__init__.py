"""The evaluation protocol of offline MBO: methods, runner, report."""

from botorch_mentor.benchmark.methods import METHODS
from botorch_mentor.benchmark.runner import (
    BenchmarkFailures,
    preset_config,
    read_records,
    run_benchmark,
)

__all__ = ["METHODS", "BenchmarkFailures", "preset_config", "read_records", "run_benchmark"]
