"""The example corpus: sizes, balance, hard negatives, and splits that measure generalisation."""

import pandas as pd
import pytest

from risksignals.datasets import EXAMPLE_COLUMNS, load_examples, load_labelled
from risksignals.datasets.build import NEAR_DUP_THRESHOLD, build_corpus, near_duplicate_pairs
from risksignals.errors import InputError
from risksignals.labels import LABELS
from risksignals.signals.normalize import matching_key


@pytest.fixture(scope="module")
def corpus():
    return load_examples()


def test_sizes_and_balance(corpus):
    assert list(corpus.columns) == list(EXAMPLE_COLUMNS)
    assert len(corpus) >= 3000
    for label in LABELS:
        assert corpus[label].sum() >= 400, label
        assert set(corpus[label].unique()) <= {0, 1}
    none = corpus[list(LABELS)].sum(axis=1) == 0
    assert none.mean() >= 0.35
    hard = none & corpus["slice"].str.startswith(("neg", "tpl_neg", "contrast", "second_hard", "neg3"))
    assert hard.sum() / none.sum() >= 0.6  # most no-signal texts are hard negatives
    assert (corpus[list(LABELS)].sum(axis=1) >= 2).sum() >= 100  # multi-label texts
    hand = corpus["source"].str.startswith("hand:")
    assert hand.mean() >= 0.5  # a substantial share is written by hand
    for split in ("train", "dev", "test"):
        part = corpus[corpus.split == split]
        assert all(part[label].sum() >= 60 for label in LABELS), split


def test_varieties_and_phenomena_are_present(corpus):
    text = corpus["text"].str.lower()
    assert text.str.contains(r"\b(?:eg|ikkje|kven|noko)\b").sum() >= 100  # Nynorsk / dialect
    assert text.str.contains(r"\b(?:wolla|wallah|bror|habibi|flus)\b").sum() >= 100  # multiethnolect
    assert text.str.contains("\u200b").sum() >= 5  # zero-width obfuscation
    assert text.str.contains(r"(?:\w \w \w \w)|\w\.\w\.\w").sum() >= 10  # spaced letters
    assert corpus["slice"].nunique() >= 60


def test_template_never_spans_two_splits(corpus):
    tpl = corpus[corpus.source.str.startswith("tpl:")]
    assert tpl.groupby("source")["split"].nunique().max() == 1


def test_no_exact_or_near_duplicates_between_test_and_train(corpus):
    train = corpus[corpus.split == "train"]["text"].tolist()
    test = corpus[corpus.split == "test"]["text"].tolist()
    assert not {matching_key(t) for t in test} & {matching_key(t) for t in train}
    assert near_duplicate_pairs(test, train, threshold=NEAR_DUP_THRESHOLD) == []


def test_the_shipped_file_is_what_the_builder_makes(corpus):
    rows = build_corpus()
    rebuilt = pd.DataFrame({"text": [r.text for r in rows], "split": [r.split for r in rows]})
    assert rebuilt["text"].tolist() == corpus["text"].tolist()
    assert rebuilt["split"].tolist() == corpus["split"].tolist()


def test_no_identifiers_in_the_corpus(corpus):
    from risksignals.privacy import scrub_text

    public = ("ung.no", "politiet.no", "nrk.no", "116111.no", "helsenorge.no")  # public services, not people
    changed = [t for t in corpus["text"] if scrub_text(t) != t and not any(p in t for p in public)]
    assert changed == []


def test_load_examples_by_split(corpus):
    test = load_examples("test")
    assert len(test) == (corpus.split == "test").sum()
    with pytest.raises(Exception, match="split must be"):
        load_examples("validation")


def test_load_labelled_accepts_common_spellings(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text("tekst,drug_sale,planned_fight\nhar du skoen min,ja,0\nhei,nei,1\n", "utf-8")
    df = load_labelled(p, text_column="tekst")
    assert df["drug_sale"].tolist() == [1, 0] and df["planned_fight"].tolist() == [0, 1]
    assert "text" in df.columns


@pytest.mark.parametrize(
    "content, kwargs, message",
    [
        ("text,drug_sale\nhei,2\n", {}, "has '2' in row 1"),
        ("text,doping\nhei,1\n", {"label_columns": ["doping"]}, "unknown label"),
        ("text,drug_sale\nhei,1\nhei,0\n", {}, "conflicting labels"),
        ("text,drug_sale\n,1\n", {}, "empty text"),
        ("tekst,drug_sale\nhei,1\n", {}, "text column 'text' not found"),
        ("text,other\nhei,1\n", {}, "no label columns"),
    ],
)
def test_load_labelled_errors_are_clear(tmp_path, content, kwargs, message):
    p = tmp_path / "bad.csv"
    p.write_text(content, "utf-8")
    with pytest.raises(InputError, match=message):
        load_labelled(p, **kwargs)
