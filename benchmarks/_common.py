"""Shared helpers for the benchmark scripts: synthetic short texts and timing."""

from __future__ import annotations

import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

WORDS = ("hei bror kommer du i kveld skal vi ta kebab etter skolen har du lader mamma sier nei "
         "trening kl 18 glemte boka lol 😂 💀 snap meg selger sykkel 500kr hvem er med fest lørdag "
         "wolla jeg er så lei eksamen i morgen beef 1v1 godis 🍫 har du skoen min filma video").split()


def make_texts(n: int, seed: int = 7) -> list[str]:
    """Short, mostly unique texts: corpus sentences with 2-5 random everyday words added."""
    from risksignals.datasets import load_examples

    base = load_examples()["text"].tolist()
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        t = rng.choice(base)
        extra = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5)))
        out.append(f"{t} {extra}" if rng.random() < 0.5 else f"{extra} {t}")
    return out


def write_csv(path: Path, n: int) -> Path:
    pd.DataFrame({"id": range(n), "text": make_texts(n)}).to_csv(path, index=False)
    return path


def pandas_baseline(src: Path, dst: Path) -> float:
    """Plain pandas: read, lowercase the text column, write. Seconds."""
    t = time.perf_counter()
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    df["text"] = df["text"].str.lower()
    df.to_csv(dst, index=False)
    return time.perf_counter() - t


_BASELINE_SCRIPT = """
import sys, pandas as pd
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
df["text"] = df["text"].str.lower()
df.to_csv(sys.argv[2], index=False)
"""


def pandas_baseline_process(src: Path, dst: Path) -> float:
    """The same pandas job as a fresh Python process (interpreter start and imports included,
    as in a CLI run). Seconds."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", _BASELINE_SCRIPT, str(src), str(dst)], check=True)
    return time.perf_counter() - t


def run_cli(args: list[str]) -> tuple[float, int]:
    """Run ``risksignals ARGS`` in a fresh process: (seconds, peak RSS of the child in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "risksignals.cli", *args], capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) // 1024
