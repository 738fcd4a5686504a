"""CSV output: the C row renderer writes the same bytes as pandas' to_csv."""

import csv
import math
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risksignals import io as rio


def _pandas_bytes(df: pd.DataFrame, header: bool = True, sep: str = ",") -> bytes:
    return df.to_csv(None, index=False, header=header, sep=sep, quoting=csv.QUOTE_MINIMAL,
                     lineterminator=os.linesep).encode("utf-8")


def _c_used(df: pd.DataFrame, sep: str = ",") -> bool:
    calls = []
    real = rio._render_rows

    def spy(*args):
        calls.append(1)
        return real(*args)

    rio._render_rows = spy
    try:
        rio.render_csv(df, sep=sep)
    finally:
        rio._render_rows = real
    return bool(calls)


needs_c = pytest.mark.skipif(rio._render_rows is None, reason="C row renderer not built")

_TEXT = st.text(alphabet=st.sampled_from(list('ab ,;"\t\n\r\'æø😀\u200b\\') + ["\ue000"]), max_size=12)
_FLOAT = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 0.1, 1e16, 1e-5, 0.24, 1e22])


@needs_c
@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.one_of(_TEXT, st.none()), min_size=1, max_size=8), data=st.data(),
       header=st.booleans(), sep=st.sampled_from([",", "\t", ";"]))
def test_c_rows_equal_pandas_to_csv(texts, data, header, sep):
    n = len(texts)
    df = pd.DataFrame({
        "id": [str(i) for i in range(n)],
        "text": pd.Series(texts, dtype=object),
        "str col": pd.Series([t if t is not None else None for t in texts], dtype="str"),
        "label": pd.array(data.draw(st.lists(st.one_of(st.none(), st.integers(0, 1)), min_size=n, max_size=n)),
                          dtype="Int8"),
        "score": data.draw(st.lists(_FLOAT, min_size=n, max_size=n)),
        "count": np.arange(n, dtype=np.int64) - 3,
        "flag": data.draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        'we"ird,name': ["x"] * n,
    })
    assert _c_used(df, sep)
    assert rio.render_csv(df, header=header, sep=sep) == _pandas_bytes(df, header, sep)


@needs_c
@pytest.mark.parametrize("frame", [
    pd.DataFrame({"a": [""]}),
    pd.DataFrame({"a": [None, "x"]}, dtype=object),
    pd.DataFrame({"a": pd.Series([], dtype=object)}),
    pd.DataFrame({"": ["", "a"]}),
    pd.DataFrame({"a": [1.5, math.nan], "b": ["\r", '"']}),
])
def test_c_rows_edge_cases(frame):
    assert _c_used(frame)
    assert rio.render_csv(frame) == _pandas_bytes(frame)


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"d": pd.to_datetime(["2024-01-01", None])}),  # other dtypes: pandas writes them
    pd.DataFrame({"o": [[1, 2], "x"]}, dtype=object),  # an object the C path does not render
    pd.DataFrame({0: ["a"], "b": ["c"]}),  # a column name that is not a str
    pd.DataFrame(),
])
def test_other_columns_fall_back_to_pandas(frame):
    assert rio.render_csv(frame) == _pandas_bytes(frame)


def test_chunk_writer_writes_the_header_once(tmp_path):
    out = tmp_path / "o.csv"
    with rio.ChunkWriter(out) as w:
        w.write(pd.DataFrame({"a": ["x,y"], "b": [0.5]}))
        w.write(pd.DataFrame({"a": ['"q"'], "b": [math.nan]}))
    assert out.read_bytes() == f'a,b{os.linesep}"x,y",0.5{os.linesep}"""q""",{os.linesep}'.encode()


def _awkward_chunks():
    texts = ["har du skoen min i dag?", None, "", "x" * 30_000, 'sitat "godis" , 1v1 kl 18', "ring 91234567",
             "1v1 i kveld\nbak skolen", float("nan"), "Ola og Kari 🍫🍁"]
    n = len(texts)
    plain = pd.DataFrame({"id": [f"{i:03d}" for i in range(n)], "text": pd.Series(texts, dtype=object),
                          "author": ["a"] * n, "n": np.arange(n), "w": np.linspace(0, 1, n)})
    clash = plain.assign(evidence=["old"] * n, drug_sale=[9] * n)  # input columns named like outputs
    numbers = pd.DataFrame({"text": pd.Series([42, "godis til salgs", None], dtype=object)})
    dated = pd.DataFrame({"text": ["hei", "1v1"], "when": pd.to_datetime(["2024-01-01", None])})
    first = pd.DataFrame({"text": ["hei"], "id": ["1"]})  # text column first
    return [plain, clash, numbers, dated, first]


@pytest.mark.parametrize("chunk", _awkward_chunks())
@pytest.mark.parametrize("sep", [",", "\t"])
def test_csv_rows_straight_from_the_parts_equal_the_dataframe_route(chunk, sep):
    from risksignals.batch import classify_to_csv
    from risksignals.privacy import ScrubReport
    from risksignals.signals.detector import Detector, classify_chunk

    det = Detector.load("lexicon")
    frame = classify_chunk(chunk, text_column="text", detector=det, warn=False)
    rows = classify_to_csv(chunk, text_column="text", detector=det, report=ScrubReport(), warn=False,
                           header=True, sep=sep)
    assert rows.data == _pandas_bytes(frame, True, sep)
    assert rows.rows == len(chunk) and rows.errors == int((frame["error"] != "").sum())
    assert rows.flagged == {label: int(frame[label].fillna(0).sum()) for label in det.labels}
