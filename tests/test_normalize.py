"""Normaliser: every obfuscation family, emoji variants, and offsets that always map back."""


import pytest
from hypothesis import given, settings, strategies as st

from risksignals.signals.normalize import matching_key, normalize, tokenize
from cext import require_extension


def key(text):
    return matching_key(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        # casing and NFKC (full-width, ligatures, mathematical bold)
        ("HASJ", "hasj"),
        ("ＨＡＳＪ", "hasj"),
        ("𝐡𝐚𝐬𝐣", "hasj"),
        # elongation
        ("godiiiiis", "godis"),
        ("GODIIIS!!!", "godis!"),
        # leetspeak
        ("g0d1s", "godis"),
        ("h4sj", "hasj"),
        ("ha$j", "hasj"),
        ("k0k41n", "kokain"),
        ("m0lly", "moly"),
        ("h@sj", "hasj"),
        # separators inside words
        ("s e l g e r", "selger"),
        ("h.a.s.j", "hasj"),
        ("h-a-s-j", "hasj"),
        ("h_a_s_j", "hasj"),
        ("h . a . s . j", "hasj"),
        ("g 0 d 1 s", "godis"),
        # zero-width and format characters
        ("ha\u200bsj", "hasj"),
        ("h\u200da\u200csj", "hasj"),
        ("ha\u00adsj", "hasj"),
        ("\ufeffhasj", "hasj"),
        # homoglyphs (Cyrillic а, о; Greek ο)
        ("hаsj", "hasj"),
        ("gоdis", "godis"),
        ("kοkain", "kokain"),
        # whitespace
        ("  selger \n\n hasj\t", "selger hasj"),
    ],
)
def test_obfuscation_families_collapse(text, expected):
    assert key(text) == expected


@pytest.mark.parametrize(
    "text",
    ["kl 19:30", "1v1", "2v2", "200kr", "3g", "kl19", "2019", "150,-", "5-0", "12.05.2024"],
)
def test_numbers_that_carry_meaning_are_left_alone(text):
    assert key(text) == text


def test_norwegian_letters_are_not_ascii_folded():
    assert key("Kæm Ø Åsen") == "kæm ø åsen"
    n = normalize("BÆRUM")
    assert n.key == "bærum"


@pytest.mark.parametrize(
    "variant", ["❄️", "❄", "❄\ufe0e", "❄️❄️❄️"],
)
def test_emoji_variation_selectors_and_repeats(variant):
    assert key(variant) == "❄"


@pytest.mark.parametrize("tone", ["", "\U0001F3FB", "\U0001F3FC", "\U0001F3FD", "\U0001F3FE", "\U0001F3FF"])
def test_skin_tones_are_removed(tone):
    assert key("👊" + tone) == "👊"


def test_emoji_zwj_sequences_stay_intact():
    family = "👨\u200d👩\u200d👧"
    assert key(family) == family
    assert [t for t, _, _ in tokenize(key("se " + family + " her"))] == ["se", family, "her"]
    # a ZWJ between letters is an obfuscation, not an emoji sequence
    assert key("h\u200dasj") == "hasj"


def test_single_letter_words_are_not_joined():
    # "d e bra" = "det er bra": fewer than four spaced single letters stay apart
    assert key("d e bra") == "d e bra"
    assert key("a, b") == "a, b"


def test_offsets_point_at_the_original_obfuscated_word():
    text = "Selger G0D1IIS i d\u200bag, s e l g e r h.a.s.j 🍫\ufe0f👍🏽"
    n = normalize(text)
    spans = {tok: n.original_text(a, b) for tok, a, b in tokenize(n.key)}
    assert spans["godis"] == "G0D1IIS"
    assert spans["dag"] == "d\u200bag"
    assert spans["hasj"] == "h.a.s.j"
    assert spans["🍫"] == "🍫\ufe0f"
    assert spans["👍"] == "👍🏽"


def test_fast_and_offset_paths_agree_on_examples():
    for text in ["Har du SKOEN min?? 🍫🍫", "s e l g e r", "ß ﬁ İ", "a\u0301b", "x" * 50]:
        assert normalize(text).key == matching_key(text)


# -- property-based: arbitrary Unicode never crashes and spans map back inside the original --
@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_unicode_offsets_map_inside_original(text):
    n = normalize(text)
    assert n.key == matching_key(text)
    assert len(n.starts) == len(n.ends) == len(n.key)
    for a, b in zip(n.starts, n.ends):
        assert 0 <= a < b <= len(text)
    for tok, ks, ke in tokenize(n.key):
        a, b = n.original_span(ks, ke)
        assert 0 <= a <= b <= len(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("hasjgodi 0134$@.-_ ❄🍫\ufe0f\u200b\u200dаоΑß🏽👨\n")), max_size=40).map("".join))
def test_obfuscation_alphabet_offsets_are_monotone(text):
    n = normalize(text)
    assert n.key == matching_key(text)
    assert list(n.starts) == sorted(n.starts)
    for a, b in zip(n.starts, n.ends):
        assert 0 <= a < b <= len(text)


# -- the compiled steps (C) equal the reference regex steps ---------------------------------
_TRICKY = list("ab cdeé5031$@€._-*|/·•+~,!  \t\n\u00a0xyzæøå2²١٢_🍫🍁ℹ\ue000A") + ["\u200d", "🏻", "1v1", "s e l g e r"]


def _reference_steps(text):
    from risksignals.signals.normalize import _SUB_STEPS

    for pattern, repl, _fast in _SUB_STEPS:
        text = pattern.sub(repl, text)
    return text


def _compiled_steps():
    from risksignals.signals import normalize as n

    return require_extension(n._key_steps, n._key_steps_py, "risksignals.signals._keysteps")


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from(_TRICKY), max_size=30).map("".join)))
def test_compiled_key_steps_equal_the_reference(text):
    assert _compiled_steps()(text) == _reference_steps(text)


@pytest.mark.parametrize("text", [
    "S e l g e r!", "a.b.cd", "a . b . c . d", "x.y.z1", "_5$\u0662xæ", "h4$j", "2@b", "é@3a", "g0000d",
    "1v1", "12a", "ab12", "a1", "€uro", "!!!??", "🍫🍫🍁🍁", "\u2139\u2139", "a__b",
])
def test_compiled_key_steps_edge_cases(text):
    assert _compiled_steps()(text) == _reference_steps(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_compiled_words_only_equals_the_reference(text):
    from risksignals.signals import matcher

    words_only = require_extension(matcher._words_only, matcher._words_only_py, "risksignals.signals._keysteps")
    assert words_only(text) == matcher._words_only_py(text)


INVISIBLE = set("\u200b\u200c\u2060\ufeff\u00ad\ufe0f\ufe0e") | {chr(c) for c in range(0x1F3FB, 0x1F400)}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_key_has_no_invisible_characters_or_capitals(text):
    k = matching_key(text)
    assert not (set(k) & INVISIBLE)
    assert k == k.casefold() or not k.isascii()
    assert "  " not in k and k == k.strip(" ")


def test_without_the_extension_keys_are_identical(monkeypatch):
    # a machine without a C compiler uses the regex steps: same keys on the whole corpus
    from risksignals.datasets import load_examples
    from risksignals.signals import normalize as n

    texts = load_examples()["text"].tolist()
    compiled = n.matching_keys(texts)
    monkeypatch.setattr(n, "_key_steps", n._key_steps_py)
    assert n.matching_keys(texts) == compiled
    assert [n.matching_key(t) for t in texts[:500]] == compiled[:500]


_NAMEISH = list("Oola Ååse-Li ,.(«\"'!?\n\t5_²ǅĲϒ🅰🅱İ") + [" Ola", " ÆØÅ", " Mohammed", " Jean-Luc", "Ayşe", "ABC"]


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(st.sampled_from(_NAMEISH), max_size=20).map("".join)))
def test_compiled_name_candidates_equal_the_reference(text):
    from risksignals.signals import neutral

    scan = require_extension(neutral._name_candidates, neutral._name_candidates_py, "risksignals.signals._keysteps")
    assert scan(text) == neutral._name_candidates_py(text)
