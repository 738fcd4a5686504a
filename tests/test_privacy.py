"""Privacy guard: identifiers scrubbed, false positives left alone, identifying columns dropped."""

import random

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from risksignals.privacy import (
    PLACEHOLDERS, ScrubReport, drop_identifier_columns, is_identifier_column, scrub, scrub_series,
    valid_account_number, valid_fodselsnummer,
)
from privacy_fill import filled_cases, synthetic_account, synthetic_fnr


@pytest.mark.parametrize(
    "text, placeholder",
    [
        ("ring meg 91234567", "<TELEFON>"),
        ("ring meg 912 34 567", "<TELEFON>"),
        ("ring meg 91 23 45 67", "<TELEFON>"),
        ("ring meg +47 912 34 567", "<TELEFON>"),
        ("ring meg 0047 91234567", "<TELEFON>"),
        ("ring meg (+47) 41 23 45 67", "<TELEFON>"),
        ("mail meg på ola.n@example.no", "<EPOST>"),
        ("sjekk https://example.com/side?x=1", "<URL>"),
        ("sjekk www.eksempel.no", "<URL>"),
        ("add meg på snap: jonas_2009", "<BRUKERNAVN>"),
        ("snap: emmaxo", "<BRUKERNAVN>"),
        ("følg @lil.ali", "<BRUKERNAVN>"),
        ("min snap er sara123", "<BRUKERNAVN>"),
        ("legg til tobbe på snap", "<BRUKERNAVN>"),
        ("vipps #123456", "<VIPPS>"),
        ("vippsnr 55123", "<VIPPS>"),
    ],
)
def test_each_identifier_family_is_scrubbed(text, placeholder):
    out, report = scrub(text)
    assert placeholder in out
    assert sum(report.counts.values()) >= 1


def test_fodselsnummer_and_account_are_told_apart_by_checksum():
    rng = random.Random(3)
    fnr = synthetic_fnr(rng)
    acct = synthetic_account(rng)
    assert valid_fodselsnummer(fnr)
    out, _ = scrub(f"fnr {fnr} og konto {acct[:4]}.{acct[4:6]}.{acct[6:]}")
    assert PLACEHOLDERS["fnr"] in out and fnr not in out
    assert PLACEHOLDERS["account"] in out or not valid_account_number(acct)
    # an 11-digit number with wrong control digits is not a fødselsnummer
    bad = fnr[:9] + str((int(fnr[9]) + 1) % 10) + fnr[10]
    assert not valid_fodselsnummer(bad)


@pytest.mark.parametrize(
    "text",
    [
        "selger ps5 2000kr", "kl 19:30 bak skolen", "1v1 kl 15", "vi vant 5-0", "født i 2009",
        "12.05.2024 er eksamen", "150 per g", "1 000 000 views", "20.30-22.00 på fredag",
        "snap meg når du er hjemme", "snap er nede igjen", "min insta er privat",
        "add meg på snap: <BRUKERNAVN>", "ring <TELEFON>", "vipps 1500 til meg", "buss 31 kl 8",
    ],
)
def test_false_positives_are_left_alone(text):
    assert scrub(text)[0] == text


def test_scrub_recall_and_precision_on_the_written_test_set():
    found = total = trap_total = trap_changed = 0
    for kind, text, values in filled_cases():
        out, _ = scrub(text)
        if kind == "trap":
            trap_total += 1
            trap_changed += out != text
            continue
        for _kind, value in values:
            total += 1
            found += value not in out
    assert total > 400 and trap_total > 100
    assert found / total >= 0.97
    assert trap_changed / trap_total <= 0.03


def test_report_counts_kinds_never_values():
    report = ScrubReport()
    s = scrub_series(pd.Series(["ring 91234567", "hei", None, "snap: emmaxo"]), report)
    assert s.tolist()[1] == "hei" and pd.isna(s.tolist()[2])
    d = report.as_dict()
    assert d["phone"] == 1 and d["handle"] == 1 and d["texts_changed"] == 2
    assert "91234567" not in str(report) and "emmaxo" not in str(report)


def test_batch_scrubbing_equals_per_text_when_lowercasing_changes_length():
    # "İ".lower() is two characters: the batch gates must still find the right texts
    texts = ["İ" * 40, "ring meg på 912 34 567", "İstanbul snap: kul_gutt99", "mitt e tobbe_99", "hei"]
    batch = scrub_series(pd.Series(texts)).tolist()
    assert batch == [scrub(t)[0] for t in texts]
    assert "912 34 567" not in batch[1] and "kul_gutt99" not in batch[2] and "tobbe_99" not in batch[3]


def _scrub_without_gates(text: str) -> str:
    from collections import Counter

    from risksignals.privacy import _STEPS, _repl_for

    counts: Counter = Counter()
    for kind, pattern, _gate, level in _STEPS:
        text = pattern.sub(_repl_for(kind, level, counts), text)
    return text


_GATE_WORDS = ["snap", "SC", "insta", "på", "PÅ", "on", "min", "mitt", "mi", "er", "e", "@", "[at]", "add",
               "legg til", "heter", "vipps", "nr", "+47", "912", "34", "567", "0101", "12345", "www.",
               "x.no", "½", "ß", "K", "²", "é", "tobbe_99", "snapchat", "instagram", "ON", "https://", "(at)",
               "kul.gutt", "Ola", ":", "-", "\n", " ", "  ", "\t", "İ", "ſnap", "=", "->", "is", "ny", "følg",
               "FØLG", "follow", "finn", "\r", "\u2028", "snapen", "my"]


@pytest.fixture(params=["compiled", "regex"])
def gate_engine(request, monkeypatch):
    """Both ways of finding the gates: the C automaton for the literal ones, or regexes only."""
    from risksignals import privacy

    if request.param == "regex":
        monkeypatch.setattr(privacy, "_bounded_hits", None)
    elif privacy._bounded_hits is None:
        pytest.skip("C module not built")
    return request.param


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.sampled_from(_GATE_WORDS), max_size=14).map(" ".join))
def test_gates_never_skip_a_step_that_would_change_the_text(text, gate_engine):
    # a gate is a cheap necessary condition: skipping the texts without it changes nothing
    assert scrub(text)[0] == _scrub_without_gates(text)
    assert scrub_series(pd.Series([text, "hei"])).tolist()[0] == _scrub_without_gates(text)


def test_gates_are_necessary_on_the_written_cases(gate_engine):
    texts = [text for _kind, text, _values in filled_cases()]
    assert [scrub(t)[0] for t in texts] == [_scrub_without_gates(t) for t in texts]
    assert scrub_series(pd.Series(texts)).tolist() == [_scrub_without_gates(t) for t in texts]


@pytest.mark.parametrize("name", ["author", "User", "username", "user_id", "Author Name", "screenName",
                                  "phone", "tlf", "E-post", "email", "handle", "navn", "avsender", "fnr"])
def test_identifier_columns_are_recognised(name):
    assert is_identifier_column(name)


@pytest.mark.parametrize("name", ["id", "text", "tekst", "date", "dato", "platform", "area", "label",
                                  "school_level", "row_id", "message_id"])
def test_row_keys_and_coarse_columns_are_kept(name):
    assert not is_identifier_column(name)


def test_drop_identifier_columns_warns_in_one_line(capsys):
    df = pd.DataFrame({"id": [1], "author": ["x"], "text": ["hei"], "Phone": ["1"]})
    out = drop_identifier_columns(df, keep=["text"])
    assert list(out.columns) == ["id", "text"]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "author" in err and "Phone" in err
