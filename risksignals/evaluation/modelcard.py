"""Model card for the shipped default, generated from measured results (Mitchell et al. 2019)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

__all__ = ["write_model_card"]


def _weakest(result, k: int = 5):
    if result.suite is None:
        return []
    rows = [(r.pass_rate, name, r) for name, r in result.suite.results.items() if r.n]
    return sorted(rows, key=lambda t: (t[0], t[1]))[:k]


def write_model_card(result, data_name: str, n_rows: int, labels: Sequence[str], path: Path) -> Path:
    det = result.detector
    meta = getattr(det.model, "metadata_", {}) or {}
    m = result.metrics
    lines = [
        f"# Model card: risksignals default model ({result.name})", "",
        "## Model details",
        f"- Kind: {meta.get('kind', result.name)}; labels: {', '.join(labels)} (independent, multi-label).",
        "- Decision thresholds (chosen on dev): " + ", ".join(f"{k} {v:.2f}" for k, v in det.thresholds.items()) + ".",
        f"- Trained: {meta.get('trained', 'n/a')} on {meta.get('data', 'n/a')} "
        f"({meta.get('train_rows', 'n/a')} train / {meta.get('dev_rows', 'n/a')} dev texts), seed {meta.get('seed', 'n/a')}.",
        f"- Reproduce: `{meta.get('command', 'risksignals train --model linear --output DIR')}`.",
        "- Stored as JSON + npz (linear) or safetensors (transformer); loading never unpickles.",
        "- The model reads a normalised text in which first names and neutral multiethnolect words "
        "(wolla, bror, habibi, flus ...) are hidden, so they cannot change a prediction.", "",
        "## Intended use",
        "- Staff training workshops on digital youth life: showing what code words, emoji menus, "
        "fight arrangements and humiliation content look like, with explanations.",
        "- Trend statistics over anonymised example corpora that staff have already collected: "
        "share of texts per month and category, corrected for known error rates, small cells suppressed.",
        "- Research and teaching in notebooks.", "",
        "## Out of scope (do not use for)",
        "- Monitoring, profiling or alerting about named or identifiable people.",
        "- Any decision about a person (school, child welfare, police, employment).",
        "- Scraping or collecting social-media content.",
        "- Treating a flag as proof: the model reads words, not intentions, and youth quote, joke and warn.", "",
        "## Metrics",
        f"Measured on {data_name} ({n_rows} texts); 95 % bootstrap intervals.", "",
        "| label | precision | recall | F1 | PR-AUC | ECE | Brier |", "|---|---|---|---|---|---|---|",
    ]
    for label in labels:
        x = m["labels"][label]
        c = result.calibration[label]
        lines.append(f"| {label} | {x['precision'].fmt()} | {x['recall'].fmt()} | {x['f1'].fmt()} | "
                     f"{x['pr_auc'].fmt()} | {c['ece']:.3f} | {c['brier']:.3f} |")
    lines += ["", f"Macro-F1: {m['macro_f1'].fmt()}.",
              f"Hard negatives flagged: {result.hard_negatives['texts_flagged']} of {result.hard_negatives['n']} "
              f"texts ({result.hard_negatives['rate']:.1%}).", ""]
    if result.suite is not None:
        lines += ["## Functional suite", f"Overall pass rate {result.suite.overall:.3f} over "
                  f"{sum(r.n for r in result.suite.results.values())} cases in {len(result.suite.results)} capabilities.", "",
                  "Fairness (flip rate, must be 0):"]
        for cap in ("inv_name_swap", "inv_ethnolect_added"):
            if cap in result.suite.results:
                lines.append(f"- {cap}: {result.suite.flip_rate(cap):.3f} ({result.suite.results[cap].n} cases)")
        lines += ["", "Weakest capabilities:"]
        for rate, name, r in _weakest(result):
            lines.append(f"- {name} ({r.capability.type}): pass rate {rate:.2f} — {r.capability.description}")
        lines.append("")
    lines += [
        "## Known failure modes",
        "- Implicit code language that is new or local (code words change fast once adults learn them).",
        "- Texts that report, quote or warn about an offer or a video in the same words as the offer itself.",
        "- Harmless videos and meetings described with the vocabulary of violence (pranks with consent, "
        "sports, mediation meetings with a time and place).",
        "- Very short texts where one ambiguous word or emoji carries everything.",
        "- Training data is synthetic: real posts, other regions and new slang will be harder than these figures show.", "",
        "## Data",
        "- Synthetic, hand-written and templated Norwegian texts (Bokmål, Nynorsk, dialect, English mix, "
        "multiethnolect, obfuscation); see `risksignals/datasets/DATASHEET.md` and `CODEBOOK.md`.",
        "- Label definitions and facts come from a municipal mapping report (2020) and public sources "
        "listed in the lexicon files.",
        "- No real people, handles, phone numbers or addresses.", "",
        "## Ethical considerations",
        "- Multiethnolect and minority names are not risk; the model is blind to listed names and neutral "
        "slang, and the functional suite tests name and slang swaps on every evaluation.",
        "- The heaviest problems concern a small minority of youth; flags over a corpus are not a "
        "description of young people in general.", "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
