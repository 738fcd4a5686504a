"""Read and write CSV, JSONL, Parquet and TXT in chunks, so memory stays flat.

Every reader yields pandas DataFrames of at most ``chunksize`` rows with all columns as they
are in the file (CSV columns as text, so ``007`` stays ``007``). Wrong paths and formats raise
:class:`~risksignals.errors.InputError` with a one-line message.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Iterator

import pandas as pd

from risksignals.errors import InputError

__all__ = ["FORMATS", "detect_format", "read_chunks", "read_table", "ChunkWriter", "TXT_COLUMN"]

FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
           ".parquet": "parquet", ".pq": "parquet", ".txt": "txt"}
TXT_COLUMN = "text"
DEFAULT_CHUNKSIZE = 20_000


def detect_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    if fmt:
        fmt = fmt.lower()
        if fmt not in set(FORMATS.values()):
            raise InputError(f"unknown format '{fmt}' (use csv, tsv, jsonl, parquet or txt)")
        return fmt
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".zip", ".xz") and len(suffixes) > 1:
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in FORMATS:
        return FORMATS[suffixes[-1]]
    raise InputError(
        f"cannot tell the format of '{path}' from its name (use .csv, .tsv, .jsonl, .parquet or .txt)"
    )


def _check_readable(path: str | os.PathLike) -> None:
    p = Path(path)
    if not p.exists():
        raise InputError(f"input file not found: {path}")
    if p.is_dir():
        raise InputError(f"input is a folder, not a file: {path}")
    if not os.access(p, os.R_OK):
        raise InputError(f"input file is not readable: {path}")


def read_chunks(path: str | os.PathLike, *, chunksize: int = DEFAULT_CHUNKSIZE,
                fmt: str | None = None, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """Yield DataFrame chunks of ``path``. TXT files give one column ``text``, one line a row."""
    fmt = detect_format(path, fmt)
    _check_readable(path)
    try:
        if fmt in ("csv", "tsv"):
            reader = pd.read_csv(
                path, sep="\t" if fmt == "tsv" else ",", dtype=str, keep_default_na=False,
                na_values=[], chunksize=chunksize, encoding="utf-8", encoding_errors="replace",
                usecols=columns,
            )
            yielded = False
            for chunk in reader:
                yielded = True
                yield chunk
            if not yielded:
                yield pd.DataFrame(columns=columns or [])
        elif fmt == "jsonl":
            reader = pd.read_json(path, lines=True, chunksize=chunksize, dtype=False,
                                  encoding="utf-8", encoding_errors="replace")
            yielded = False
            for chunk in reader:
                yielded = True
                yield chunk[columns] if columns else chunk
            if not yielded:
                yield pd.DataFrame(columns=columns or [])
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(path)
            yielded = False
            for batch in pf.iter_batches(batch_size=chunksize, columns=columns):
                yielded = True
                yield batch.to_pandas()
            if not yielded:
                yield pf.schema_arrow.empty_table().to_pandas()
        else:  # txt
            with open(path, encoding="utf-8", errors="replace", newline=None) as fh:
                lines: list[str] = []
                yielded = False
                for line in fh:
                    lines.append(line.rstrip("\n"))
                    if len(lines) >= chunksize:
                        yield pd.DataFrame({TXT_COLUMN: lines})
                        yielded = True
                        lines = []
                if lines or not yielded:
                    yield pd.DataFrame({TXT_COLUMN: lines})
    except InputError:
        raise
    except ValueError as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "Usecols do not match columns" in msg or "not in index" in msg:
            raise InputError(f"column(s) {columns} not found in {path}") from None
        raise InputError(f"cannot read {path} as {fmt}: {msg}") from None
    except (pd.errors.ParserError, UnicodeError, OSError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"cannot read {path} as {fmt}: {msg}") from None
    except Exception as exc:  # pyarrow errors and friends: still one line for the user
        if type(exc).__module__.startswith(("pyarrow", "pandas")):
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"cannot read {path} as {fmt}: {msg}") from None
        raise


def read_table(path: str | os.PathLike, *, fmt: str | None = None) -> pd.DataFrame:
    """Read a whole (small) file into one DataFrame."""
    return pd.concat(list(read_chunks(path, fmt=fmt)), ignore_index=True)


try:  # C rendering of CSV rows (setup.py builds it where a compiler exists)
    from risksignals._csvrows import render as _render_rows
except ImportError:  # pragma: no cover - no C compiler at install time
    _render_rows = None

_QUOTE_PROBE: dict[tuple[str, str], str | None] = {}


def _quote_chars(sep: str, lineterminator: str) -> str | None:
    """The ASCII characters that make Python's csv writer quote a field (QUOTE_MINIMAL), asked
    of the csv module itself; None where its rules are not the ones _csvrows implements."""
    key = (sep, lineterminator)
    if key not in _QUOTE_PROBE:
        import io as _io

        def row(fields) -> str:
            out = _io.StringIO()
            csv.writer(out, delimiter=sep, lineterminator=lineterminator).writerow(fields)
            return out.getvalue()

        chars = "".join(chr(c) for c in range(128) if row([f"a{chr(c)}b", "x"])[0] == '"')
        plain = (row(["", "x"]) == f"{sep}x{lineterminator}" and row([""]) == f'""{lineterminator}'
                 and row(["a b"]) == f"a b{lineterminator}" and '"' in chars)
        _QUOTE_PROBE[key] = chars if plain and sep.isascii() and lineterminator.isascii() else None
    return _QUOTE_PROBE[key]


def _csv_values(values) -> list | None:
    """A column as the plain Python values _csvrows renders, or None when pandas must do it."""
    if isinstance(values, list):
        return values
    data, mask = getattr(values, "_data", None), getattr(values, "_mask", None)
    if isinstance(values, pd.arrays.IntegerArray) and data is not None and mask is not None:
        out = data.tolist()  # <NA> -> None, without a round trip through objects
        for i in mask.nonzero()[0].tolist():
            out[i] = None
        return out
    dtype = values.dtype
    if dtype == object or isinstance(dtype, pd.StringDtype) or pd.api.types.is_float_dtype(dtype) \
            or pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return values.tolist()
    return None


def render_columns(columns: dict, *, header: bool = True, sep: str = ",") -> bytes | None:
    """CSV rows (UTF-8) for ``{name: values}`` (lists, arrays, Series) as pandas' to_csv would
    write them, rendered in C; None where that is not possible (no C module, other dtypes)."""
    lineterminator = os.linesep
    quote = _quote_chars(sep, lineterminator) if _render_rows is not None else None
    if quote is None or not all(isinstance(c, str) for c in columns):
        return None
    values = [_csv_values(v) for v in columns.values()]
    if any(v is None for v in values):
        return None
    try:
        return _render_rows(values, list(columns) if header else None, sep, lineterminator, quote, pd.NA)
    except TypeError:  # an object column holding something else (dates, lists ...)
        return None


def render_csv(df: pd.DataFrame, *, header: bool = True, sep: str = ",") -> bytes:
    """``df.to_csv(index=False)`` as UTF-8 bytes: in C where the values allow, else by pandas.

    The C path covers str, int, float, bool and missing values (what a classify chunk holds);
    a test checks that both give the same bytes.
    """
    if df.columns.is_unique:
        data = render_columns({c: df.iloc[:, j] for j, c in enumerate(df.columns)}, header=header, sep=sep)
        if data is not None:
            return data
    text = df.to_csv(None, index=False, header=header, sep=sep, quoting=csv.QUOTE_MINIMAL,
                     lineterminator=os.linesep)
    return text.encode("utf-8", "replace")


class ChunkWriter:
    """Write DataFrame chunks to CSV, JSONL or Parquet, one after another.

    The file appears under its final name only when :meth:`close` succeeds (written to a
    temporary name first), so an interrupted run never leaves a half file that looks complete.
    """

    def __init__(self, path: str | os.PathLike, *, fmt: str | None = None):
        self.path = Path(path)
        self.fmt = detect_format(path, fmt)
        if self.fmt == "txt":
            raise InputError("output can be .csv, .tsv, .jsonl or .parquet, not .txt")
        parent = self.path.parent
        if not parent.exists():
            raise InputError(f"output folder does not exist: {parent}")
        self._tmp = self.path.with_name(f".{self.path.name}.part")
        self._fh = None
        self._pq = None
        self.rows = 0

    def write(self, df: pd.DataFrame) -> None:
        if self.fmt in ("csv", "tsv"):
            first = self._fh is None
            if first:
                self._fh = open(self._tmp, "wb")
            self._fh.write(render_csv(df, header=first, sep=self.sep))
        elif self.fmt == "jsonl":
            if self._fh is None:
                self._fh = open(self._tmp, "w", encoding="utf-8")
            if len(df):
                text = df.to_json(orient="records", lines=True, force_ascii=False)
                self._fh.write(text if text.endswith("\n") else text + "\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(df, preserve_index=False)
            if self._pq is None:
                self._pq = pq.ParquetWriter(self._tmp, table.schema)
            else:
                table = table.cast(self._pq.schema)
            self._pq.write_table(table)
        self.rows += len(df)

    @property
    def sep(self) -> str:
        return "\t" if self.fmt == "tsv" else ","

    def write_csv_rows(self, data: bytes, rows: int) -> None:
        """Write CSV rows rendered elsewhere (the header with the first ones)."""
        if self.fmt not in ("csv", "tsv"):
            raise ValueError("CSV rows need a .csv or .tsv output")
        if self._fh is None:
            self._fh = open(self._tmp, "wb")
        self._fh.write(data)
        self.rows += rows

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._pq is not None:
            self._pq.close()
        if self._fh is None and self._pq is None:
            open(self._tmp, "w").close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        for h in (self._fh, self._pq):
            try:
                if h is not None:
                    h.close()
            except Exception:
                pass
        if self._tmp.exists():
            self._tmp.unlink()

    def __enter__(self) -> "ChunkWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
