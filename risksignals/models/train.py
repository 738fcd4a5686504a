"""Training: one documented command per model, reproducible from the shipped corpus.

    risksignals train --model linear --output risksignals/models/shipped/linear
    risksignals train --model transformer --base tiny --output risksignals/models/shipped/transformer
    risksignals train --model transformer --base ./nb-bert-base --output my-nbbert

``--data FILE`` trains on a user's labelled CSV/JSONL instead (split 80/20 into train/dev with
the seed). Fixed seeds everywhere; the model folder records the data fingerprint, the
hyperparameters chosen on dev, dev metrics and the dev TPR/FPR used by trend adjustment.
"""

from __future__ import annotations

import hashlib
import itertools
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from risksignals.errors import InputError
from risksignals.labels import LABELS

__all__ = ["train_linear", "train_transformer", "train_command", "dev_report", "split_labelled",
           "LINEAR_GRID"]

LINEAR_GRID = {"C": [16.0, 32.0, 64.0], "lexicon_weight": [0.5, 1.0, 2.0]}


def _fingerprint(texts: Sequence[str]) -> str:
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]


def dev_report(proba: np.ndarray, y: np.ndarray, thresholds: dict[str, float],
               labels: Sequence[str]) -> dict:
    """Per-label precision/recall/F1/TPR/FPR at the chosen thresholds, plus macro-F1."""
    out: dict = {"labels": {}}
    f1s = []
    for j, label in enumerate(labels):
        pred = proba[:, j] >= thresholds[label]
        t = y[:, j] == 1
        tp, fp = int((pred & t).sum()), int((pred & ~t).sum())
        fn, tn = int((~pred & t).sum()), int((~pred & ~t).sum())
        p = tp / max(tp + fp, 1)
        r = tp / max(tp + fn, 1)
        f1 = 2 * p * r / max(p + r, 1e-12)
        f1s.append(f1)
        out["labels"][label] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4),
                                "tpr": round(r, 4), "fpr": round(fp / max(fp + tn, 1), 4),
                                "support": int(t.sum())}
    out["macro_f1"] = round(float(np.mean(f1s)), 4)
    return out


def split_labelled(df: pd.DataFrame, labels: Sequence[str], seed: int, dev_share: float = 0.2):
    """Train/dev split of a user's labelled file, stratified on the label combination."""
    rng = np.random.default_rng(seed)
    key = df[list(labels)].astype(str).agg("".join, axis=1)
    dev_idx = []
    for _, idx in df.groupby(key).groups.items():
        idx = np.array(list(idx))
        rng.shuffle(idx)
        dev_idx.extend(idx[: int(round(len(idx) * dev_share))])
    dev_mask = df.index.isin(dev_idx)
    return df[~dev_mask].reset_index(drop=True), df[dev_mask].reset_index(drop=True)


def _data(data: str | None, text_column: str, label_columns, seed: int):
    if data is None:
        from risksignals.datasets import load_examples

        df = load_examples()
        return df[df.split == "train"].reset_index(drop=True), df[df.split == "dev"].reset_index(drop=True), list(LABELS), "shipped corpus"
    from risksignals.datasets import load_labelled

    df = load_labelled(data, text_column=text_column, label_columns=label_columns)
    labels = [c for c in (label_columns.split(",") if isinstance(label_columns, str) else (label_columns or LABELS))
              if c in df.columns]
    if len(df) < 20:
        raise InputError(f"{data} has only {len(df)} rows; training needs at least 20 labelled texts")
    if "split" in df.columns and set(df["split"]) >= {"train", "dev"}:
        return df[df.split == "train"].reset_index(drop=True), df[df.split == "dev"].reset_index(drop=True), labels, str(data)
    train, dev = split_labelled(df, labels, seed)
    return train, dev, labels, str(data)


def train_linear(train: pd.DataFrame, dev: pd.DataFrame, *, labels: Sequence[str] = LABELS,
                 lexicon=None, grid: dict | None = None, seed: int = 13, log=print):
    """Fit the linear model for each grid point, keep the best dev macro-F1."""
    from risksignals.lexicons import Lexicon
    from risksignals.models.linear import LinearModel

    lexicon = lexicon or Lexicon.load()
    grid = grid or LINEAR_GRID
    Xtr, ytr = train["text"].tolist(), train[list(labels)].to_numpy()
    Xdv, ydv = dev["text"].tolist(), dev[list(labels)].to_numpy()
    best = None
    for C, lw in itertools.product(grid["C"], grid["lexicon_weight"]):
        model = LinearModel(lexicon, labels=labels, C=C, lexicon_weight=lw, random_state=seed)
        model.fit(Xtr, ytr, dev_texts=Xdv, dev_y=ydv)
        rep = dev_report(model.predict_proba(Xdv), ydv, model.thresholds_, labels)
        if log:
            log(f"  C={C:<5} lexicon_weight={lw:<4} dev macro-F1={rep['macro_f1']:.4f}")
        if best is None or rep["macro_f1"] > best[1]["macro_f1"]:
            best = (model, rep)
    model, rep = best
    model.dev_report_ = rep
    return model


def train_transformer(train: pd.DataFrame, dev: pd.DataFrame, *, base: str, labels: Sequence[str] = LABELS,
                      epochs: int | None = None, seed: int = 13, allow_download: bool = False,
                      work_dir: str | Path | None = None, log=print, **config):
    """Fine-tune a BERT-family model; ``base='tiny'`` builds a small BERT from the corpus first."""
    from risksignals.models.transformer import TrainConfig, TransformerModel, build_tiny_base

    if base == "tiny":
        work_dir = Path(work_dir or tempfile.mkdtemp(prefix="risksignals-tiny-"))
        base = str(build_tiny_base(train["text"].tolist(), work_dir / "tiny-base", seed=seed))
        defaults = {"epochs": 20, "learning_rate": 1e-3, "batch_size": 32, "patience": 4, "max_length": 96}
    else:
        defaults = {"epochs": 4, "learning_rate": 3e-5, "batch_size": 16, "patience": 2}
    cfg = TrainConfig(seed=seed, **{**defaults, **config, **({"epochs": epochs} if epochs else {})})
    model = TransformerModel(base, labels=labels, config=cfg, allow_download=allow_download)
    model.fit(train["text"].tolist(), train[list(labels)].to_numpy(), dev_texts=dev["text"].tolist(),
              dev_y=dev[list(labels)].to_numpy(), log=(lambda r: log(f"  epoch {r['epoch']}: "
              f"train loss {r['train_loss']:.4f}, dev loss {r['dev_loss']:.4f}, dev macro-F1 "
              f"{r['dev_macro_f1']:.4f}")) if log else None)
    model.dev_report_ = dev_report(model.predict_proba(dev["text"].tolist()),
                                   dev[list(labels)].to_numpy(), model.thresholds_, labels)
    return model


def _metadata(model, train, dev, source: str, seed: int, extra: dict | None = None) -> dict:
    rep = model.dev_report_
    return {
        "trained": time.strftime("%Y-%m-%d"),
        "data": source,
        "train_rows": len(train), "dev_rows": len(dev),
        "data_fingerprint": _fingerprint(train["text"].tolist() + dev["text"].tolist()),
        "seed": seed,
        "dev_report": rep,
        "dev_rates": {label: {"tpr": v["tpr"], "fpr": v["fpr"]} for label, v in rep["labels"].items()},
        **(extra or {}),
    }


def train_command(args) -> str:
    train, dev, labels, source = _data(args.data, args.text_column, args.label_columns, args.seed)
    lexicon = None
    if args.lexicon:
        from risksignals.lexicons import Lexicon

        lexicon = Lexicon.load(extra=args.lexicon)
    out = Path(args.output)
    if args.model == "linear":
        model = train_linear(train, dev, labels=labels, lexicon=lexicon, seed=args.seed)
        extra = {"command": f"risksignals train --model linear --output {args.output}"}
    else:
        if not args.base:
            raise InputError("--base is needed for --model transformer: a hub name "
                             "(NbAiLab/nb-bert-base, ltg/norbert3-small), a local folder, or 'tiny'")
        with tempfile.TemporaryDirectory(prefix="risksignals-train-") as work:
            model = train_transformer(train, dev, base=args.base, labels=labels, epochs=args.epochs,
                                      seed=args.seed, allow_download=args.allow_download, work_dir=work)
        extra = {"command": f"risksignals train --model transformer --base {args.base} --output {args.output}"}
    model.save(out, metadata=_metadata(model, train, dev, source, args.seed, extra))
    rep = model.dev_report_
    per = ", ".join(f"{k} F1={v['f1']:.3f}" for k, v in rep["labels"].items())
    return f"trained {args.model} on {len(train)} texts ({source}); dev macro-F1 {rep['macro_f1']:.3f} ({per}) -> {out}"
