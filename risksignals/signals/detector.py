"""The detector: text -> normalise -> lexicon evidence -> model scores -> labels + evidence.

:meth:`Detector.classify` is the batch contract shared by the CLI and notebooks. Its core,
:func:`classify_chunk`, is a pure function of one pandas chunk, so it runs unchanged inside
``dask.dataframe.map_partitions`` or a Spark pandas UDF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from risksignals.errors import InputError, RisksignalsError
from risksignals.labels import LABELS, OUTPUT_COLUMNS
from risksignals.lexicons import Lexicon
from risksignals.signals.matcher import Matches, highlight_html
from risksignals.signals.neutral import model_key, model_keys

__all__ = ["Detector", "Prediction", "ClassifiedFrame", "classify_chunk", "MAX_TEXT_CHARS", "check_text"]

MAX_TEXT_CHARS = 20_000


def check_text(value: Any) -> str | None:
    """Why a value cannot be classified, or None when it can."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "missing text"
    if not isinstance(value, str):
        return f"not text ({type(value).__name__})"
    if not value.strip():
        return "empty text"
    if len(value) > MAX_TEXT_CHARS:
        return f"text too long ({len(value)} characters; limit {MAX_TEXT_CHARS})"
    return None


@dataclass
class Prediction:
    """Labels, scores and evidence for one text; shows itself highlighted in a notebook."""

    text: str
    labels: dict[str, int]
    scores: dict[str, float]
    evidence: Matches = field(default_factory=Matches)

    @property
    def flagged(self) -> list[str]:
        return [label for label, v in self.labels.items() if v]

    def _repr_html_(self) -> str:
        from html import escape

        badges = " ".join(
            f'<span style="padding:2px 6px;border-radius:4px;'
            f'background:{"#c62828" if self.labels[label] else "#e0e0e0"};'
            f'color:{"#fff" if self.labels[label] else "#000"}">{escape(label)} '
            f"{self.scores[label]:.2f}</span>"
            for label in self.labels
        )
        return (f'<div class="risksignals-prediction"><p>{badges}</p>'
                f"<p>{highlight_html(self.text, list(self.evidence))}</p></div>")

    def __str__(self) -> str:
        head = ", ".join(f"{k}={self.labels[k]} ({self.scores[k]:.2f})" for k in self.labels)
        return f"{head}\n{self.evidence}"


class Detector:
    """Combine lexicon evidence and a model's scores into labels, scores and evidence.

    >>> det = Detector.default()            # the shipped default, offline
    >>> det.classify(["har du skoen min i dag?", "lørdagsgodt 🍫"])
    """

    def __init__(self, model: Any = None, *, lexicon: Lexicon | None = None,
                 thresholds: dict[str, float] | None = None, labels: Sequence[str] = LABELS):
        from risksignals.models.lexicon import LexiconModel

        self.lexicon = lexicon if lexicon is not None else getattr(model, "lexicon", None) or Lexicon.load()
        self.model = model if model is not None else LexiconModel(self.lexicon)
        if getattr(self.model, "lexicon", "absent") is None:
            self.model.lexicon = self.lexicon
        self.labels = tuple(getattr(self.model, "labels", labels))
        model_thr = getattr(self.model, "thresholds_", None) or {}
        self.thresholds = {label: float((thresholds or {}).get(label, model_thr.get(label, 0.5)))
                           for label in self.labels}

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def default(cls) -> "Detector":
        """The shipped default model, loaded offline from the package."""
        from risksignals.models import load_default

        return cls(load_default())

    @classmethod
    def load(cls, name: str = "default", *, lexicon: Lexicon | None = None) -> "Detector":
        """``default``, ``lexicon``, ``linear``, ``transformer`` or a path to a saved model."""
        from risksignals.models import load_model

        return cls(load_model(name, lexicon=lexicon), lexicon=lexicon)

    @property
    def name(self) -> str:
        return getattr(self.model, "name", type(self.model).__name__)

    # -- core ----------------------------------------------------------------------------------
    def _score_keys(self, keys: list[str], hits: list[list]) -> np.ndarray:
        if hasattr(self.model, "predict_proba_prepared"):
            return np.asarray(self.model.predict_proba_prepared(keys, hits), dtype=float)
        raise RisksignalsError(f"model {self.name} cannot score prepared texts")

    def prepare(self, texts: Sequence[str]) -> tuple[list[str], list[list]]:
        """Model keys and lexicon hits for a batch of texts (the shared first layers)."""
        keys = model_keys(list(texts))
        return keys, self.lexicon.matcher.find_in_keys(keys)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Scores (n_texts, n_labels) in [0, 1]."""
        return self._score_keys(*self.prepare(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        scores = self.predict_proba(texts)
        thr = np.array([self.thresholds[label] for label in self.labels])
        return (scores >= thr).astype(int)

    def explain(self, text: str) -> Prediction:
        """Labels, scores and highlighted evidence for one text."""
        scores = self.predict_proba([text])[0]
        labels = {lab: int(s >= self.thresholds[lab]) for lab, s in zip(self.labels, scores)}
        return Prediction(text=text, labels=labels,
                          scores={lab: float(s) for lab, s in zip(self.labels, scores)},
                          evidence=self.lexicon.matcher.scan(text))

    def classify(self, data: pd.DataFrame | Iterable[str] | str, *, text_column: str = "text",
                 scrub: bool = True) -> pd.DataFrame:
        """Classify a DataFrame (or texts) into the batch contract's columns.

        Every input row gets one output row: all input columns (the text column scrubbed of
        identifiers, identifying columns dropped) plus labels, scores, ``evidence``, ``error``.
        """
        if isinstance(data, str):
            data = [data]
        if not isinstance(data, pd.DataFrame):
            data = pd.DataFrame({text_column: list(data)})
        out = ClassifiedFrame(classify_chunk(data, text_column=text_column, detector=self, scrub=scrub))
        out.attrs["text_column"] = text_column
        return out

    def _repr_html_(self) -> str:
        return f"<p>risksignals Detector: model <b>{self.name}</b>, labels {', '.join(self.labels)}</p>"


class ClassifiedFrame(pd.DataFrame):
    """A classify result: an ordinary DataFrame that shows highlighted evidence in Jupyter."""

    @property
    def _constructor(self):
        return ClassifiedFrame

    def _repr_html_(self) -> str:  # pragma: no cover - exercised through to_html_highlighted
        return self.to_html_highlighted()

    def to_html_highlighted(self, max_rows: int = 50) -> str:
        """HTML table: labels as badges and the text with lexicon evidence marked."""
        from html import escape

        from risksignals.signals.matcher import default_matcher

        text_column = self.attrs.get("text_column", "text")
        labels = [label for label in LABELS if label in self.columns]
        matcher = default_matcher()
        rows = []
        for _, row in self.head(max_rows).iterrows():
            text = row.get(text_column)
            if not isinstance(text, str) or row.get("error"):
                body = f"<i>{escape(str(row.get('error') or ''))}</i>"
            else:
                body = highlight_html(text, list(matcher.scan(text)))
            badges = " ".join(
                f'<span style="padding:1px 6px;border-radius:4px;background:'
                f'{"#c62828;color:#fff" if row[label] == 1 else "#e0e0e0"}">{escape(label)} '
                f'{row[f"{label}_score"]:.2f}</span>' if pd.notna(row[label]) else ""
                for label in labels
            )
            rows.append(f"<tr><td>{badges}</td><td>{body}</td></tr>")
        more = f"<p>… {len(self) - max_rows} more rows</p>" if len(self) > max_rows else ""
        return ('<table class="risksignals-classified"><tr><th>labels</th><th>text and evidence</th></tr>'
                + "".join(rows) + "</table>" + more)


def _evidence_py(key: str, hits: list) -> str:
    """Matched forms with their signal; a hit inside a longer hit of the same signal is left out."""
    if not hits:
        return ""
    if len(hits) == 1:
        entry, _form, ks, ke = hits[0]
        return f"{key[ks:ke]} [{entry.signal}]"
    kept: dict[str, list[tuple[int, int]]] = {}
    seen: dict[str, None] = {}  # an ordered set
    for entry, _form, ks, ke in sorted(hits, key=_by_span):
        signal = entry.signal
        spans = kept.setdefault(signal, [])
        for a, b in spans:
            if a <= ks and ke <= b:
                break
        else:
            spans.append((ks, ke))
            seen[f"{key[ks:ke]} [{signal}]"] = None
    return "; ".join(seen)


def _by_span(hit: tuple) -> tuple[int, int]:
    return hit[2], -hit[3]


try:  # the same in C (a test checks that they agree)
    from risksignals.signals._hits import evidence as _evidence
except ImportError:  # pragma: no cover - no C compiler at install time
    _evidence = _evidence_py


@dataclass
class ChunkParts:
    """What a classified chunk is made of, before it becomes a DataFrame (or CSV rows).

    ``front`` holds the input columns (identifying ones dropped); ``text`` the text column's
    new values (scrubbed; None when the column stays as it is).
    """

    front: pd.DataFrame
    text: list | None
    scores: np.ndarray
    evidence: list[str]
    errors: list[str]


def classify_parts(df: pd.DataFrame, *, text_column: str, detector: Detector, scrub: bool = True,
                   report=None, warn: bool = True) -> ChunkParts:
    """The work of :func:`classify_chunk`, returned in parts."""
    if text_column not in df.columns:
        cols = ", ".join(map(str, df.columns)) or "(none)"
        raise InputError(f"column '{text_column}' not found; columns are: {cols}")
    front = df
    if scrub:
        from risksignals.privacy import drop_identifier_columns, scrub_series

        front = drop_identifier_columns(front, keep=[text_column], warn=warn)
    values = front[text_column].tolist()
    # the common case inline (a short non-blank str); check_text says why anything else fails
    errors: list[str] = ["" if type(v) is str and v and len(v) <= MAX_TEXT_CHARS and not v.isspace()
                         else check_text(v) or "" for v in values]
    ok = [i for i, e in enumerate(errors) if not e]
    texts = [values[i] for i in ok]
    col = None
    if scrub:
        scrubbed = scrub_series(pd.Series(texts, dtype=object), report).tolist()
        col = values
        for i, t in zip(ok, scrubbed):
            col[i] = t
        for i, e in enumerate(errors):
            if e and isinstance(col[i], str):
                col[i] = ""  # an unprocessable text is not echoed (it may hold identifiers)
        texts = scrubbed
    n = len(front)
    scores = np.full((n, len(detector.labels)), np.nan)
    evidence = [""] * n
    if texts:
        try:
            keys, hits = detector.prepare(texts)
        except Exception:  # find the text that fails; one bad text must not sink the batch
            matcher = detector.lexicon.matcher
            keys, hits = [], []
            for i, t in zip(ok, texts):
                try:
                    k = model_key(t)
                    h = matcher.find_in_key(k)
                except Exception as exc:
                    errors[i] = f"could not process text: {type(exc).__name__}"
                    continue
                keys.append(k)
                hits.append(h)
        good = [i for i in ok if not errors[i]]
        if good:
            scores[good] = detector._score_keys(keys, hits)
            for i, k, h in zip(good, keys, hits):
                evidence[i] = _evidence(k, h)
    return ChunkParts(front=front, text=col, scores=scores, evidence=evidence, errors=errors)


def new_columns(parts: ChunkParts, *, text_column: str, detector: Detector) -> dict[str, Any]:
    """The columns a classified chunk sets, in order: the scrubbed text column, the labels (Int8,
    <NA> where a text could not be scored), the scores, ``evidence`` and ``error``."""
    labels = detector.labels
    thr = np.array([detector.thresholds[label] for label in labels])
    scores = parts.scores
    flagged = (scores >= thr).astype(np.int8)
    missing = np.isnan(scores)
    cols: dict[str, Any] = {}
    if parts.text is not None:
        cols[text_column] = parts.text
    for j, label in enumerate(labels):
        cols[label] = pd.arrays.IntegerArray(flagged[:, j].copy(), missing[:, j].copy())
    for j, label in enumerate(labels):
        cols[f"{label}_score"] = np.round(scores[:, j], 4)
    cols["evidence"] = parts.evidence
    cols["error"] = parts.errors
    return cols


def output_order(columns: Sequence[str], labels: Sequence[str]) -> list[str]:
    """Input columns first, then the batch contract's columns (when the labels are the three)."""
    if tuple(labels) != LABELS:
        return list(columns)
    return [c for c in columns if c not in OUTPUT_COLUMNS] + list(OUTPUT_COLUMNS)


def classify_chunk(df: pd.DataFrame, *, text_column: str, detector: Detector,
                   scrub: bool = True, report=None, warn: bool = True) -> pd.DataFrame:
    """Pure batch function: one input chunk -> one output chunk with the same rows.

    Safe to run inside ``dask.dataframe.map_partitions`` or a Spark pandas UDF.
    """
    parts = classify_parts(df, text_column=text_column, detector=detector, scrub=scrub, report=report, warn=warn)
    return assemble_frame(parts, new_columns(parts, text_column=text_column, detector=detector), detector.labels)


def assemble_frame(parts: ChunkParts, new: dict[str, Any], labels: Sequence[str]) -> pd.DataFrame:
    """The output DataFrame: the input columns with the new columns set, in output order."""
    out = parts.front.copy()
    for name, values in new.items():
        out[name] = values
    order = output_order(list(out.columns), labels)
    return out if order == list(out.columns) else out[order]
