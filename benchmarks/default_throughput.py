"""Default-model throughput and memory.

    python benchmarks/default_throughput.py [--rows 100000] [--memory-rows 1000000]

Prints `risksignals classify` (shipped default) throughput on short texts and the ratio against
plain pandas read + lowercase + write of the same file in the same run (target <= 20, aim 5),
and the peak memory of classifying 1,000,000 rows (target < 1 GB).
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import pandas_baseline, pandas_baseline_process, run_cli, write_csv  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--memory-rows", type=int, default=1_000_000)
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: automatic)")
    args = ap.parse_args()
    jobs = [] if args.jobs is None else ["--jobs", str(args.jobs)]
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        src = write_csv(d / "texts.csv", args.rows)
        base = min(pandas_baseline(src, d / "lower.csv") for _ in range(2))
        secs, peak = run_cli(["classify", str(src), "--output", str(d / "out.csv"), "--no-progress", *jobs])
        single, _ = run_cli(["classify", str(src), "--output", str(d / "out1.csv"), "--no-progress", "--jobs", "1"])
        print(f"rows: {args.rows}")
        print(f"pandas read+lowercase+write: {base:.2f} s ({args.rows / base:,.0f} texts/s)")
        print(f"classify (default, auto jobs): {secs:.2f} s ({args.rows / secs:,.0f} texts/s)")
        print(f"classify (default, 1 process): {single:.2f} s ({args.rows / single:,.0f} texts/s)")
        print(f"ratio default / pandas: {secs / base:.2f} (1 process: {single / base:.2f})  (target <= 20, aim 5)")
        proc = min(pandas_baseline_process(src, d / "lower2.csv") for _ in range(2))
        print(f"  (pandas job as a fresh process: {proc:.2f} s; ratio against that: {secs / proc:.2f})")
        if args.memory_rows:
            big = write_csv(d / "big.csv", args.memory_rows)
            secs, peak = run_cli(["classify", str(big), "--output", str(d / "big_out.csv"), "--no-progress",
                                  "--jobs", "1"])
            print(f"{args.memory_rows:,} rows in {secs:.1f} s, peak RSS of the classify process {peak} MB  "
                  f"(target < 1024 MB)")


if __name__ == "__main__":
    main()
