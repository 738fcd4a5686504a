"""Batch classification of files, chunk by chunk, so memory stays flat for millions of rows."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from risksignals.errors import InputError
from risksignals.io import ChunkWriter, read_chunks
from risksignals.labels import LABELS
from risksignals.privacy import ScrubReport
from risksignals.signals.detector import Detector, classify_chunk

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


def classify_file(path: str | os.PathLike, output: str | os.PathLike, *, text_column: str = "text",
                  model: str | Detector = "default", lexicon_files: Sequence[str] | None = None,
                  chunksize: int = 20_000, fmt: str | None = None, progress=None) -> BatchSummary:
    """Classify every row of ``path`` into ``output`` (CSV, JSONL or Parquet by its name)."""
    if chunksize < 1:
        raise InputError("--chunksize must be at least 1")
    if Path(output).resolve() == Path(path).resolve():
        raise InputError("output would overwrite the input file; choose another --output")
    chunks = read_chunks(path, chunksize=chunksize, fmt=fmt)
    first = next(chunks)
    if text_column not in first.columns:
        cols = ", ".join(map(str, first.columns)) or "(none)"
        raise InputError(f"column '{text_column}' not found in {path}; columns are: {cols}")
    detector = model if isinstance(model, Detector) else load_detector(model, lexicon_files)
    summary = BatchSummary(output=str(output), model=detector.name)
    writer = ChunkWriter(output)
    try:
        for k, chunk in enumerate(_chain(first, chunks)):
            out = classify_chunk(chunk, text_column=text_column, detector=detector,
                                 report=summary.scrub, warn=k == 0)
            writer.write(out)
            summary.rows += len(out)
            summary.errors += int((out["error"] != "").sum())
            for label in detector.labels:
                summary.flagged[label] = summary.flagged.get(label, 0) + int(out[label].fillna(0).sum())
            if progress is not None:
                progress.update(len(out))
    except BaseException:
        writer.abort()
        raise
    finally:
        if progress is not None:
            progress.close()
    writer.close()
    return summary


def _chain(first, rest):
    yield first
    yield from rest
