"""Lexicon files: the shipped data is valid and rich; broken files fail with clear messages."""

import json

import pytest

from risksignals.errors import LexiconError
from risksignals.lexicons import Lexicon
from risksignals.labels import LABELS

ENTRY = {
    "id": "x.test", "signal": "drug_sale", "cue": "substance", "strength": "weak",
    "forms": ["testord"], "meaning_nb": "betydning", "meaning_en": "meaning", "source": "project",
}


def doc(**changes):
    entry = {**ENTRY, **changes}
    entry = {k: v for k, v in entry.items() if v is not None}
    return ("mine.toml", {"meta": {"signal": "drug_sale"}, "entry": [entry]})


def test_shipped_lexicon_is_valid_and_covers_the_domain():
    lex = Lexicon.load()
    assert len(lex) >= 200
    assert not [i for i in lex.lint() if i.level == "error"]
    assert set(LABELS) <= set(lex.signals)
    by_signal = {label: [e for e in lex if e.signal == label] for label in LABELS}
    assert all(len(v) >= 40 for v in by_signal.values())
    sources = {e.source for e in lex}
    assert {"seed", "nrk-vg-2019", "dea-2021", "project"} <= sources
    for needed in ["godis", "har du skoen min", "🍫", "🍁", "🔌", "❄️", "selger", "til salgs", "snap meg",
                   "vipps", "plug", "løpegutt", "sende folk på", "1v1", "kysse skoene", "jumpa", "filma",
                   "beef", "slåsskamp", "legge ut", "på knærne", "juling"]:
        hits = [m for m in lex.matcher.scan(f"x {needed} x") if m.text == needed]
        assert hits, needed
    # every entry with an everyday meaning says so, and meanings are real explanations
    assert lex["ds.godis"].literal and lex["ds.godis"].strength == "weak"
    assert all(len(e.meaning_nb) > 20 and len(e.meaning_en) > 20 for e in lex)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"strength": "medium"}, "strength must be"),
        ({"signal": "doping"}, "signal 'doping' is unknown"),
        ({"meaning_nb": None}, "missing field"),
        ({"forms": [], "patterns": []}, "at least one form or pattern"),
        ({"patterns": ["(unclosed"]}, "does not compile"),
        ({"forms": ["ab*"]}, "at least 3 characters"),
        ({"variety": ["klingon"]}, "unknown variety"),
        ({"colour": "red"}, "unknown field"),
    ],
)
def test_schema_errors_name_the_file_entry_and_field(changes, message):
    with pytest.raises(LexiconError, match=message) as err:
        Lexicon.from_documents([doc(**changes)])
    assert "mine.toml" in str(err.value)


def test_duplicate_ids_across_files_are_refused():
    with pytest.raises(LexiconError, match="duplicate entry id 'x.test'"):
        Lexicon.from_documents([doc(), doc()])


def test_user_local_lexicon_file_adds_entries(tmp_path):
    path = tmp_path / "lokal.json"
    path.write_text(json.dumps({"meta": {"signal": "drug_sale"},
                                "entry": [{**ENTRY, "id": "local.nyord", "forms": ["blåbærpai"]}]}), "utf-8")
    lex = Lexicon.load(extra=[path])
    assert "local.nyord" in {e.id for e in lex}
    assert any(m.entry_id == "local.nyord" for m in lex.matcher.scan("har du blåbærpai i kveld"))


def test_missing_or_broken_file_is_a_lexicon_error(tmp_path):
    with pytest.raises(LexiconError, match="not found"):
        Lexicon.load(extra=[tmp_path / "nope.toml"])
    bad = tmp_path / "bad.toml"
    bad.write_text("[meta\nsignal=", "utf-8")
    with pytest.raises(LexiconError, match="not valid TOML"):
        Lexicon.load(extra=[bad])


def test_lint_finds_duplicates_conflicts_and_patterns_that_cannot_match():
    docs = [("a.toml", {"meta": {"signal": "drug_sale"}, "entry": [
        {**ENTRY, "id": "a.one", "forms": ["hasj"]},
        {**ENTRY, "id": "a.two", "forms": ["HASJ"], "cue": "sale"},
        {**ENTRY, "id": "a.three", "forms": ["x"], "patterns": [r"\btakk\b"]},
        {**ENTRY, "id": "a.four", "forms": ["y"], "patterns": [r"(a+)+$"]},
    ]})]
    issues = Lexicon.from_documents(docs).lint()
    text = "\n".join(map(str, issues))
    assert "conflicting form 'HASJ'" in text
    assert "doubled letter" in text
    assert "too slow" in text or "catastrophic" in text
