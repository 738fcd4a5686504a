"""Norwegian functional test suite (CheckList / HateCheck style) for the three signals.

Capabilities are plain data in ``data/capabilities.toml``; cases are hand-written
(``mft.jsonl``, ``dir.jsonl``, ``inv_pairs.jsonl``) or generated from ``inv_bases.jsonl`` by
perturbations (name swaps, added multiethnolect words, emoji skin tones and FE0F, zero-width
characters, casing, elongation, leetspeak). The suite is kept apart from the training corpus.

Pass rules: MFT, the predicted labels named by the capability equal the expected ones; INV, no
predicted label changes; DIR, the named label's score moves the stated way (tolerance 0.01).
"""

from __future__ import annotations

import json
import random
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Sequence

import numpy as np
import regex

from risksignals.labels import LABELS

__all__ = ["Capability", "Case", "load_capabilities", "load_cases", "run_suite", "SuiteResult",
           "PERTURBATIONS", "DIR_TOLERANCE"]

DATA = resources.files("risksignals.evaluation.functional") / "data"
DIR_TOLERANCE = 0.01


@dataclass(frozen=True)
class Capability:
    name: str
    type: str
    labels: tuple[str, ...]
    group: str
    description: str
    description_nb: str
    perturbation: str | None = None


@dataclass(frozen=True)
class Case:
    capability: str
    text: str
    variant: str | None = None
    expected: tuple[int, ...] | None = None  # MFT
    label: str | None = None  # DIR
    direction: str | None = None  # DIR


def load_capabilities() -> dict[str, Capability]:
    raw = tomllib.loads((DATA / "capabilities.toml").read_text(encoding="utf-8"))
    caps = {}
    for c in raw["capability"]:
        caps[c["name"]] = Capability(name=c["name"], type=c["type"], labels=tuple(c["labels"]),
                                     group=c["group"], description=c["description"],
                                     description_nb=c.get("description_nb", ""),
                                     perturbation=c.get("perturbation"))
    return caps


def _jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


# -- perturbations ----------------------------------------------------------------------------
def _names():
    return tomllib.loads((DATA / "names.toml").read_text(encoding="utf-8"))


_WORD = regex.compile(r"\p{L}{3,}")
_PICT = regex.compile(r"\p{Extended_Pictographic}")
_SKIN = ["\U0001F3FB", "\U0001F3FC", "\U0001F3FD", "\U0001F3FE", "\U0001F3FF"]
_MODIFIABLE = set("👊🤜🤛👍👎✊✌🤞👌🙏💪👋🤙🫵☝👆👇👉👈🖕🤝🏃🧎🤦🤷")


def _pick_words(text: str, rng: random.Random, k: int = 2) -> list[tuple[int, int]]:
    spans = [m.span() for m in _WORD.finditer(text) if "{" not in m.group()]
    rng.shuffle(spans)
    return sorted(spans[:k])


def _edit_words(text: str, spans, fn) -> str:
    out, pos = [], 0
    for a, b in spans:
        out.append(text[pos:a])
        out.append(fn(text[a:b]))
        pos = b
    out.append(text[pos:])
    return "".join(out)


def perturb(kind: str, text: str, rng: random.Random) -> str:
    if kind == "emoji_skin_fe0f":
        out = []
        for ch in text:
            out.append(ch)
            if ch in _MODIFIABLE:
                out.append(rng.choice(_SKIN))
            elif _PICT.fullmatch(ch):
                out.append("\ufe0f")
        variant = "".join(out)
        return variant if variant != text else text + " 👍" + rng.choice(_SKIN)
    if kind == "zero_width":
        return _edit_words(text, _pick_words(text, rng, 3),
                           lambda w: w[: len(w) // 2] + rng.choice(["\u200b", "\u200c", "\u2060"]) + w[len(w) // 2 :])
    if kind == "casing":
        return text.upper() if rng.random() < 0.5 else text.title()
    if kind == "elongation":
        def stretch(w):
            vowels = [i for i, c in enumerate(w) if c.lower() in "aeiouyæøå"]
            if not vowels:
                return w
            i = rng.choice(vowels)
            return w[: i + 1] + w[i] * rng.randint(2, 4) + w[i + 1 :]
        return _edit_words(text, _pick_words(text, rng, 2), stretch)
    if kind == "leetspeak":
        table = {"a": "4", "e": "3", "o": "0", "i": "1", "s": "$"}

        def leet(w):
            return "".join(table.get(c, c) if rng.random() < 0.6 and 0 < i < len(w) - 1 else c
                           for i, c in enumerate(w))
        return _edit_words(text, _pick_words(text, rng, 2), leet)
    raise KeyError(kind)


PERTURBATIONS = ("name_swap", "ethnolect_add", "emoji_skin_fe0f", "zero_width", "casing",
                 "elongation", "leetspeak")


def _generated(cap: Capability, bases: list[dict], seed: int) -> list[Case]:
    rng = random.Random(f"{seed}:{cap.name}")
    names = _names()
    cases = []
    for b in bases:
        text = b["text"]
        if cap.perturbation == "name_swap":
            if "{NAME}" not in text:
                continue
            for _ in range(2):
                a = rng.choice(names["norwegian"])
                m = rng.choice(names["minority"])
                cases.append(Case(cap.name, text.replace("{NAME}", a), variant=text.replace("{NAME}", m)))
            continue
        filled = text.replace("{NAME}", rng.choice(names["norwegian"] + names["minority"]))
        if cap.perturbation == "ethnolect_add":
            word = rng.choice(names["ethnolect"])
            where = rng.random()
            variant = f"{word} {filled}" if where < 0.4 else (f"{filled} {word}" if where < 0.8 else
                                                             f"{word}, {filled} {rng.choice(names['ethnolect'])}")
            cases.append(Case(cap.name, filled, variant=variant))
        else:
            variant = perturb(cap.perturbation, filled, rng)
            if variant != filled:
                cases.append(Case(cap.name, filled, variant=variant))
    return cases


def load_cases(seed: int = 13) -> list[Case]:
    caps = load_capabilities()
    cases: list[Case] = []
    for row in _jsonl("mft.jsonl"):
        cases.append(Case(row["capability"], row["text"], expected=tuple(int(row[label]) for label in LABELS)))
    for row in _jsonl("dir.jsonl"):
        cases.append(Case(row["capability"], row["text"], variant=row["variant"], label=row["label"],
                          direction=row["direction"]))
    for row in _jsonl("inv_pairs.jsonl"):
        cases.append(Case(row["capability"], row["text"], variant=row["variant"]))
    bases = _jsonl("inv_bases.jsonl")
    for cap in caps.values():
        if cap.type == "INV" and cap.perturbation:
            cases.extend(_generated(cap, bases, seed))
    unknown = {c.capability for c in cases} - set(caps)
    if unknown:
        raise ValueError(f"cases for unknown capabilities: {sorted(unknown)}")
    return cases


@dataclass
class CapabilityResult:
    capability: Capability
    n: int = 0
    passed: int = 0
    failures: list[dict] = field(default_factory=list)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.n if self.n else float("nan")


@dataclass
class SuiteResult:
    model: str
    results: dict[str, CapabilityResult]

    def table(self):
        import pandas as pd

        return pd.DataFrame([{
            "capability": r.capability.name, "type": r.capability.type, "group": r.capability.group,
            "n": r.n, "passed": r.passed, "pass_rate": round(r.pass_rate, 4),
            "description": r.capability.description,
        } for r in self.results.values()])

    def flip_rate(self, capability: str) -> float:
        r = self.results[capability]
        return 1 - r.pass_rate if r.n else float("nan")

    @property
    def overall(self) -> float:
        n = sum(r.n for r in self.results.values())
        return sum(r.passed for r in self.results.values()) / n if n else float("nan")


def run_suite(detector, *, cases: Sequence[Case] | None = None, seed: int = 13,
              max_failures: int = 5) -> SuiteResult:
    """Run every case through ``detector`` (anything with predict_proba, labels, thresholds)."""
    caps = load_capabilities()
    cases = list(cases) if cases is not None else load_cases(seed)
    texts = sorted({c.text for c in cases} | {c.variant for c in cases if c.variant})
    index = {t: i for i, t in enumerate(texts)}
    scores = detector.predict_proba(texts)
    labels = list(detector.labels)
    thr = np.array([detector.thresholds[label] for label in labels])
    pred = (scores >= thr).astype(int)
    results = {name: CapabilityResult(cap) for name, cap in caps.items()}
    for c in cases:
        cap = caps[c.capability]
        res = results[c.capability]
        i = index[c.text]
        ok: bool
        detail: dict = {"text": c.text}
        if cap.type == "MFT":
            cols = [labels.index(label) for label in cap.labels]
            exp = [c.expected[LABELS.index(label)] for label in cap.labels]
            got = [int(pred[i, j]) for j in cols]
            ok = got == exp
            detail.update(expected=dict(zip(cap.labels, exp)), predicted=dict(zip(cap.labels, got)))
        elif cap.type == "INV":
            v = index[c.variant]
            ok = bool((pred[i] == pred[v]).all())
            detail.update(variant=c.variant, predicted=pred[i].tolist(), predicted_variant=pred[v].tolist())
        else:
            v = index[c.variant]
            j = labels.index(c.label)
            delta = float(scores[v, j] - scores[i, j])
            ok = delta >= -DIR_TOLERANCE if c.direction == "up" else delta <= DIR_TOLERANCE
            detail.update(variant=c.variant, label=c.label, direction=c.direction,
                          score=round(float(scores[i, j]), 3), score_variant=round(float(scores[v, j]), 3))
        res.n += 1
        res.passed += ok
        if not ok and len(res.failures) < max_failures:
            res.failures.append(detail)
    return SuiteResult(model=getattr(detector, "name", "model"), results=results)
