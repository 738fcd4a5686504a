"""Corpus builder: hand-written files + templates -> one labelled corpus with leakage-free splits.

Run ``python -m risksignals.datasets.build`` to rebuild ``data/examples.csv`` (deterministic:
same sources and seed give the same file).

Splits measure generalisation, not memory:

* a template family never spans two splits (all its texts share a *group*);
* contrast pairs stay together;
* near-duplicates (Jaccard similarity of 5-character shingles of the matching key above 0.8)
  are merged into one group, so no test text has a near twin in train;
* groups are assigned greedily so every split gets its share of each label.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import regex
from scipy import sparse

from risksignals.labels import LABELS
from risksignals.signals.normalize import matching_key

__all__ = ["Row", "build_corpus", "shingles", "near_duplicate_pairs", "jaccard_matrix",
           "SPLITS", "NEAR_DUP_THRESHOLD"]

SPLITS = {"train": 0.70, "dev": 0.15, "test": 0.15}
NEAR_DUP_THRESHOLD = 0.8
SHINGLE = 5
SOURCES = resources.files("risksignals.datasets") / "sources"
_SLOT = regex.compile(r"\{([a-z_]+)\}")


@dataclass
class Row:
    text: str
    labels: tuple[int, ...]
    slice: str
    source: str
    group: str
    split: str = ""


# ---------------------------------------------------------------------------------------------
# near duplicates
def shingles(text: str, k: int = SHINGLE) -> set[str]:
    key = matching_key(text)
    if len(key) <= k:
        return {key}
    return {key[i : i + k] for i in range(len(key) - k + 1)}


def _shingle_matrix(texts: Sequence[str], vocab: dict[str, int] | None = None):
    vocab = {} if vocab is None else vocab
    rows, cols = [], []
    for i, t in enumerate(texts):
        for s in shingles(t):
            j = vocab.setdefault(s, len(vocab))
            rows.append(i)
            cols.append(j)
    return rows, cols, vocab


def jaccard_matrix(a: Sequence[str], b: Sequence[str] | None = None) -> np.ndarray:
    """Dense Jaccard similarity of 5-char shingle sets between texts of ``a`` and ``b``."""
    ra, ca, vocab = _shingle_matrix(a)
    if b is None:
        rb, cb = ra, ca
        nb = len(a)
    else:
        rb, cb, vocab = _shingle_matrix(b, vocab)
        nb = len(b)
    A = sparse.csr_matrix((np.ones(len(ra), dtype=np.float32), (ra, ca)), shape=(len(a), len(vocab)))
    B = sparse.csr_matrix((np.ones(len(rb), dtype=np.float32), (rb, cb)), shape=(nb, len(vocab)))
    A.data[:] = 1
    B.data[:] = 1
    inter = (A @ B.T).toarray()
    size_a = np.asarray(A.sum(axis=1)).ravel()
    size_b = np.asarray(B.sum(axis=1)).ravel()
    union = size_a[:, None] + size_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def near_duplicate_pairs(a: Sequence[str], b: Sequence[str] | None = None,
                         threshold: float = NEAR_DUP_THRESHOLD, block: int = 2000):
    """Index pairs (i, j) with Jaccard > threshold (i < j when ``b`` is None)."""
    pairs = []
    other = a if b is None else b
    for start in range(0, len(a), block):
        sim = jaccard_matrix(a[start : start + block], other)
        ii, jj = np.nonzero(sim > threshold)
        for i, j in zip(ii + start, jj):
            if b is None and j <= i:
                continue
            pairs.append((int(i), int(j)))
    return pairs


# ---------------------------------------------------------------------------------------------
# sources
def _read_handwritten(folder) -> list[Row]:
    rows: list[Row] = []
    files = sorted((p for p in folder.iterdir() if p.name.endswith(".jsonl")), key=lambda p: p.name)
    for path in files:
        stem = path.name[: -len(".jsonl")]
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path.name}:{n}: not JSON: {exc}") from None
            text = obj.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{path.name}:{n}: empty text")
            labels = tuple(int(obj.get(label, 0)) for label in LABELS)
            if any(v not in (0, 1) for v in labels):
                raise ValueError(f"{path.name}:{n}: labels must be 0/1")
            group = f"hand:{stem}#pair{obj['pair']}" if "pair" in obj else f"hand:{stem}#{n}"
            rows.append(Row(text=text.strip(), labels=labels, slice=str(obj.get("slice", stem)),
                            source=f"hand:{stem}", group=group))
    return rows


def _lexicon_slots() -> dict[str, list[str]]:
    from risksignals.lexicons import Lexicon

    lex = Lexicon.load()
    pict = regex.compile(r"^[\p{Extended_Pictographic}\ufe0f\u200d]+$")
    slots: dict[str, list[str]] = defaultdict(list)
    wanted = {
        "substance": ("drug_sale", "substance"),
        "sale": ("drug_sale", "sale"),
        "conflict": ("planned_fight", "conflict"),
        "media": ("violent_humiliation", "media"),
        "violence": ("violent_humiliation", "violence"),
        "humiliation": ("violent_humiliation", "humiliation"),
    }
    for e in lex:
        for slot, (signal, cue) in wanted.items():
            if e.signal != signal or e.cue != cue:
                continue
            for form in e.forms:
                if form.endswith("*") or len(form) > 30:
                    continue
                if pict.match(form):
                    if slot == "substance":
                        slots["drug_emoji"].append(form)
                else:
                    slots[slot].append(form)
    return {k: sorted(set(v)) for k, v in slots.items()}


def _read_templates(folder, seed: int) -> list[Row]:
    spec = tomllib.loads((folder / "templates.toml").read_text(encoding="utf-8"))
    plain = tomllib.loads((folder / "slots.toml").read_text(encoding="utf-8"))
    slots = {**_lexicon_slots(), **plain}
    rows: list[Row] = []
    for tpl in spec["template"]:
        rng = random.Random(f"{seed}:{tpl['id']}")
        labels = tuple(int(tpl.get(label, 0)) for label in LABELS)
        texts = tpl["texts"]
        seen: set[str] = set()
        attempts = 0
        while len(seen) < tpl["n"] and attempts < tpl["n"] * 20:
            attempts += 1
            pattern = texts[(attempts - 1) % len(texts)]

            def fill(m: "regex.Match[str]") -> str:
                values = slots.get(m.group(1))
                if not values:
                    raise KeyError(f"template {tpl['id']}: unknown or empty slot {{{m.group(1)}}}")
                return rng.choice(values)

            text = regex.sub(r"[ \t]+", " ", _SLOT.sub(fill, pattern)).strip()
            text = regex.sub(r" +\n", "\n", text)
            if text in seen:
                continue
            seen.add(text)
            rows.append(Row(text=text, labels=labels, slice=tpl["slice"], source=f"tpl:{tpl['id']}",
                            group=f"tpl:{tpl['id']}"))
    return rows


# ---------------------------------------------------------------------------------------------
# grouping and splitting
class _UnionFind:
    def __init__(self, items: Iterable[str]):
        self.parent = {i: i for i in items}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra > rb:
                ra, rb = rb, ra
            self.parent[rb] = ra


def _dedupe(rows: list[Row]) -> list[Row]:
    seen: dict[str, Row] = {}
    out = []
    for r in rows:
        k = matching_key(r.text)
        if k in seen:
            continue
        seen[k] = r
        out.append(r)
    return out


def _assign_splits(rows: list[Row], seed: int) -> None:
    uf = _UnionFind(r.group for r in rows)
    for i, j in near_duplicate_pairs([r.text for r in rows]):
        uf.union(rows[i].group, rows[j].group)
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        groups[uf.find(r.group)].append(r)
    # profile of a group: counts per label plus count of all-negative rows
    def profile(members: list[Row]) -> np.ndarray:
        v = np.zeros(len(LABELS) + 2)
        for r in members:
            v[: len(LABELS)] += r.labels
            v[len(LABELS)] += 0 if any(r.labels) else 1
            v[len(LABELS) + 1] += 1
        return v

    total = sum(profile(m) for m in groups.values())
    targets = {s: total * share for s, share in SPLITS.items()}
    filled = {s: np.zeros_like(total) for s in SPLITS}
    rng = random.Random(seed)
    order = sorted(groups, key=lambda g: (-len(groups[g]), hashlib.sha1(f"{seed}{g}".encode()).hexdigest()))
    for g in order:
        p = profile(groups[g])
        best, best_gain = None, None
        for s in SPLITS:
            # how much does adding this group reduce the split's relative deficit?
            deficit = np.clip(targets[s] - filled[s], 0, None) / np.maximum(targets[s], 1)
            gain = float((deficit * (p > 0)).sum() + 1e-6 * rng.random())
            over = float(np.clip(filled[s] + p - targets[s], 0, None).sum() / max(p.sum(), 1))
            score = gain - 0.5 * over
            if best_gain is None or score > best_gain:
                best, best_gain = s, score
        filled[best] += p
        for r in groups[g]:
            r.split = best


def build_corpus(seed: int = 13, sources=SOURCES) -> list[Row]:
    """Read all sources, dedupe, group near-duplicates and assign splits."""
    rows = _read_handwritten(sources / "handwritten") + _read_templates(sources, seed)
    rows = _dedupe(rows)
    _assign_splits(rows, seed)
    return rows


def write_csv(rows: list[Row], path: Path) -> None:
    import pandas as pd

    df = pd.DataFrame({
        "text": [r.text for r in rows],
        **{label: [r.labels[i] for r in rows] for i, label in enumerate(LABELS)},
        "slice": [r.slice for r in rows],
        "source": [r.source for r in rows],
        "split": [r.split for r in rows],
    })
    df.to_csv(path, index=False)


def summary(rows: list[Row]) -> str:
    lines = [f"rows: {len(rows)}"]
    by_split = Counter(r.split for r in rows)
    lines.append("per split: " + ", ".join(f"{s}={by_split[s]}" for s in SPLITS))
    for i, label in enumerate(LABELS):
        per = Counter(r.split for r in rows if r.labels[i])
        lines.append(f"{label}: {sum(per.values())} (" + ", ".join(f"{s}={per[s]}" for s in SPLITS) + ")")
    none = [r for r in rows if not any(r.labels)]
    lines.append(f"no signal: {len(none)} ({len(none) / len(rows):.1%})")
    lines.append(f"hand-written: {sum(r.source.startswith('hand:') for r in rows)}, "
                 f"templated: {sum(r.source.startswith('tpl:') for r in rows)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Rebuild the shipped example corpus.")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--output", default=str(Path(str(resources.files("risksignals.datasets"))) / "data" / "examples.csv"))
    args = ap.parse_args(argv)
    rows = build_corpus(args.seed)
    write_csv(rows, Path(args.output))
    print(summary(rows))
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
