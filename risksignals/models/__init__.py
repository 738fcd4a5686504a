"""Models layer: the lexicon rule detector, the linear baseline and BERT fine-tuning.

Saved models are folders with a ``model.json`` (kind, labels, thresholds, metadata) and arrays
in safe formats only: ``weights.npz`` (loaded with ``allow_pickle=False``) for the linear model,
``model.safetensors`` for transformers. Nothing is ever unpickled.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from risksignals.errors import RisksignalsError

__all__ = ["load_model", "load_default", "shipped_model_dir", "MODEL_NAMES"]

MODEL_NAMES = ("default", "lexicon", "linear", "transformer")
SHIPPED = resources.files("risksignals.models") / "shipped"


def shipped_model_dir(name: str) -> Path:
    """Folder of a model shipped inside the package (``default``, ``linear``, ``transformer``)."""
    if name == "default":
        pointer = SHIPPED / "DEFAULT"
        name = pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else "linear"
    return Path(str(SHIPPED / name))


def _load_dir(path: Path, lexicon: Any = None):
    meta_path = path / "model.json"
    if not meta_path.is_file():
        raise RisksignalsError(f"no model.json in {path}: not a saved risksignals model")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RisksignalsError(f"cannot read {meta_path}: {exc}") from None
    kind = meta.get("kind")
    if kind == "linear":
        from risksignals.models.linear import LinearModel

        return LinearModel.load(path, lexicon=lexicon)
    if kind == "transformer":
        from risksignals.models.transformer import TransformerModel

        return TransformerModel.load(path, lexicon=lexicon)
    if kind == "lexicon":
        from risksignals.models.lexicon import LexiconModel

        return LexiconModel(lexicon, threshold=float(meta.get("threshold", 0.5)))
    raise RisksignalsError(f"{meta_path}: unknown model kind {kind!r}")


def load_model(name: str = "default", *, lexicon: Any = None):
    """Load a model by name (``default``, ``lexicon``, ``linear``, ``transformer``) or path."""
    if name == "lexicon":
        from risksignals.models.lexicon import LexiconModel

        return LexiconModel(lexicon)
    if name in ("default", "linear", "transformer"):
        path = shipped_model_dir(name)
        if not (path / "model.json").is_file():
            if name == "default":
                from risksignals.models.lexicon import LexiconModel

                return LexiconModel(lexicon)
            raise RisksignalsError(
                f"no shipped '{name}' model in this install; train one with "
                f"'risksignals train --model {name} --output DIR' and pass --model DIR"
            )
        return _load_dir(path, lexicon)
    path = Path(name)
    if not path.exists():
        raise RisksignalsError(
            f"model '{name}' not found: use default, lexicon, linear, transformer or a folder "
            f"with a saved model"
        )
    return _load_dir(path, lexicon)


def load_default(lexicon: Any = None):
    """The shipped default model (offline)."""
    return load_model("default", lexicon=lexicon)
