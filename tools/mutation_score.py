"""Mutation testing: run mutmut over the algorithm's modules and print the score per module.

    python tools/mutation_score.py            # run (resumes an interrupted run), then report
    python tools/mutation_score.py --report   # report the last run only
    python tools/mutation_score.py "botorch_mentor.mentoring*"   # only these mutants
    python tools/mutation_score.py "botorch_mentor.optim.ascent*" \
        --deselect tests/benchmark/test_runner.py::test_every_method_runs_end_to_end

The modules and the tests that judge them are configured in ``[tool.mutmut]`` of
pyproject.toml. A mutant is *killed* when some test fails on it; the score of a module is
killed / (killed + survived), timeouts counted as killed (a mutant that makes a loop run
for ever is caught) and shown in their own column, since a machine too busy to finish the
tests in time also reports timeouts. Surviving mutants are listed so that
each one is either killed by a new test or documented as equivalent (documentation: development).
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys


def _mutmut(*args: str) -> str:
    command = [sys.executable, "-m", "mutmut", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def report() -> int:
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    survivors: list[str] = []
    for line in _mutmut("results", "--all", "true").splitlines():
        if ":" not in line:
            continue
        name, status = (part.strip() for part in line.rsplit(":", 1))
        module = name.split(".x")[0].split(".xǁ")[0].rsplit("__mutmut_", 1)[0]
        module = ".".join(part for part in module.split(".") if not part.startswith("x_"))
        counts[module][status] += 1
        if status == "survived":
            survivors.append(name)
    if not counts:
        print("no mutmut results found; run without --report first.")
        return 1
    print(f"{'module':<40} {'killed':>7} {'timeout':>8} {'survived':>9} {'other':>6} "
          f"{'score':>7}")
    for module in sorted(counts):
        c = counts[module]
        killed = c["killed"] + c["timeout"]
        other = sum(c.values()) - killed - c["survived"]
        judged = killed + c["survived"]
        score = f"{100 * killed / judged:.1f}%" if judged else "-"
        print(f"{module:<40} {c['killed']:>7} {c['timeout']:>8} {c['survived']:>9} {other:>6} "
              f"{score:>7}")
    if survivors:
        print("\nsurviving mutants (`python -m mutmut show NAME` prints the change):")
        for name in survivors:
            print(f"  {name}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*",
                        help="mutant name patterns (default: every configured module)")
    parser.add_argument("--report", action="store_true", help="only report the last run")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--deselect", action="append", default=[], metavar="TEST_ID",
                        help="leave out tests whose id starts with this (repeatable): judge "
                             "the mutants by the module's own tests, not a slow smoke test")
    args = parser.parse_args()
    if not args.report:
        os.environ.setdefault("BOTORCH_MENTOR_TEST_THREADS", "1")
        if args.deselect:
            os.environ["BOTORCH_MENTOR_DESELECT"] = ",".join(args.deselect)
        subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children",
                        str(args.max_children), *args.patterns], check=False)
    return report()


if __name__ == "__main__":
    sys.exit(main())
