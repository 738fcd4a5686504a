"""Load staff's own annotated files (CSV/JSONL/Parquet) with validation and clear errors.

A labelled file has a text column and one 0/1 column per label. Common spellings of yes/no
(ja/nei, true/false, x/blank) are accepted; anything else is an error that names the row.
"""

from __future__ import annotations

import os
from typing import Sequence

import pandas as pd

from risksignals.errors import InputError
from risksignals.io import read_table
from risksignals.labels import LABELS

__all__ = ["load_labelled", "coerce_binary"]

_TRUE = {"1", "1.0", "true", "ja", "yes", "y", "j", "x", "sann"}
_FALSE = {"0", "0.0", "false", "nei", "no", "n", "", "usann"}


def coerce_binary(series: pd.Series, column: str) -> pd.Series:
    """0/1 from a column of 0/1, booleans or ja/nei; raise InputError naming the first bad row."""
    out = []
    for i, v in zip(series.index, series.tolist()):
        if isinstance(v, bool):
            out.append(int(v))
            continue
        if v is None or (isinstance(v, float) and pd.isna(v)):
            raise InputError(f"label column '{column}' is empty in row {i + 1}; use 0 or 1")
        s = str(v).strip().lower()
        if s in _TRUE:
            out.append(1)
        elif s in _FALSE:
            out.append(0)
        else:
            raise InputError(f"label column '{column}' has {v!r} in row {i + 1}; use 0 or 1")
    return pd.Series(out, index=series.index, dtype="int64")


def load_labelled(path: str | os.PathLike, *, text_column: str = "text",
                  label_columns: Sequence[str] | str | None = None,
                  allow_duplicates: bool = False, known_labels: Sequence[str] | None = None) -> pd.DataFrame:
    """Read and validate a labelled file.

    Returns a DataFrame with ``text`` and one int column per label (other columns kept).
    Errors (all :class:`~risksignals.errors.InputError`): missing file or column, unknown label
    names, non-binary values, empty texts, duplicate texts (unless ``allow_duplicates``).
    """
    df = read_table(path)
    if text_column not in df.columns:
        raise InputError(f"text column '{text_column}' not found in {path}; columns are: "
                         f"{', '.join(map(str, df.columns))}")
    if isinstance(label_columns, str):
        label_columns = [c.strip() for c in label_columns.split(",") if c.strip()]
    if label_columns is None:
        label_columns = [c for c in LABELS if c in df.columns]
        if not label_columns:
            raise InputError(f"no label columns in {path}: expected one or more of {', '.join(LABELS)}")
    known = set(known_labels) if known_labels is not None else set(LABELS)
    unknown = [c for c in label_columns if c not in known]
    if unknown:
        raise InputError(f"unknown label(s) {', '.join(unknown)}; known labels are {', '.join(sorted(known))}")
    missing = [c for c in label_columns if c not in df.columns]
    if missing:
        raise InputError(f"label column(s) {', '.join(missing)} not found in {path}")
    texts = df[text_column]
    bad = [i + 1 for i, t in enumerate(texts.tolist()) if not isinstance(t, str) or not t.strip()]
    if bad:
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise InputError(f"empty text in row(s) {', '.join(map(str, bad[:5]))}{more} of {path}")
    out = df.copy()
    for c in label_columns:
        out[c] = coerce_binary(df[c], c)
    if not allow_duplicates:
        dup = texts.str.strip().duplicated(keep=False)
        if dup.any():
            conflicting = out[dup].groupby(texts[dup].str.strip())[list(label_columns)].nunique().max(axis=1)
            n_conf = int((conflicting > 1).sum())
            rows = [i + 1 for i in texts.index[dup][:5]]
            raise InputError(
                f"{int(dup.sum())} rows repeat a text (rows {', '.join(map(str, rows))} ...), "
                f"{n_conf} of them with conflicting labels; remove duplicates or pass allow_duplicates=True"
            )
    if text_column != "text":
        if "text" in out.columns:
            out = out.drop(columns=["text"])
        out = out.rename(columns={text_column: "text"})
    return out.reset_index(drop=True)
