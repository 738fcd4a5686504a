"""Linear baseline: logistic regression per label over n-grams and lexicon evidence.

Fitted on ``train``; on ``dev`` it gets Platt calibration (so scores behave like
probabilities) and a per-label threshold that maximises F-beta with beta = 0.7: a flag should
mean strong evidence (staff see flagged examples; trend figures are corrected for the error
rates anyway), and on dev this halved false positives on hard negatives for a small loss of
recall. Saved as JSON + ``weights.npz``
(read with ``allow_pickle=False``): nothing is unpickled.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from risksignals.errors import RisksignalsError
from risksignals.labels import LABELS
from risksignals.lexicons import Lexicon
from risksignals.models.features import Featurizer
from risksignals.signals.neutral import model_keys

__all__ = ["LinearModel", "lexicon_fingerprint", "best_f1_threshold", "fit_platt"]

FORMAT_VERSION = 1


def lexicon_fingerprint(lexicon: Lexicon) -> str:
    h = hashlib.sha256()
    for e in sorted(lexicon.entries, key=lambda e: e.id):
        h.update(json.dumps([e.id, e.signal, e.cue, e.strength, list(e.forms), list(e.patterns)],
                            ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def fit_platt(decision: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: a, b such that sigmoid(a * decision + b) is calibrated on (decision, y)."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:
        return 1.0, 0.0
    lr = LogisticRegression(C=1e4, max_iter=1000)
    lr.fit(decision.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def best_f1_threshold(scores: np.ndarray, y: np.ndarray, *, beta: float = 1.0, lo: float = 0.05,
                      hi: float = 0.95) -> float:
    """Threshold in [lo, hi] that maximises F-beta (F1 by default); ties go to the middle of
    the best plateau. beta < 1 weighs precision more."""
    if y.sum() == 0:
        return 0.5
    grid = np.round(np.arange(lo, hi + 1e-9, 0.01), 2)
    b2 = beta * beta
    scores_ = []
    for t in grid:
        pred = scores >= t
        tp = float((pred & (y == 1)).sum())
        fp = float((pred & (y == 0)).sum())
        fn = float((~pred & (y == 1)).sum())
        scores_.append((1 + b2) * tp / max((1 + b2) * tp + b2 * fn + fp, 1))
    scores_ = np.array(scores_)
    best = np.flatnonzero(scores_ >= scores_.max() - 1e-9)
    return float(grid[best[len(best) // 2]])


class LinearModel:
    """Multi-label linear classifier (one logistic regression per label).

    Parameters are stored as given (scikit-learn style); fitted attributes end in ``_``.
    """

    name = "linear"

    def __init__(self, lexicon: Lexicon | None = None, *, labels: Sequence[str] = LABELS,
                 C: float = 32.0, char_range: tuple[int, int] = (1, 4),
                 word_range: tuple[int, int] = (1, 2), bits: int = 20,
                 lexicon_weight: float = 1.0, class_weight: str | None = "balanced",
                 threshold_beta: float = 0.7, random_state: int = 13):
        self.lexicon = lexicon
        self.labels = tuple(labels)
        self.C = C
        self.char_range = tuple(char_range)
        self.word_range = tuple(word_range)
        self.bits = bits
        self.lexicon_weight = lexicon_weight
        self.class_weight = class_weight
        self.threshold_beta = threshold_beta
        self.random_state = random_state

    def get_params(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "C": self.C, "char_range": list(self.char_range),
                "word_range": list(self.word_range), "bits": self.bits,
                "lexicon_weight": self.lexicon_weight, "class_weight": self.class_weight,
                "threshold_beta": self.threshold_beta, "random_state": self.random_state}

    # -- preparation shared with the detector --------------------------------------------------
    @property
    def lexicon_(self) -> Lexicon:
        if self.lexicon is None:
            self.lexicon = Lexicon.load()
        return self.lexicon

    def _prepare(self, texts: Sequence[str]) -> tuple[list[str], list[list]]:
        keys = model_keys(texts)  # the batch paths the detector uses (same keys, much faster)
        return keys, self.lexicon_.matcher.find_in_keys(keys)

    def _featurizer(self) -> Featurizer:
        return Featurizer(self.lexicon_, self.labels, char_range=self.char_range,
                          word_range=self.word_range, bits=self.bits,
                          lexicon_weight=self.lexicon_weight)

    # -- fitting ----------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], y: np.ndarray, *, dev_texts: Sequence[str] | None = None,
            dev_y: np.ndarray | None = None) -> "LinearModel":
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(y, dtype=int).reshape(len(texts), len(self.labels))
        keys, hits = self._prepare(texts)
        self.featurizer_ = self._featurizer().fit(keys)
        X = self.featurizer_.transform(keys, hits)
        coefs, intercepts = [], []
        for j in range(len(self.labels)):
            if len(np.unique(y[:, j])) < 2:
                raise RisksignalsError(
                    f"label '{self.labels[j]}' has only one value in the training data; "
                    f"need examples of both 0 and 1"
                )
            clf = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=2000,
                                     solver="liblinear", random_state=self.random_state)
            clf.fit(X, y[:, j])
            coefs.append(clf.coef_[0].astype(np.float32))
            intercepts.append(float(clf.intercept_[0]))
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.array(intercepts)
        self.calibration_ = np.tile([1.0, 0.0], (len(self.labels), 1))
        self.thresholds_ = {label: 0.5 for label in self.labels}
        self.lexicon_fingerprint_ = lexicon_fingerprint(self.lexicon_)
        if dev_texts is not None and dev_y is not None:
            self.calibrate(dev_texts, dev_y)
        return self

    def calibrate(self, texts: Sequence[str], y: np.ndarray) -> "LinearModel":
        """Platt-scale scores and choose per-label thresholds on held-out (dev) data."""
        y = np.asarray(y, dtype=int).reshape(len(texts), len(self.labels))
        keys, hits = self._prepare(texts)
        dec = self.decision_function_prepared(keys, hits)
        for j, label in enumerate(self.labels):
            a, b = fit_platt(dec[:, j], y[:, j])
            self.calibration_[j] = (a, b)
            self.thresholds_[label] = best_f1_threshold(_sigmoid(a * dec[:, j] + b), y[:, j],
                                                        beta=self.threshold_beta)
        return self

    # -- prediction -------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise RisksignalsError("this LinearModel is not fitted yet; call fit() or load()")

    def decision_function_prepared(self, keys: Sequence[str], hits: Sequence) -> np.ndarray:
        self._check_fitted()
        return self.featurizer_.decision(keys, hits, self.coef_) + self.intercept_[None, :]

    def predict_proba_prepared(self, keys: Sequence[str], hits: Sequence) -> np.ndarray:
        dec = self.decision_function_prepared(keys, hits)
        a, b = self.calibration_[:, 0], self.calibration_[:, 1]
        return _sigmoid(dec * a[None, :] + b[None, :])

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.predict_proba_prepared(*self._prepare(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        proba = self.predict_proba(texts)
        thr = np.array([self.thresholds_[label] for label in self.labels])
        return (proba >= thr).astype(int)

    # -- persistence ------------------------------------------------------------------------------
    def save(self, path: str | Path, *, metadata: dict | None = None) -> Path:
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        idf = self.featurizer_.idf_
        default_idf = float(idf.max())
        seen = np.flatnonzero(idf < default_idf - 1e-6)
        nz = [np.flatnonzero(self.coef_[j]) for j in range(len(self.labels))]
        arrays = {
            "intercept": self.intercept_.astype(np.float64),
            "calibration": np.asarray(self.calibration_, dtype=np.float64),
            "idf_index": seen.astype(np.int32),
            "idf_value": idf[seen].astype(np.float32),
        }
        for j, idx in enumerate(nz):
            arrays[f"coef{j}_index"] = idx.astype(np.int32)
            arrays[f"coef{j}_value"] = self.coef_[j, idx].astype(np.float32)
        np.savez_compressed(path / "weights.npz", **arrays)
        meta = {
            "kind": "linear",
            "format_version": FORMAT_VERSION,
            "labels": list(self.labels),
            "params": self.get_params(),
            "thresholds": self.thresholds_,
            "default_idf": default_idf,
            "n_features": int(self.coef_.shape[1]),
            "lexicon_fingerprint": self.lexicon_fingerprint_,
            "lexicon_roles": self.featurizer_.lex.roles,
            **(metadata or {}),
        }
        (path / "model.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path, *, lexicon: Lexicon | None = None) -> "LinearModel":
        path = Path(path)
        try:
            meta = json.loads((path / "model.json").read_text(encoding="utf-8"))
            with np.load(path / "weights.npz", allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except FileNotFoundError as exc:
            raise RisksignalsError(f"incomplete model folder {path}: {exc.filename} is missing") from None
        if meta.get("kind") != "linear":
            raise RisksignalsError(f"{path} holds a {meta.get('kind')!r} model, not a linear one")
        params = meta["params"]
        model = cls(lexicon, labels=params["labels"], C=params["C"],
                    char_range=tuple(params["char_range"]), word_range=tuple(params["word_range"]),
                    bits=params["bits"], lexicon_weight=params["lexicon_weight"],
                    class_weight=params["class_weight"], threshold_beta=params.get("threshold_beta", 1.0),
                    random_state=params["random_state"])
        featurizer = model._featurizer()
        if featurizer.lex.roles != meta["lexicon_roles"]:
            # a user's extra lexicon adds cue roles the model never saw: keep the trained ones
            featurizer.lex.roles = list(meta["lexicon_roles"])
        n_hash = featurizer.ngrams.n_features
        idf = np.full(n_hash, meta["default_idf"], dtype=np.float32)
        idf[arrays["idf_index"]] = arrays["idf_value"]
        featurizer.idf_ = idf
        model.featurizer_ = featurizer
        n_features = int(meta["n_features"])
        coef = np.zeros((len(model.labels), n_features), dtype=np.float32)
        for j in range(len(model.labels)):
            coef[j, arrays[f"coef{j}_index"]] = arrays[f"coef{j}_value"]
        model.coef_ = coef
        model.intercept_ = arrays["intercept"]
        model.calibration_ = arrays["calibration"]
        model.thresholds_ = {k: float(v) for k, v in meta["thresholds"].items()}
        model.lexicon_fingerprint_ = meta.get("lexicon_fingerprint", "")
        model.metadata_ = {k: v for k, v in meta.items() if k not in ("params",)}
        return model

