"""Trend statistics (`risksignals trends`, `risksignals.trends()`): prevalence per period and
label, corrected for known errors, with small cells suppressed.

What the numbers are: the share of *texts in the analysed corpus* that the model flags, per
period (and coarse group), adjusted for the model's measured error rates. What they are not:
counts of young people, incidents or crimes, and never statements about a person.

* ``prevalence``: classify-and-count, ``n_flagged / n_texts``.
* ``prevalence_adjusted``: adjusted classify-and-count (Forman 2008):
  ``(p - FPR) / (TPR - FPR)`` clipped to [0, 1], with TPR/FPR measured on the dev split. Plain
  counting is biased when prevalence shifts; the adjustment removes that bias when TPR/FPR
  hold. (QuaPy implements ACC too, but needs its own classifier wrapper and brings many
  dependencies; the estimator is one line given the rates, so it lives here.)
* ``ci_low``/``ci_high``: Wilson 95 % interval of the raw prevalence, carried through the same
  adjustment (it is monotone), so they bound ``prevalence_adjusted``. They do not include the
  uncertainty of TPR/FPR themselves.
* Small-cell suppression: a cell with fewer than ``min_cell`` (5) texts, or with 1 to
  ``min_cell - 1`` flagged texts, is blanked (``suppressed`` true). Secondary suppression
  blanks one more group cell where a single hidden cell could be worked out from the
  published total of its period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from risksignals.errors import InputError
from risksignals.privacy import is_identifier_column

__all__ = ["trends", "adjusted_prevalence", "wilson_interval", "suppress", "plot_trends",
           "error_rates", "TREND_COLUMNS", "MIN_CELL", "ALL_GROUPS"]

MIN_CELL = 5
ALL_GROUPS = "(alle)"
TREND_COLUMNS = ["period", "label", "n_texts", "n_flagged", "prevalence", "prevalence_adjusted",
                 "ci_low", "ci_high", "suppressed"]
_MAX_GROUPS = 25
FREQS = {"W": "W", "M": "M", "Q": "Q"}


def wilson_interval(k: np.ndarray, n: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def adjusted_prevalence(p: np.ndarray, tpr: float, fpr: float) -> np.ndarray:
    """Adjusted classify-and-count: (p - FPR) / (TPR - FPR), clipped to [0, 1]."""
    p = np.asarray(p, dtype=float)
    if tpr - fpr <= 0.05:
        return p  # the classifier is too weak for the adjustment to be meaningful
    return np.clip((p - fpr) / (tpr - fpr), 0, 1)


@dataclass(frozen=True)
class Rates:
    tpr: float
    fpr: float


def error_rates(detector, texts: Sequence[str] | None = None, y: np.ndarray | None = None) -> dict[str, Rates]:
    """TPR/FPR per label: from the model's saved dev-set figures, else measured on dev now."""
    meta = getattr(detector.model, "metadata_", {}) or {}
    saved = meta.get("dev_rates")
    if saved and texts is None:
        return {label: Rates(float(v["tpr"]), float(v["fpr"])) for label, v in saved.items()}
    if texts is None:
        from risksignals.datasets import load_examples

        dev = load_examples("dev")
        texts, y = dev["text"].tolist(), dev[list(detector.labels)].to_numpy()
    pred = detector.predict(texts)
    rates = {}
    for j, label in enumerate(detector.labels):
        pos = y[:, j] == 1
        tpr = float(pred[pos, j].mean()) if pos.any() else 1.0
        fpr = float(pred[~pos, j].mean()) if (~pos).any() else 0.0
        rates[label] = Rates(tpr, fpr)
    return rates


def _check_by(by: str | None, values: pd.Series | None) -> None:
    if by is None:
        return
    if is_identifier_column(by):
        raise InputError(f"--by '{by}' looks like a column that identifies people; trends only "
                         f"group by coarse columns such as platform, area or school level")
    if values is not None:
        n = values.nunique(dropna=True)
        if n > _MAX_GROUPS:
            raise InputError(f"--by '{by}' has {n} different values; trends group only by coarse "
                             f"columns (at most {_MAX_GROUPS} groups)")


def suppress(table: pd.DataFrame, *, min_cell: int = MIN_CELL, group_column: str | None = None) -> pd.DataFrame:
    """Primary and secondary small-cell suppression (in place on a copy)."""
    if min_cell < MIN_CELL:
        raise InputError(f"the minimum cell size can only be raised (>= {MIN_CELL}), not {min_cell}")
    t = table.copy()
    t["suppressed"] = (t["n_texts"] < min_cell) | ((t["n_flagged"] >= 1) & (t["n_flagged"] < min_cell))
    if group_column is not None:
        # a lone hidden group cell next to a published total could be derived: hide one more
        for _, idx in t[t[group_column] != ALL_GROUPS].groupby(["period", "label"]).groups.items():
            cells = t.loc[idx]
            total = t[(t["period"] == cells["period"].iloc[0]) & (t["label"] == cells["label"].iloc[0])
                      & (t[group_column] == ALL_GROUPS)]
            if total.empty or bool(total["suppressed"].iloc[0]):
                continue
            hidden = cells[cells["suppressed"]]
            if len(hidden) == 1:
                visible = cells[~cells["suppressed"]].sort_values(["n_flagged", "n_texts"])
                if len(visible):
                    t.loc[visible.index[0], "suppressed"] = True
                else:
                    t.loc[total.index[0], "suppressed"] = True
    cols = ["n_texts", "n_flagged", "prevalence", "prevalence_adjusted", "ci_low", "ci_high"]
    cols += [c for c in ("ci_low_raw", "ci_high_raw") if c in t.columns]
    for c in cols:
        t[c] = t[c].astype("Float64")
        t.loc[t["suppressed"], c] = pd.NA
    t["n_texts"] = t["n_texts"].astype("Int64")
    t["n_flagged"] = t["n_flagged"].astype("Int64")
    return t


class _Accumulator:
    """Counts per (period, group, label), filled chunk by chunk."""

    def __init__(self, labels: Sequence[str], freq: str, by: str | None):
        self.labels = tuple(labels)
        self.freq = freq
        self.by = by
        self.parts: list[pd.DataFrame] = []
        self.undated = 0
        self.errors = 0

    def add(self, classified: pd.DataFrame, date_column: str) -> None:
        dates = pd.to_datetime(classified[date_column], errors="coerce", utc=True, format="mixed")
        ok_date = dates.notna()
        ok_text = classified["error"] == ""
        self.undated += int((~ok_date).sum())
        self.errors += int((ok_date & ~ok_text).sum())
        keep = ok_date & ok_text
        if not keep.any():
            return
        period = dates[keep].dt.tz_localize(None).dt.to_period(self.freq).astype(str)
        frame = pd.DataFrame({"period": period.to_numpy()})
        frame["_group"] = classified.loc[keep, self.by].astype(str).to_numpy() if self.by else ALL_GROUPS
        for label in self.labels:
            frame[label] = classified.loc[keep, label].astype(int).to_numpy()
        frame["n"] = 1
        self.parts.append(frame.groupby(["period", "_group"], as_index=False).sum())

    def table(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=["period", "_group", "n", *self.labels])
        counts = pd.concat(self.parts).groupby(["period", "_group"], as_index=False).sum()
        if self.by:
            total = counts.drop(columns="_group").groupby("period", as_index=False).sum()
            total["_group"] = ALL_GROUPS
            counts = pd.concat([counts, total], ignore_index=True)
        return counts


def _finish(counts: pd.DataFrame, labels: Sequence[str], rates: dict[str, Rates], by: str | None,
            min_cell: int) -> pd.DataFrame:
    rows = []
    for label in labels:
        part = pd.DataFrame({
            "period": counts["period"], "label": label, "n_texts": counts["n"].astype(int),
            "n_flagged": counts[label].astype(int),
        })
        if by:
            part.insert(1, by, counts["_group"].to_numpy())
        rows.append(part)
    t = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=TREND_COLUMNS)
    n = t["n_texts"].to_numpy(dtype=float)
    k = t["n_flagged"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t["prevalence"] = k / n
    lo, hi = wilson_interval(k, n)
    t["ci_low_raw"], t["ci_high_raw"] = lo, hi
    adj, alo, ahi = [], [], []
    for label, p, l, h in zip(t["label"], t["prevalence"], lo, hi):
        r = rates.get(label, Rates(1.0, 0.0))
        adj.append(float(adjusted_prevalence(p, r.tpr, r.fpr)))
        alo.append(float(adjusted_prevalence(l, r.tpr, r.fpr)))
        ahi.append(float(adjusted_prevalence(h, r.tpr, r.fpr)))
    t["prevalence_adjusted"], t["ci_low"], t["ci_high"] = adj, alo, ahi
    t["tpr"] = [rates.get(lab, Rates(1.0, 0.0)).tpr for lab in t["label"]]
    t["fpr"] = [rates.get(lab, Rates(1.0, 0.0)).fpr for lab in t["label"]]
    t = suppress(t, min_cell=min_cell, group_column=by)
    for c in ("prevalence", "prevalence_adjusted", "ci_low", "ci_high", "ci_low_raw", "ci_high_raw"):
        t[c] = t[c].round(4)
    order = ["period", *([by] if by else []), "label", "n_texts", "n_flagged", "prevalence",
             "prevalence_adjusted", "ci_low", "ci_high", "suppressed", "ci_low_raw", "ci_high_raw",
             "tpr", "fpr"]
    return t[order].sort_values(["period", *([by] if by else []), "label"]).reset_index(drop=True)


def trends(df: pd.DataFrame, *, text_column: str, date_column: str, freq: str = "M",
           by: str | None = None, detector=None, min_cell: int = MIN_CELL,
           rates: dict[str, Rates] | None = None) -> pd.DataFrame:
    """Prevalence per period (W, M or Q) and label, adjusted, with intervals and suppression.

    Mirrors ``risksignals trends``. ``df`` needs a text and a date column; ``by`` may name one
    coarse group column (platform, area, school level), never one that identifies people.
    """
    if freq not in FREQS:
        raise InputError(f"freq must be W, M or Q, not {freq!r}")
    if min_cell < MIN_CELL:
        raise InputError(f"the minimum cell size can only be raised (>= {MIN_CELL}), not {min_cell}")
    for col in (text_column, date_column) + ((by,) if by else ()):
        if col not in df.columns:
            raise InputError(f"column '{col}' not found; columns are: {', '.join(map(str, df.columns))}")
    _check_by(by, df[by] if by else None)
    if detector is None:
        from risksignals.signals.detector import Detector

        detector = Detector.default()
    acc = _Accumulator(detector.labels, FREQS[freq], by)
    keep = [c for c in (text_column, date_column, by) if c]
    classified = detector.classify(df[keep], text_column=text_column)
    acc.add(classified, date_column)
    return _finish(acc.table(), detector.labels, rates or error_rates(detector), by, min_cell)


def plot_trends(table: pd.DataFrame, path, *, by: str | None = None, title: str | None = None) -> None:
    """Prevalence per label over time, with intervals; suppressed cells are gaps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from risksignals.labels import LABEL_NAMES_NB

    labels = list(dict.fromkeys(table["label"]))
    fig, axes = plt.subplots(len(labels), 1, figsize=(9, 2.6 * len(labels) + 1.2), sharex=True,
                             squeeze=False)
    periods = sorted(table["period"].unique())
    x = np.arange(len(periods))
    groups = [ALL_GROUPS] if not by else list(dict.fromkeys(table[by]))
    for ax, label in zip(axes[:, 0], labels):
        for g in groups:
            sub = table[table["label"] == label]
            if by:
                sub = sub[sub[by] == g]
            sub = sub.set_index("period").reindex(periods)
            y = sub["prevalence_adjusted"].astype(float).to_numpy()
            lo = sub["ci_low"].astype(float).to_numpy()
            hi = sub["ci_high"].astype(float).to_numpy()
            line, = ax.plot(x, y * 100, marker="o", label=g if by else "justert andel")
            ax.fill_between(x, lo * 100, hi * 100, alpha=0.2, color=line.get_color())
            if not by:
                raw = sub["prevalence"].astype(float).to_numpy()
                ax.plot(x, raw * 100, linestyle="--", color="grey", label="rå andel (klassifiser-og-tell)")
            hidden = sub["suppressed"].fillna(True).astype(bool).to_numpy()
            for xi in x[hidden]:
                ax.axvspan(xi - 0.4, xi + 0.4, color="#eeeeee", zorder=0)
        ax.set_ylabel("% av tekstene")
        ax.set_title(LABEL_NAMES_NB.get(label, label) + f" ({label})", fontsize=10, loc="left")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8, loc="upper right")
    axes[-1, 0].set_xticks(x)
    axes[-1, 0].set_xticklabels(periods, rotation=45, ha="right", fontsize=8)
    fig.suptitle(title or "Andel tekster med risikosignal per periode", fontsize=12)
    caption = ("Andel av tekstene i det analyserte materialet som modellen merker, justert for modellens "
               "kjente feilrater (ACC), med 95 % intervall. Ikke antall ungdommer eller hendelser, og aldri "
               "noe om enkeltpersoner. Grå felt: skjult fordi cellen har færre enn 5 tekster eller 1–4 treff.")
    fig.text(0.01, 0.005, caption, fontsize=7.5, wrap=True, va="bottom")
    fig.tight_layout(rect=(0, 0.07, 1, 0.97))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def trends_command(args) -> str:
    from risksignals.batch import load_detector
    from risksignals.io import ChunkWriter, read_chunks

    if args.min_cell < MIN_CELL:
        raise InputError(f"--min-cell can only be raised (>= {MIN_CELL}), not {args.min_cell}")
    _check_by(args.by, None)
    chunks = read_chunks(args.input, chunksize=args.chunksize)
    first = next(chunks)
    for col in (args.text_column, args.date_column) + ((args.by,) if args.by else ()):
        if col not in first.columns:
            raise InputError(f"column '{col}' not found in {args.input}; columns are: "
                             f"{', '.join(map(str, first.columns))}")
    detector = load_detector(args.model)
    acc = _Accumulator(detector.labels, FREQS[args.freq], args.by)
    keep = [c for c in (args.text_column, args.date_column, args.by) if c]

    def all_chunks():
        yield first
        yield from chunks

    for chunk in all_chunks():
        classified = detector.classify(chunk[keep], text_column=args.text_column)
        acc.add(classified, args.date_column)
    counts = acc.table()
    if args.by:
        _check_by(args.by, counts["_group"][counts["_group"] != ALL_GROUPS])
    table = _finish(counts, detector.labels, error_rates(detector), args.by, args.min_cell)
    with ChunkWriter(args.output) as w:
        w.write(table)
    if args.plot:
        plot_trends(table, args.plot, by=args.by)
    hidden = int(table["suppressed"].sum())
    msg = (f"trends: {len(table)} cells ({hidden} suppressed) over {table['period'].nunique()} periods "
           f"-> {args.output}")
    if acc.undated or acc.errors:
        msg += f"; left out {acc.undated} rows without a valid date and {acc.errors} unreadable texts"
    if args.plot:
        msg += f"; plot -> {args.plot}"
    return msg
