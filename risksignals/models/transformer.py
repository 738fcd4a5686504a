"""Fine-tuning a BERT-family encoder for multi-label classification (transformers + torch).

Real targets: NB-BERT (``NbAiLab/nb-bert-base``, standard BERT) and NorBERT3
(``ltg/norbert3-xs|small|base|large``, needs ``trust_remote_code=True``). ``base`` is a hub
name or a local folder. Nothing is downloaded unless the caller passes
``allow_download=True``; when weights are absent the error says in one line how to get them.

Where no pretrained weights can be had (as in this project's CI), :func:`build_tiny_base`
makes a small BERT from a config with a WordPiece tokenizer trained on the corpus with
``tokenizers``; the same loop fine-tunes it. Models are saved with safetensors only.

The model reads the same neutralised key as the linear model (names and neutral
multiethnolect words hidden), so fairness holds by construction here too.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from risksignals.errors import RisksignalsError
from risksignals.labels import LABELS
from risksignals.signals.neutral import model_keys

__all__ = ["TransformerModel", "build_tiny_base", "load_base", "TrainConfig", "HUB_HINT"]

HUB_HINT = (
    "weights for '{base}' are not on this machine; on a machine with internet run "
    "`huggingface-cli download {base} --local-dir {local}` and pass --base {local} "
    "(or add --allow-download)"
)


def _torch():
    try:
        import torch
        import transformers
    except ImportError:
        raise RisksignalsError(
            "the transformer model needs torch and transformers: "
            "pip install torch==2.13.0 && pip install 'risksignals[bert]'"
        ) from None
    transformers.utils.logging.set_verbosity_error()  # no progress bars or load reports on stderr
    transformers.utils.logging.disable_progress_bar()
    return torch


def set_seed(seed: int) -> None:
    torch = _torch()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _needs_remote_code(base: str) -> bool:
    return "norbert3" in base.lower()


def load_base(base: str, *, num_labels: int, allow_download: bool = False):
    """Tokenizer and a sequence-classification model for ``base`` (hub name or local folder)."""
    _torch()
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    local = Path(base).expanduser()
    is_local = local.is_dir()
    looks_like_path = base.startswith((".", "/", "~")) or base.count("/") > 1
    if not is_local and looks_like_path:
        raise RisksignalsError(f"model folder not found: {base}")
    kwargs: dict[str, Any] = {"trust_remote_code": _needs_remote_code(base)}
    if not is_local and not allow_download:
        kwargs["local_files_only"] = True
    source = str(local) if is_local else base
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
        model = AutoModelForSequenceClassification.from_pretrained(
            source, num_labels=num_labels, problem_type="multi_label_classification",
            ignore_mismatched_sizes=True, **kwargs,
        )
    except OSError as exc:
        if not is_local:
            name = base.split("/")[-1]
            raise RisksignalsError(HUB_HINT.format(base=base, local=f"./{name}")) from None
        raise RisksignalsError(f"cannot load a model from {base}: {str(exc).splitlines()[0]}") from None
    return tokenizer, model


def build_tiny_base(texts: Sequence[str], out_dir: str | Path, *, vocab_size: int = 3000,
                    hidden_size: int = 96, num_layers: int = 2, num_heads: int = 4,
                    max_position: int = 160, seed: int = 13) -> Path:
    """A small BERT built from a config, with a WordPiece tokenizer trained on ``texts``.

    For tests and for machines without pretrained Norwegian weights. Returns the folder.
    """
    _torch()
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    set_seed(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=special, min_frequency=1)
    tok.train_from_iterator(model_keys(texts), trainer=trainer)
    from tokenizers.processors import TemplateProcessing

    tok.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))],
    )
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   model_max_length=max_position - 2)
    fast.save_pretrained(out)
    config = BertConfig(vocab_size=fast.vocab_size, hidden_size=hidden_size,
                        num_hidden_layers=num_layers, num_attention_heads=num_heads,
                        intermediate_size=hidden_size * 4, max_position_embeddings=max_position,
                        hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)
    BertForSequenceClassification(config).save_pretrained(out, safe_serialization=True)
    return out


@dataclass
class TrainConfig:
    epochs: int = 8
    batch_size: int = 16
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_length: int = 128
    patience: int = 2
    seed: int = 13
    max_steps: int | None = None  # stop early (tests)
    log_every: int = 0


class TransformerModel:
    """Multi-label classifier on a BERT-family encoder."""

    name = "transformer"

    def __init__(self, base: str = "NbAiLab/nb-bert-base", *, labels: Sequence[str] = LABELS,
                 config: TrainConfig | None = None, allow_download: bool = False, lexicon: Any = None):
        self.base = base
        self.labels = tuple(labels)
        self.config = config or TrainConfig()
        self.allow_download = allow_download
        self.lexicon = lexicon

    # -- training ----------------------------------------------------------------------------------
    def _encode(self, texts: Sequence[str]):
        return self.tokenizer_(model_keys(texts), padding=True, truncation=True,
                               max_length=self.config.max_length, return_tensors="pt")

    def fit(self, texts: Sequence[str], y: np.ndarray, *, dev_texts: Sequence[str],
            dev_y: np.ndarray, log=None) -> "TransformerModel":
        """Fine-tune with AdamW, linear warm-up/decay, class-weighted BCE and early stopping.

        Early stopping watches dev macro-F1 (ties broken by dev loss); the best epoch's weights
        are kept. Thresholds per label are then chosen on dev.
        """
        torch = _torch()
        from transformers import get_linear_schedule_with_warmup

        cfg = self.config
        set_seed(cfg.seed)
        y = np.asarray(y, dtype=np.float32).reshape(len(texts), len(self.labels))
        dev_y = np.asarray(dev_y, dtype=np.float32).reshape(len(dev_texts), len(self.labels))
        self.tokenizer_, self.model_ = load_base(self.base, num_labels=len(self.labels),
                                                 allow_download=self.allow_download)
        self.model_.config.id2label = dict(enumerate(self.labels))
        self.model_.config.label2id = {label: i for i, label in enumerate(self.labels)}
        pos = y.sum(axis=0)
        pos_weight = torch.tensor(np.clip((len(y) - pos) / np.maximum(pos, 1), 1.0, 10.0), dtype=torch.float32)
        loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
        optim = torch.optim.AdamW(self.model_.parameters(), lr=cfg.learning_rate,
                                  weight_decay=cfg.weight_decay)
        steps_per_epoch = math.ceil(len(texts) / cfg.batch_size)
        total = steps_per_epoch * cfg.epochs if cfg.max_steps is None else min(cfg.max_steps, steps_per_epoch * cfg.epochs)
        sched = get_linear_schedule_with_warmup(optim, int(cfg.warmup_ratio * total), max(total, 1))
        gen = np.random.default_rng(cfg.seed)
        best = (-1.0, float("inf"))
        best_state = None
        bad_epochs = 0
        step = 0
        self.history_: list[dict] = []
        for epoch in range(cfg.epochs):
            self.model_.train()
            order = gen.permutation(len(texts))
            running = 0.0
            for b in range(0, len(order), cfg.batch_size):
                idx = order[b : b + cfg.batch_size]
                batch = self._encode([texts[i] for i in idx])
                logits = self.model_(**batch).logits
                loss = loss_fn(logits, torch.from_numpy(y[idx]))
                optim.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model_.parameters(), 1.0)
                optim.step()
                sched.step()
                running += loss.item() * len(idx)
                step += 1
                if cfg.max_steps is not None and step >= cfg.max_steps:
                    break
            dev_proba, dev_loss = self._proba_and_loss(dev_texts, dev_y, loss_fn)
            f1 = _macro_f1(dev_proba >= 0.5, dev_y)
            record = {"epoch": epoch + 1, "train_loss": running / len(texts), "dev_loss": dev_loss,
                      "dev_macro_f1": f1, "steps": step}
            self.history_.append(record)
            if log:
                log(record)
            if (f1, -dev_loss) > (best[0], -best[1]):
                best = (f1, dev_loss)
                best_state = {k: v.detach().clone() for k, v in self.model_.state_dict().items()}
                bad_epochs = 0
            else:
                bad_epochs += 1
                if bad_epochs >= cfg.patience:
                    break
            if cfg.max_steps is not None and step >= cfg.max_steps:
                break
        if best_state is not None:
            self.model_.load_state_dict(best_state)
        self.model_.eval()
        dev_proba = self.predict_proba(dev_texts)
        from risksignals.models.linear import best_f1_threshold

        self.thresholds_ = {label: best_f1_threshold(dev_proba[:, j], dev_y[:, j].astype(int))
                            for j, label in enumerate(self.labels)}
        return self

    def _proba_and_loss(self, texts, y, loss_fn):
        torch = _torch()
        self.model_.eval()
        probs, total = [], 0.0
        with torch.no_grad():
            for b in range(0, len(texts), 64):
                batch = self._encode(texts[b : b + 64])
                logits = self.model_(**batch).logits
                total += float(loss_fn(logits, torch.from_numpy(y[b : b + 64]))) * len(logits)
                probs.append(torch.sigmoid(logits).numpy())
        return np.vstack(probs) if probs else np.zeros((0, len(self.labels))), total / max(len(texts), 1)

    # -- prediction ----------------------------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        torch = _torch()
        if not hasattr(self, "model_"):
            raise RisksignalsError("this TransformerModel is not fitted yet; call fit() or load()")
        self.model_.eval()
        out = []
        texts = list(texts)
        with torch.no_grad():
            for b in range(0, len(texts), batch_size):
                logits = self.model_(**self._encode(texts[b : b + batch_size])).logits
                out.append(torch.sigmoid(logits).numpy())
        return np.vstack(out) if out else np.zeros((0, len(self.labels)))

    def predict_proba_prepared(self, keys: Sequence[str], hits: Sequence) -> np.ndarray:
        # keys are already model keys; model_key() is idempotent enough on them, but skip it
        torch = _torch()
        self.model_.eval()
        out = []
        with torch.no_grad():
            for b in range(0, len(keys), 64):
                enc = self.tokenizer_(list(keys[b : b + 64]), padding=True, truncation=True,
                                      max_length=self.config.max_length, return_tensors="pt")
                out.append(torch.sigmoid(self.model_(**enc).logits).numpy())
        return np.vstack(out) if out else np.zeros((0, len(self.labels)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        proba = self.predict_proba(texts)
        thr = np.array([self.thresholds_[label] for label in self.labels])
        return (proba >= thr).astype(int)

    # -- persistence ------------------------------------------------------------------------------------
    def save(self, path: str | Path, *, metadata: dict | None = None) -> Path:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.model_.save_pretrained(path, safe_serialization=True)
        self.tokenizer_.save_pretrained(path)
        meta = {"kind": "transformer", "base": self.base, "labels": list(self.labels),
                "thresholds": self.thresholds_, "config": self.config.__dict__,
                "history": getattr(self, "history_", []), "saved": time.strftime("%Y-%m-%d"),
                **(metadata or {})}
        (path / "model.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path, *, lexicon: Any = None) -> "TransformerModel":
        _torch()
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = Path(path)
        meta = json.loads((path / "model.json").read_text(encoding="utf-8"))
        if not (path / "model.safetensors").is_file():
            raise RisksignalsError(f"{path}: model.safetensors is missing (only safetensors are loaded)")
        cfg = TrainConfig(**{k: v for k, v in meta.get("config", {}).items() if k in TrainConfig.__dataclass_fields__})
        model = cls(meta.get("base", str(path)), labels=meta["labels"], config=cfg, lexicon=lexicon)
        remote = _needs_remote_code(meta.get("base", ""))
        model.tokenizer_ = AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=remote)
        model.model_ = AutoModelForSequenceClassification.from_pretrained(
            path, local_files_only=True, use_safetensors=True, trust_remote_code=remote)
        model.model_.eval()
        model.thresholds_ = {k: float(v) for k, v in meta["thresholds"].items()}
        model.metadata_ = meta
        return model


def _macro_f1(pred: np.ndarray, y: np.ndarray) -> float:
    f1s = []
    for j in range(y.shape[1]):
        tp = float(((pred[:, j] == 1) & (y[:, j] == 1)).sum())
        fp = float(((pred[:, j] == 1) & (y[:, j] == 0)).sum())
        fn = float(((pred[:, j] == 0) & (y[:, j] == 1)).sum())
        f1s.append(2 * tp / max(2 * tp + fp + fn, 1))
    return float(np.mean(f1s))
