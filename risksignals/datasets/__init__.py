"""The labelled example corpus, loaders for staff's own labelled files, and the corpus builder."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["load_examples", "load_labelled", "examples_path", "EXAMPLE_COLUMNS"]

EXAMPLE_COLUMNS = ("text", "drug_sale", "planned_fight", "violent_humiliation", "slice", "source", "split")


def examples_path() -> Path:
    """Path of the shipped example corpus (CSV)."""
    return Path(str(resources.files("risksignals.datasets") / "data" / "examples.csv"))


def load_examples(split: str | None = None):
    """The shipped synthetic example corpus as a DataFrame.

    Columns: text, drug_sale, planned_fight, violent_humiliation (0/1), slice (the phenomenon a
    text probes), source (handwritten file or template id), split (train/dev/test).
    """
    import pandas as pd

    df = pd.read_csv(examples_path(), dtype={"text": str, "slice": str, "source": str, "split": str},
                     keep_default_na=False)
    for label in ("drug_sale", "planned_fight", "violent_humiliation"):
        df[label] = df[label].astype(int)
    if split is not None:
        if split not in ("train", "dev", "test"):
            from risksignals.errors import RisksignalsError

            raise RisksignalsError(f"split must be train, dev or test, not {split!r}")
        df = df[df["split"] == split].reset_index(drop=True)
    return df


def load_labelled(path, *, text_column: str = "text", label_columns=None, **kwargs):
    """Load staff's own annotated CSV/JSONL, validated (see :mod:`risksignals.datasets.labelled`)."""
    from risksignals.datasets.labelled import load_labelled as _load

    return _load(path, text_column=text_column, label_columns=label_columns, **kwargs)
