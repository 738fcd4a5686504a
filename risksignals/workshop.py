"""Workshop mode: one self-contained HTML file for staff training.

``risksignals workshop INPUT --text-column COL --output report.html [--quiz N]`` writes a page
that works offline from a USB stick (inline CSS and JS, no external resources):

* each example with its labels and scores, evidence marked with ``<mark>``; hovering or tapping
  a mark shows the lexicon meaning;
* a glossary of code words and emojis (Norwegian and English meaning, literal meaning, source);
* a quiz: staff guess the label, then reveal the answer and the explanation;
* a summary chart per label.

Texts are scrubbed of identifiers before rendering. Interface text is Bokmål.
"""

from __future__ import annotations

import html
import json
import random
from importlib import resources
from pathlib import Path
from string import Template
from typing import Sequence

import pandas as pd

from risksignals.errors import InputError
from risksignals.labels import LABEL_NAMES_NB, LABELS

__all__ = ["render_workshop", "workshop_command", "highlight", "select_examples"]

_SOURCE_NAMES = {
    "seed": "Kartleggingsrapport (RAR), 2020",
    "nrk-vg-2019": "Politiet via NRK/VG, 2019",
    "dea-2021": "DEA «Emoji Drug Code Decoded», 2021 (amerikansk bruk)",
    "aftenbladet-nrk-2024": "Aftenbladet/NRK, 2024",
    "nrk": "NRK",
    "nrk-2022": "NRK, 2022",
    "dagsavisen-2023": "Dagsavisen, 2023",
    "tv2": "TV 2",
    "kripos": "Kripos",
    "project": "Prosjektets egen språkkunnskap",
}


def _template() -> Template:
    return Template((resources.files("risksignals") / "templates" / "workshop.html").read_text("utf-8"))


def _workshop_mark(m, inner: str) -> str:
    meaning = m.meaning_nb + (f" Uskyldig betydning: {m.literal}." if m.literal else "")
    return (f'<mark class="sig-{html.escape(m.signal)}" tabindex="0" title="{html.escape(meaning)}" '
            f'data-meaning="{html.escape(meaning)}" data-label="{html.escape(LABEL_NAMES_NB.get(m.signal, m.signal))}">'
            f"{inner}</mark>")


def highlight(text: str, matches) -> str:
    """HTML of ``text`` with each match in a focusable ``<mark>`` carrying its meaning."""
    from risksignals.signals.matcher import highlight_html

    return highlight_html(text, list(matches), mark=_workshop_mark, keep=lambda m: m.signal != "context")


def select_examples(df: pd.DataFrame, limit: int, seed: int, labels: Sequence[str] = LABELS) -> pd.DataFrame:
    """A balanced, seeded sample: some of each label and some texts with no signal."""
    if len(df) <= limit:
        return df
    rng = random.Random(seed)
    per = max(1, limit // (len(labels) + 1))
    chosen: list[int] = []
    for label in labels:
        idx = [i for i in df.index[df[label] == 1] if i not in chosen]
        chosen += rng.sample(idx, min(per, len(idx)))
    rest = [i for i in df.index[(df[list(labels)].sum(axis=1) == 0)] if i not in chosen]
    chosen += rng.sample(rest, min(limit - len(chosen), len(rest)))
    return df.loc[sorted(chosen)]


def _badges(row, labels, gold=None) -> str:
    parts = []
    for label in labels:
        on = int(row[label]) == 1 if pd.notna(row[label]) else False
        score = row.get(f"{label}_score")
        score_txt = f" {float(score):.2f}" if score is not None and pd.notna(score) else ""
        parts.append(f'<span class="badge {"on" if on else "off"} b-{label}">'
                     f'{html.escape(LABEL_NAMES_NB[label])}{score_txt}</span>')
    return " ".join(parts)


def _svg_chart(counts: dict[str, int], total: int) -> str:
    width, bar_h, gap = 560, 34, 14
    height = len(counts) * (bar_h + gap) + 10
    maxv = max(list(counts.values()) + [1])
    rows = []
    for k, (label, v) in enumerate(counts.items()):
        y = 5 + k * (bar_h + gap)
        w = int((width - 320) * v / maxv)
        share = f"{v / total:.0%}" if total else "–"
        rows.append(
            f'<text x="0" y="{y + 22}" class="lbl">{html.escape(LABEL_NAMES_NB[label])}</text>'
            f'<rect x="190" y="{y}" width="{max(w, 2)}" height="{bar_h}" class="bar b-{label}"></rect>'
            f'<text x="{196 + max(w, 2)}" y="{y + 22}" class="val">{v} ({share})</text>'
        )
    return (f'<svg role="img" aria-label="Antall merkede tekster per signal" viewBox="0 0 {width} {height}" '
            f'width="100%" preserveAspectRatio="xMinYMin meet">{"".join(rows)}</svg>')


def _glossary(lexicon) -> str:
    rows = []
    for e in sorted(lexicon, key=lambda e: (LABELS.index(e.signal) if e.signal in LABELS else 9, e.cue, e.id)):
        if e.signal == "context":
            continue
        forms = ", ".join(e.forms[:8]) + (" …" if len(e.forms) > 8 else "")
        if not forms and e.patterns:
            forms = "(mønster: pris, tid eller sted)"
        source = _SOURCE_NAMES.get(e.source, e.source)
        rows.append(
            f'<tr data-search="{html.escape((forms + " " + e.meaning_nb + " " + e.meaning_en).lower())}">'
            f'<td class="forms">{html.escape(forms)}</td>'
            f'<td>{html.escape(LABEL_NAMES_NB.get(e.signal, e.signal))}<br><small>{html.escape(e.cue)}, '
            f'{"sterkt" if e.strong else "svakt"} tegn</small></td>'
            f"<td>{html.escape(e.meaning_nb)}<br><small lang=\"en\">{html.escape(e.meaning_en)}</small></td>"
            f"<td>{html.escape(e.literal) or '–'}</td><td><small>{html.escape(source)}</small></td></tr>"
        )
    return "\n".join(rows)


def render_workshop(df: pd.DataFrame, classified: pd.DataFrame, *, text_column: str = "text",
                    quiz: int = 10, seed: int = 13, lexicon=None, title: str = "Risikosignaler i ungdoms digitale hverdag",
                    gold: bool = False) -> str:
    """Render the workshop page for ``classified`` rows (output of Detector.classify).

    ``gold``: True when ``df`` holds true labels (the example corpus); the quiz then reveals
    those, otherwise the model's answer, and says so.
    """
    from risksignals.lexicons import Lexicon
    from risksignals.signals.matcher import Matcher

    lexicon = lexicon or Lexicon.load()
    matcher = lexicon.matcher if isinstance(lexicon, Lexicon) else Matcher(lexicon)
    labels = [label for label in LABELS if label in classified.columns]
    ok = classified[classified["error"] == ""]
    cards = []
    for i, (_, row) in enumerate(ok.iterrows()):
        text = row[text_column]
        ms = matcher.scan(text)
        cards.append(
            f'<article class="card" id="ex-{i}"><div class="badges">{_badges(row, labels)}</div>'
            f'<p class="text">{highlight(text, ms)}</p></article>'
        )
    counts = {label: int(ok[label].fillna(0).sum()) for label in labels}
    rng = random.Random(seed)
    quiz_rows = list(range(len(ok)))
    rng.shuffle(quiz_rows)
    quiz_items = []
    for q, i in enumerate(quiz_rows[:quiz]):
        row = ok.iloc[i]
        text = row[text_column]
        ms = matcher.scan(text)
        truth = [label for label in labels if (df.loc[row.name, label] if gold else row[label]) == 1]
        model = [label for label in labels if row[label] == 1]
        truth_txt = ", ".join(LABEL_NAMES_NB[t] for t in truth) or "Ingen signal"
        model_txt = ", ".join(LABEL_NAMES_NB[t] for t in model) or "Ingen signal"
        expl = sorted({f"«{m.text}»: {m.meaning_nb}" for m in ms if m.signal != "context"})
        ctx = sorted({f"«{m.text}»: {m.meaning_nb}" for m in ms if m.signal == "context"})
        expl_html = "".join(f"<li>{html.escape(x)}</li>" for x in expl[:6]) or "<li>Ingen ord fra ordlista.</li>"
        if ctx:
            expl_html += "".join(f'<li class="ctx">{html.escape(x)}</li>' for x in ctx[:3])
        options = "".join(
            f'<label class="opt"><input type="checkbox" name="q{q}" value="{label}"> {html.escape(LABEL_NAMES_NB[label])}</label>'
            for label in labels
        ) + f'<label class="opt"><input type="checkbox" name="q{q}" value="none"> Ingen signal</label>'
        source = "Fasit (annotert)" if gold else "Modellens svar (ingen fasit i fila)"
        quiz_items.append(
            f'<section class="quiz-item" id="quiz-{q}" data-answer="{html.escape(json.dumps(truth or ["none"]))}">'
            f'<h3>Spørsmål {q + 1}</h3><p class="text">{html.escape(text).replace(chr(10), "<br>")}</p>'
            f'<div class="options">{options}</div>'
            f'<button type="button" class="reveal" aria-expanded="false" aria-controls="answer-{q}">Vis svar</button>'
            f'<div class="answer" id="answer-{q}" hidden><p class="verdict"></p>'
            f"<p><b>{source}:</b> {html.escape(truth_txt)}</p>"
            f"<p><b>Modellen:</b> {html.escape(model_txt)}</p>"
            f'<p class="answer-text">{highlight(text, ms)}</p><ul>{expl_html}</ul></div></section>'
        )
    page = _template().substitute(
        title=html.escape(title),
        n_examples=len(ok),
        n_errors=int((classified["error"] != "").sum()),
        chart=_svg_chart(counts, len(ok)),
        cards="\n".join(cards),
        quiz="\n".join(quiz_items) or "<p>Ingen quizspørsmål.</p>",
        n_quiz=len(quiz_items),
        glossary=_glossary(lexicon),
    )
    return page


def workshop_command(args) -> str:
    from risksignals.batch import load_detector
    from risksignals.io import read_table

    if args.examples or not args.input:
        if args.input:
            raise InputError("give either INPUT or --examples, not both")
        if not args.examples:
            raise InputError("INPUT is missing (a CSV, JSONL, Parquet or TXT file, or use --examples)")
        from risksignals.datasets import load_examples

        df = load_examples()
        text_column, gold = "text", True
    else:
        df = read_table(args.input)
        text_column = args.text_column
        if text_column not in df.columns:
            raise InputError(f"column '{text_column}' not found in {args.input}; columns are: "
                             f"{', '.join(map(str, df.columns))}")
        gold = all(label in df.columns for label in LABELS)
    if args.quiz < 0 or args.limit < 1:
        raise InputError("--quiz must be 0 or more and --limit at least 1")
    if gold:
        df = select_examples(df.reset_index(drop=True), args.limit, args.seed)
    else:
        df = df.head(args.limit)
    df = df.reset_index(drop=True)
    detector = load_detector(args.model)
    keep = [text_column] + ([label for label in LABELS if label in df.columns] if gold else [])
    classified = detector.classify(df[[text_column]], text_column=text_column)
    page = render_workshop(df[keep], classified, text_column=text_column, quiz=args.quiz,
                           seed=args.seed, lexicon=detector.lexicon, gold=gold)
    out = Path(args.output)
    if not out.parent.exists():
        raise InputError(f"output folder does not exist: {out.parent}")
    out.write_text(page, encoding="utf-8")
    return f"workshop report with {len(classified)} examples and {min(args.quiz, len(classified))} quiz questions -> {out}"
