"""Metrics that show errors honestly: per-label scores with bootstrap intervals, calibration,
threshold sweeps and annotator agreement.

All functions take plain numpy arrays: ``y`` (n, k) of 0/1, ``scores`` (n, k) in [0, 1],
``pred`` (n, k) of 0/1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["confusion", "prf", "label_metrics", "bootstrap_ci", "average_precision", "pr_curve",
           "reliability_table", "expected_calibration_error", "brier_score", "threshold_sweep",
           "cohen_kappa", "Metric"]


def confusion(y: np.ndarray, pred: np.ndarray) -> dict[str, int]:
    y = np.asarray(y).astype(bool)
    pred = np.asarray(pred).astype(bool)
    return {"tp": int((y & pred).sum()), "fp": int((~y & pred).sum()),
            "fn": int((y & ~pred).sum()), "tn": int((~y & ~pred).sum())}


def prf(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    c = confusion(y, pred)
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def average_precision(y: np.ndarray, scores: np.ndarray) -> float:
    """Area under the precision-recall curve (step-wise average precision)."""
    y = np.asarray(y).astype(int)
    if y.sum() == 0:
        return float("nan")
    order = np.argsort(-np.asarray(scores), kind="mergesort")
    y = y[order]
    tp = np.cumsum(y)
    precision = tp / np.arange(1, len(y) + 1)
    return float((precision * y).sum() / y.sum())


def pr_curve(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(recall, precision) points of the precision-recall curve."""
    y = np.asarray(y).astype(int)
    order = np.argsort(-np.asarray(scores), kind="mergesort")
    y = y[order]
    tp = np.cumsum(y)
    precision = tp / np.arange(1, len(y) + 1)
    recall = tp / max(y.sum(), 1)
    return np.concatenate([[0.0], recall]), np.concatenate([[1.0], precision])


@dataclass
class Metric:
    value: float
    low: float
    high: float

    def fmt(self, digits: int = 3) -> str:
        if np.isnan(self.value):
            return "–"
        return f"{self.value:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


def bootstrap_ci(fn, arrays: Sequence[np.ndarray], *, n_boot: int = 1000, seed: int = 13,
                 alpha: float = 0.05) -> Metric:
    """Percentile bootstrap interval of ``fn(*arrays)`` resampling rows."""
    value = float(fn(*arrays))
    n = len(arrays[0])
    if n == 0 or n_boot <= 0:
        return Metric(value, float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    stats = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        stats[b] = fn(*(a[idx] for a in arrays))
    stats = stats[~np.isnan(stats)]
    if len(stats) == 0:
        return Metric(value, float("nan"), float("nan"))
    lo, hi = np.quantile(stats, [alpha / 2, 1 - alpha / 2])
    return Metric(value, float(lo), float(hi))


def label_metrics(y: np.ndarray, scores: np.ndarray, pred: np.ndarray, labels: Sequence[str], *,
                  n_boot: int = 1000, seed: int = 13) -> dict:
    """Per-label precision/recall/F1/PR-AUC with bootstrap intervals, confusion counts, macro-F1."""
    out: dict = {"labels": {}}
    for j, label in enumerate(labels):
        yj, sj, pj = y[:, j], scores[:, j], pred[:, j]
        out["labels"][label] = {
            "precision": bootstrap_ci(lambda a, b: prf(a, b)[0], [yj, pj], n_boot=n_boot, seed=seed),
            "recall": bootstrap_ci(lambda a, b: prf(a, b)[1], [yj, pj], n_boot=n_boot, seed=seed),
            "f1": bootstrap_ci(lambda a, b: prf(a, b)[2], [yj, pj], n_boot=n_boot, seed=seed),
            "pr_auc": bootstrap_ci(average_precision, [yj, sj], n_boot=min(n_boot, 300), seed=seed),
            "confusion": confusion(yj, pj),
            "support": int(yj.sum()),
        }

    def macro(a, b):
        return float(np.mean([prf(a[:, j], b[:, j])[2] for j in range(a.shape[1])]))

    out["macro_f1"] = bootstrap_ci(macro, [y, pred], n_boot=n_boot, seed=seed)
    return out


def reliability_table(y: np.ndarray, scores: np.ndarray, bins: int = 10) -> list[dict]:
    """Per score bin: count, mean predicted score, observed positive rate."""
    y = np.asarray(y, dtype=float)
    scores = np.asarray(scores, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(scores, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        m = idx == b
        rows.append({"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "n": int(m.sum()),
                     "mean_score": float(scores[m].mean()) if m.any() else float("nan"),
                     "observed": float(y[m].mean()) if m.any() else float("nan")})
    return rows


def expected_calibration_error(y: np.ndarray, scores: np.ndarray, bins: int = 10) -> float:
    rows = reliability_table(y, scores, bins)
    n = sum(r["n"] for r in rows)
    return float(sum(r["n"] / n * abs(r["mean_score"] - r["observed"]) for r in rows if r["n"]))


def brier_score(y: np.ndarray, scores: np.ndarray) -> float:
    return float(np.mean((np.asarray(scores, dtype=float) - np.asarray(y, dtype=float)) ** 2))


def threshold_sweep(y: np.ndarray, scores: np.ndarray, thresholds: Sequence[float] | None = None) -> list[dict]:
    """Precision, recall, F1 and flagged share at each threshold."""
    thresholds = np.round(np.arange(0.05, 1.0, 0.05), 2) if thresholds is None else thresholds
    rows = []
    for t in thresholds:
        pred = np.asarray(scores) >= t
        p, r, f = prf(y, pred)
        rows.append({"threshold": float(t), "precision": p, "recall": r, "f1": f,
                     "flagged_share": float(pred.mean())})
    return rows


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's kappa between two annotators' labels for the same items."""
    a = np.asarray(a)
    b = np.asarray(b)
    if len(a) != len(b) or len(a) == 0:
        raise ValueError("kappa needs two label sequences of the same, non-zero length")
    cats = np.union1d(a, b)
    po = float((a == b).mean())
    pe = float(sum((a == c).mean() * (b == c).mean() for c in cats))
    return 1.0 if pe == 1 else (po - pe) / (1 - pe)
