"""Batch classification of files, chunk by chunk, so memory stays flat for millions of rows."""

from __future__ import annotations

import gc
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import pandas as pd

from risksignals.errors import InputError
from risksignals.io import ChunkWriter, read_chunks, render_columns, render_csv
from risksignals.labels import LABELS
from risksignals.privacy import ScrubReport
from risksignals.signals.detector import (Detector, assemble_frame, classify_chunk, classify_parts, new_columns,
                                          output_order)

__all__ = ["classify_file", "BatchSummary", "load_detector"]


@dataclass
class BatchSummary:
    output: str
    model: str
    rows: int = 0
    errors: int = 0
    flagged: dict[str, int] = field(default_factory=lambda: {label: 0 for label in LABELS})
    scrub: ScrubReport = field(default_factory=ScrubReport)

    def __str__(self) -> str:
        flagged = ", ".join(f"{k}={v}" for k, v in self.flagged.items())
        removed = {k: v for k, v in self.scrub.as_dict().items() if k not in ("texts", "texts_changed") and v}
        scrub = ", ".join(f"{k}={v}" for k, v in removed.items()) or "none found"
        return (f"classified {self.rows} rows with model '{self.model}' -> {self.output} "
                f"({self.errors} with an error); flagged: {flagged}; identifiers scrubbed: {scrub}")


def load_detector(model: str = "default", lexicon_files: Sequence[str] | None = None) -> Detector:
    lexicon = None
    if lexicon_files:
        from risksignals.lexicons import Lexicon

        lexicon = Lexicon.load(extra=lexicon_files)
    return Detector.load(model, lexicon=lexicon)


_WORKER: Detector | None = None


def _init_worker(model, lexicon_files) -> None:
    global _WORKER
    if _WORKER is None:  # forked workers inherit the parent's loaded detector
        _WORKER = load_detector(model, lexicon_files)


@dataclass
class _Rows:
    """A classified chunk rendered as CSV rows, with what the summary needs."""

    data: bytes
    rows: int
    errors: int
    flagged: dict[str, int]


def classify_to_csv(chunk: pd.DataFrame, *, text_column: str, detector: Detector, report: ScrubReport,
                    warn: bool, header: bool, sep: str) -> _Rows:
    """One chunk straight to CSV rows: the same bytes as writing :func:`classify_chunk`'s
    DataFrame, without building it (the rows are rendered from the parts)."""
    parts = classify_parts(chunk, text_column=text_column, detector=detector, report=report, warn=warn)
    new = new_columns(parts, text_column=text_column, detector=detector)
    data = None
    if parts.front.columns.is_unique:
        cols = {c: parts.front[c] for c in parts.front.columns}
        cols.update(new)  # as pandas assigns: a replaced column keeps its place, new ones go last
        data = render_columns({c: cols[c] for c in output_order(list(cols), detector.labels)},
                              header=header, sep=sep)
    if data is None:
        data = render_csv(assemble_frame(parts, new, detector.labels), header=header, sep=sep)
    flagged = {label: int(new[label].sum()) for label in detector.labels}
    return _Rows(data, len(parts.errors), sum(1 for e in parts.errors if e), flagged)


def _work(args):
    chunk, text_column, warn, header, sep = args
    report = ScrubReport()
    if sep is None:
        out = classify_chunk(chunk, text_column=text_column, detector=_WORKER, report=report, warn=warn)
    else:
        out = classify_to_csv(chunk, text_column=text_column, detector=_WORKER, report=report, warn=warn,
                              header=header, sep=sep)
    return out, report


def auto_jobs(path: str | os.PathLike) -> int:
    """Worker processes for a file: one for small files, all cores (max 4) from ~2 MB up."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        return 1
    return 1 if size < 2_000_000 else max(1, min(4, os.cpu_count() or 1))


def classify_file(path: str | os.PathLike, output: str | os.PathLike, *, text_column: str = "text",
                  model: str | Detector = "default", lexicon_files: Sequence[str] | None = None,
                  chunksize: int = 20_000, fmt: str | None = None, progress=None,
                  jobs: int | None = None) -> BatchSummary:
    """Classify every row of ``path`` into ``output`` (CSV, JSONL or Parquet by its name).

    Chunks stream through (memory stays flat); with ``jobs`` > 1 they are classified in that
    many worker processes and written in input order.
    """
    if chunksize < 1:
        raise InputError("--chunksize must be at least 1")
    if Path(output).resolve() == Path(path).resolve():
        raise InputError("output would overwrite the input file; choose another --output")
    jobs = auto_jobs(path) if jobs is None else max(1, jobs)
    if isinstance(model, Detector):
        jobs = 1
    if jobs > 1:
        chunksize = min(chunksize, 5_000)  # smaller chunks keep all workers busy to the end
    chunks = read_chunks(path, chunksize=chunksize, fmt=fmt)
    first = next(chunks)
    if text_column not in first.columns:
        cols = ", ".join(map(str, first.columns)) or "(none)"
        raise InputError(f"column '{text_column}' not found in {path}; columns are: {cols}")
    detector = model if isinstance(model, Detector) else load_detector(model, lexicon_files)
    summary = BatchSummary(output=str(output), model=detector.name)
    writer = ChunkWriter(output)
    # The loaded lexicon and model are many long-lived objects; the cyclic garbage collector
    # would walk them again and again while chunks allocate hits. Frozen, it skips them (and
    # forked workers share those pages untouched). Undone at the end.
    gc.freeze()

    def account(out: "pd.DataFrame | _Rows") -> None:
        if isinstance(out, _Rows):
            writer.write_csv_rows(out.data, out.rows)
            summary.rows += out.rows
            summary.errors += out.errors
            for label, count in out.flagged.items():
                summary.flagged[label] = summary.flagged.get(label, 0) + count
            rows = out.rows
        else:
            writer.write(out)
            summary.rows += len(out)
            summary.errors += int((out["error"] != "").sum())
            for label in detector.labels:
                summary.flagged[label] = summary.flagged.get(label, 0) + int(out[label].fillna(0).sum())
            rows = len(out)
        if progress is not None:
            progress.update(rows)

    sep = writer.sep if writer.fmt in ("csv", "tsv") else None  # CSV rows are rendered with the chunk
    try:
        if jobs == 1:
            for k, chunk in enumerate(_chain(first, chunks)):
                if sep is None:
                    account(classify_chunk(chunk, text_column=text_column, detector=detector,
                                           report=summary.scrub, warn=k == 0))
                else:
                    account(classify_to_csv(chunk, text_column=text_column, detector=detector,
                                            report=summary.scrub, warn=k == 0, header=k == 0, sep=sep))
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            global _WORKER
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            if "fork" in methods:
                _WORKER = detector  # shared copy-on-write with the workers: no reloading there
                detector.predict_proba(["oppvarming"])  # build lazy tables once, before forking
            with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, mp_context=context,
                                     initargs=(model, lexicon_files)) as pool:
                pending: deque = deque()
                for k, chunk in enumerate(_chain(first, chunks)):
                    pending.append(pool.submit(_work, (chunk, text_column, k == 0, k == 0, sep)))
                    while len(pending) > 2 * jobs:
                        out, report = pending.popleft().result()
                        summary.scrub.add(report)
                        account(out)
                while pending:
                    out, report = pending.popleft().result()
                    summary.scrub.add(report)
                    account(out)
    except BaseException:
        writer.abort()
        raise
    finally:
        gc.unfreeze()
        if progress is not None:
            progress.close()
    writer.close()
    return summary


def _chain(first, rest):
    yield first
    yield from rest
