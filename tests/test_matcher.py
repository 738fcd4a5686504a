"""Matcher: evidence with meanings on original spans, emoji, phrases, boundaries, timeouts."""

import time
from pathlib import Path

import pytest
from cext import require_extension
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import risksignals
from risksignals.lexicons import Lexicon


def ids(text):
    return {m.entry_id for m in risksignals.scan(text)}


def test_seed_code_phrase_is_found_with_meaning_and_original_span():
    text = "Hei, HAR DU skoen min i dag?"
    ms = risksignals.scan(text)
    m = next(m for m in ms if m.entry_id == "ds.skoen_min")
    assert text[m.start:m.end] == m.text == "HAR DU skoen min"
    assert m.signal == "drug_sale" and m.strength == "strong"
    assert "sko" in m.literal and m.meaning_nb and m.meaning_en


@pytest.mark.parametrize("variant", ["❄️", "❄", "❄\ufe0e", "❄️❄️"])
def test_emoji_variants_match_the_same_entry(variant):
    assert any(m.text.startswith("❄") for m in risksignals.scan(f"har {variant} til helga"))


@pytest.mark.parametrize("text", ["h4sj til salgs", "h.a.s.j til salgs", "h a s j til salgs", "ha\u200bsj til salgs",
                                  "hаsj til salgs", "HAAASJ til salgs", "ha$j til salgs"])
def test_obfuscated_drug_names_are_found(text):
    ms = risksignals.scan(text)
    hasj = [m for m in ms if m.entry_id == "ds.hasj"]
    assert hasj and text[hasj[0].start:hasj[0].end] == hasj[0].text
    assert "til salgs" in [m.text for m in ms]


MINI = Path(__file__).parent / "data" / "mini_lexicon.toml"


def test_word_boundaries_work_with_norwegian_letters():
    matcher = Lexicon.load([MINI]).matcher

    def mini_ids(text):
        return {m.entry_id for m in matcher.scan(text)}

    assert "t.hasj" not in mini_ids("hasjbrownies og æhasj er ikke ord her")
    assert "t.hasj" in mini_ids("æ har hasj, ø")
    assert "t.hasj" in mini_ids("hasj!")
    # prefix forms (selg*) match inflections but not words that only contain them
    assert "t.selger" in mini_ids("hun selges billig")
    assert "t.selger" not in mini_ids("forselger")


def test_multiword_phrases_and_emoji_sequences():
    assert "pf.sende_folk_pa" in ids("vi må sende folk på han")
    assert "ds.emoji_meny" in ids("🍫🍁🔌")


def test_literal_and_code_usage_both_show_evidence_but_rules_differ():
    from risksignals.models.lexicon import LexiconModel

    model = LexiconModel().fit()
    literal, code = model.predict(["lørdagsgodt 🍫 og brus", "har du skoen min i dag? samme sted kl 22"])
    assert literal[0] == 0 and code[0] == 1


def test_user_pattern_with_catastrophic_backtracking_cannot_hang(tmp_path):
    path = tmp_path / "slow.toml"
    path.write_text(
        "[meta]\nsignal = \"drug_sale\"\n[[entry]]\nid = \"slow.one\"\nsignal = \"drug_sale\"\n"
        "cue = \"sale\"\nstrength = \"weak\"\npatterns = ['(?:[a-z]|[a-z][a-z])+\\d']\n"
        "meaning_nb = \"treg\"\nmeaning_en = \"slow\"\nsource = \"project\"\n", "utf-8")
    lex = Lexicon.load(extra=[path])
    start = time.perf_counter()
    with pytest.warns(RuntimeWarning, match="timed out"):
        ms = lex.matcher.scan("abcdefghijklmnopqrstuvwxyz" * 2 + "! 1 hasj")
    assert time.perf_counter() - start < 3
    assert any(m.entry_id == "ds.hasj" for m in ms)


def test_scan_result_displays_highlighted_html():
    ms = risksignals.scan("selger <b>hasj</b> 🍫")
    page = ms._repr_html_()
    assert "<mark" in page and "&lt;b&gt;" in page  # evidence marked, user text escaped
    assert str(ms).count("\n") == len(ms) - 1


# -- the per-hit loops in C (_hits.c) agree with their Python reference --------------------------
def _forms_alphabet():
    from risksignals.signals.normalize import matching_key

    forms = sorted({matching_key(f.rstrip("*")) for e in Lexicon.load() for f in e.forms})
    return [f for f in forms if f][::7] + ["selgeren", "snapen", "1v1v1", "x", "_", "é", "ø", "5", "-", "🍫🍫"]


_FORM_TOKENS = _forms_alphabet()


def _hits_both_ways(keys, monkeypatch):
    from risksignals.signals import automaton
    from risksignals.signals import matcher as m

    compiled_loops = [require_extension(fn, ref, "risksignals.signals._hits") for fn, ref in (
        (m._word_hits, m._word_hits_py), (m._other_hits, m._other_hits_py), (m._anchor_docs, m._anchor_docs_py))]
    matcher = Lexicon.load().matcher
    compiled = matcher.find_in_keys(keys)
    with monkeypatch.context() as patch:
        patch.setattr(automaton, "COMPILED", False)  # pyahocorasick ...
        patch.setattr(m, "_word_hits", m._word_hits_py)  # ... and the Python loops
        patch.setattr(m, "_other_hits", m._other_hits_py)
        patch.setattr(m, "_anchor_docs", m._anchor_docs_py)
        reference = matcher.find_in_keys(keys)
        patch.setattr(m, "_word_hits", compiled_loops[0])  # the C loops on pyahocorasick's hits
        patch.setattr(m, "_other_hits", compiled_loops[1])
        patch.setattr(m, "_anchor_docs", compiled_loops[2])
        assert matcher.find_in_keys(keys) == reference
    return compiled, reference


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=st.lists(st.lists(st.sampled_from(_FORM_TOKENS), max_size=8).map(
    lambda ws: "".join(w + sep for w, sep in zip(ws, " . -  ,_" * 2))), min_size=1, max_size=6))
def test_compiled_hit_loops_equal_the_reference(keys, monkeypatch):
    compiled, reference = _hits_both_ways(keys, monkeypatch)
    assert compiled == reference


def test_compiled_hit_loops_equal_the_reference_on_the_corpus(monkeypatch):
    from risksignals.datasets import load_examples
    from risksignals.signals.neutral import model_keys

    keys = model_keys(load_examples()["text"].tolist()[:3000])
    compiled, reference = _hits_both_ways(keys, monkeypatch)
    assert compiled == reference and sum(map(len, compiled)) > 3000


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.lists(st.sampled_from(_FORM_TOKENS), max_size=8).map(" ".join), min_size=1, max_size=4))
def test_compiled_evidence_equals_the_reference(keys):
    from risksignals.signals import detector as d

    evidence = require_extension(d._evidence, d._evidence_py, "risksignals.signals._hits")
    for key, hits in zip(keys, Lexicon.load().matcher.find_in_keys(keys)):
        assert evidence(key, hits) == d._evidence_py(key, hits)
        assert evidence(key, hits[::-1]) == d._evidence_py(key, hits[::-1])  # order of equal spans


_NEUTRAL_TOKENS = ["wolla", "bror", "habibi", "på ekte", "ola", "flus", "assa", "x", ",", ".", "!", " ", "  ",
                   "brorsan", "_", "5", "ø", "jalla", "sheesh", "mohammed"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_NEUTRAL_TOKENS), max_size=14).map("".join))
def test_compiled_neutral_words_equal_the_reference(text):
    from risksignals.signals import neutral as n

    replace = require_extension(n._replace_words, n._replace_words_py, "risksignals.signals._hits")
    for which in (0, 1):
        assert replace(text, n._automaton(which)) == n._replace_words_py(text, n._automaton(which))


def test_compiled_loops_equal_the_reference_on_the_corpus(monkeypatch):
    from risksignals.datasets import load_examples
    from risksignals.signals import automaton
    from risksignals.signals import detector as d
    from risksignals.signals import neutral as n

    texts = load_examples()["text"].tolist()[:3000]
    compiled = d.Detector.load("lexicon").classify(texts)
    with monkeypatch.context() as patch:
        patch.setattr(automaton, "COMPILED", False)
        patch.setattr(n, "_replace_words", n._replace_words_py)
        patch.setattr(d, "_evidence", d._evidence_py)
        reference = d.Detector.load("lexicon").classify(texts)
    assert compiled.equals(reference) and (compiled["evidence"] != "").sum() > 1000


_AC_ALPHABET = st.sampled_from(list("aab ba\u00e6\u00f8\u0100\u4e2d") + ["\U0001f36b", "\ue000", "\n"])


@settings(max_examples=400, deadline=None)
@given(keys=st.lists(st.text(_AC_ALPHABET, min_size=1, max_size=5), min_size=1, max_size=12),
       text=st.text(_AC_ALPHABET, max_size=40))
def test_compiled_automaton_finds_what_pyahocorasick_finds(keys, text):
    from risksignals.signals import automaton
    from risksignals.signals.automaton import Automaton

    _hits = require_extension(automaton._hits, None, "risksignals.signals._hits")
    keys = list(dict.fromkeys(keys))  # an automaton's keys are distinct
    a = Automaton([(k, i) for i, k in enumerate(keys)])
    assert _hits.ac_find(a._c, text) == list(a.pyahocorasick().iter(text))


@pytest.mark.parametrize("key, spans", [
    ("selger 🍫 i kveld", [(0, 6, "drug_sale"), (7, 8, "drug_sale"), (0, 6, "drug_sale"), (9, 16, "planned_fight")]),
    ("æøå", [(0, 3, "drøm😀"), (0, 2, "drøm😀"), (1, 3, "x")]),  # a wide signal, a span inside another
    ("abc", [(0, 9, "a"), (-2, 3, "b"), (2, 1, "c")]),  # spans outside the key: Python's slicing
    ("ab ab", [(0, 2, "s"), (3, 5, "s"), (3, 5, "t")]),  # a repeated string is written once
])
def test_compiled_evidence_equals_the_reference_on_odd_hits(key, spans):
    from types import SimpleNamespace

    from risksignals.signals import detector as d

    evidence = require_extension(d._evidence, d._evidence_py, "risksignals.signals._hits")
    hits = [(SimpleNamespace(signal=sig), "form", a, b) for a, b, sig in spans]
    assert evidence(key, hits) == d._evidence_py(key, hits)
