"""Lexicon throughput: `risksignals classify --model lexicon` on 200,000 short texts, as a ratio
against plain pandas read + lowercase + write of the same file in the same run; and the
start-up time of `risksignals scan`.

    python benchmarks/lexicon_throughput.py [--rows 200000]

Targets (issue "Foundation"): ratio at most 6 (aim for 2); scan starts in under 1 s.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import pandas_baseline, pandas_baseline_process, run_cli, write_csv  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        src = write_csv(d / "texts.csv", args.rows)
        base = min(pandas_baseline(src, d / "lower.csv") for _ in range(2))
        secs, peak = run_cli(["classify", str(src), "--text-column", "text", "--output", str(d / "out.csv"),
                              "--model", "lexicon", "--no-progress"])
        print(f"rows: {args.rows}")
        print(f"pandas read+lowercase+write: {base:.2f} s ({args.rows / base:,.0f} texts/s)")
        print(f"classify --model lexicon:    {secs:.2f} s ({args.rows / secs:,.0f} texts/s), peak RSS {peak} MB")
        print(f"ratio (lexicon / pandas):    {secs / base:.2f}  (target <= 6, aim 2)")
        # for reading the ratio: the classify time above includes interpreter start, imports and
        # loading the lexicon; the pandas job in a fresh process pays its own start-up too
        proc = min(pandas_baseline_process(src, d / "lower2.csv") for _ in range(2))
        print(f"  (pandas job as a fresh process: {proc:.2f} s; ratio against that: {secs / proc:.2f})")
    starts = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "risksignals.cli", "scan", "har du skoen min i dag? 🍫"],
                       capture_output=True, check=True)
        starts.append(time.perf_counter() - t)
    print(f"`risksignals scan` wall time (best of 5, incl. interpreter start): {min(starts):.3f} s  (target < 1 s)")


if __name__ == "__main__":
    main()
