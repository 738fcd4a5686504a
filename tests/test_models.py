"""Models: linear and transformer round trips, safe formats, the shipped default offline."""

import socket

import numpy as np
import pandas as pd
import pytest

from risksignals.datasets import load_examples
from risksignals.labels import LABELS
from risksignals.models.linear import LinearModel
from risksignals.signals.detector import Detector, classify_chunk


@pytest.fixture(scope="module")
def corpus():
    return load_examples()


@pytest.fixture(scope="module")
def small(corpus):
    train = corpus[corpus.split == "train"].sample(600, random_state=1)
    dev = corpus[corpus.split == "dev"].sample(200, random_state=1)
    return train, dev


def test_linear_fit_save_load_predict_round_trip(small, tmp_path):
    train, dev = small
    model = LinearModel(C=8.0).fit(train.text.tolist(), train[list(LABELS)].to_numpy(),
                                   dev_texts=dev.text.tolist(), dev_y=dev[list(LABELS)].to_numpy())
    texts = ["selger hasj 150 per g snap meg", "1v1 bak skolen kl 15", "lørdagsgodt 🍫"]
    before = model.predict_proba(texts)
    model.save(tmp_path / "m")
    files = sorted(p.name for p in (tmp_path / "m").iterdir())
    assert files == ["model.json", "weights.npz"]
    with np.load(tmp_path / "m" / "weights.npz", allow_pickle=False) as z:  # no object arrays inside
        assert all(z[k].dtype != object for k in z.files)
    loaded = LinearModel.load(tmp_path / "m")
    assert np.allclose(loaded.predict_proba(texts), before, atol=1e-6)
    assert loaded.thresholds_ == model.thresholds_
    assert before[0, 0] > 0.5 and before[2, 0] < before[0, 0]
    assert set(model.thresholds_) == set(LABELS) and all(0.05 <= t <= 0.95 for t in model.thresholds_.values())


def test_linear_refuses_a_label_with_one_class(small):
    train, _ = small
    y = train[list(LABELS)].to_numpy().copy()
    y[:, 0] = 0
    with pytest.raises(Exception, match="only one value"):
        LinearModel().fit(train.text.tolist(), y)


def test_default_model_loads_and_predicts_with_the_network_disabled(monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    det = Detector.default()
    assert det.name == "linear"
    out = det.classify(["har du skoen min i dag? 150 per g", "mamma dreper meg lol"])
    assert out["drug_sale"].tolist() == [1, 0]


def test_default_beats_lexicon_and_halves_hard_negative_false_positives(corpus):
    from risksignals.evaluation.report import evaluate

    test = corpus[corpus.split == "test"].reset_index(drop=True)
    results, skipped = evaluate(test, ["lexicon", "default"], n_boot=0, suite=False)
    lex, default = results
    assert default.metrics["macro_f1"].value > lex.metrics["macro_f1"].value + 0.05
    assert default.hard_negatives["texts_flagged"] <= lex.hard_negatives["texts_flagged"] / 2


def test_batch_function_is_pure_and_chunk_independent():
    det = Detector.load("lexicon")
    df = pd.DataFrame({"id": range(6), "text": ["selger hasj 200kr", None, "1v1 kl 15 bak skolen", "",
                                                 "send videoen av julinga 😂", "hei"]})
    whole = classify_chunk(df, text_column="text", detector=det)
    parts = pd.concat([classify_chunk(df.iloc[i:i + 2], text_column="text", detector=det) for i in range(0, 6, 2)])
    pd.testing.assert_frame_equal(whole, parts)
    assert df["text"].tolist()[0] == "selger hasj 200kr"  # input untouched
    # the same function runs per partition, as dask.dataframe.map_partitions would call it
    assert whole["error"].tolist() == ["", "missing text", "", "empty text", "", ""]


def test_classify_result_shows_highlighted_html_in_notebooks():
    out = Detector.load("lexicon").classify(["selger hasj 🍫 snap meg"])
    page = out.to_html_highlighted()
    assert "<mark" in page and "drug_sale" in page


def test_transformer_model_names_are_refused_offline_with_a_hint():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from risksignals.errors import RisksignalsError
    from risksignals.models.transformer import load_base

    with pytest.raises(RisksignalsError, match="huggingface-cli download NbAiLab/nb-bert-base"):
        load_base("NbAiLab/nb-bert-base", num_labels=3)


def _tiny_round_trip(tmp_path, corpus, steps, epochs):
    from risksignals.models.transformer import TrainConfig, TransformerModel, build_tiny_base

    train = corpus[corpus.split == "train"]
    dev = corpus[corpus.split == "dev"]
    base = build_tiny_base(train.text.tolist(), tmp_path / "tiny", vocab_size=800, hidden_size=32,
                           num_layers=1, num_heads=2)
    cfg = TrainConfig(epochs=epochs, batch_size=32, learning_rate=2e-3, max_steps=steps, max_length=64, seed=3)
    model = TransformerModel(str(base), config=cfg)
    model.fit(train.text.tolist(), train[list(LABELS)].to_numpy(), dev_texts=dev.text.tolist()[:200],
              dev_y=dev[list(LABELS)].to_numpy()[:200])
    model.save(tmp_path / "ft")
    return model, dev


def test_transformer_fine_tune_save_load_predict(tmp_path, corpus):
    pytest.importorskip("torch")
    from risksignals.models.transformer import TransformerModel

    model, dev = _tiny_round_trip(tmp_path, corpus, steps=6, epochs=1)
    files = {p.name for p in (tmp_path / "ft").iterdir()}
    assert "model.safetensors" in files and not {f for f in files if f.endswith((".bin", ".pt", ".pkl"))}
    loaded = TransformerModel.load(tmp_path / "ft")
    texts = dev.text.tolist()[:5]
    assert np.allclose(loaded.predict_proba(texts), model.predict_proba(texts), atol=1e-5)
    assert model.history_[0]["steps"] == 6
    det = Detector(loaded)
    assert list(det.classify(texts).columns[-8:-2]) == [*LABELS, *[f"{x}_score" for x in LABELS]][-6:]


@pytest.mark.slow
def test_transformer_learns_something_in_a_few_epochs(tmp_path, corpus):
    pytest.importorskip("torch")
    model, dev = _tiny_round_trip(tmp_path, corpus, steps=None, epochs=6)
    from risksignals.models.train import dev_report

    rep = dev_report(model.predict_proba(dev.text.tolist()[:200]), dev[list(LABELS)].to_numpy()[:200],
                     model.thresholds_, LABELS)
    assert rep["macro_f1"] > 0.5
    assert model.history_[-1]["train_loss"] < model.history_[0]["train_loss"]


def test_compiled_hit_entries_equal_the_reference():
    from cext import require_extension

    from risksignals.lexicons import Lexicon
    from risksignals.models import lexicon as lx
    from risksignals.signals.neutral import model_keys

    fn = require_extension(lx._hit_entries, lx._hit_entries_py, "risksignals.signals._hits")
    lexicon = Lexicon.load()
    hits = lexicon.matcher.find_in_keys(model_keys(load_examples()["text"].tolist()[:2000]))
    index = {e.id: i for i, e in enumerate(lexicon.entries) if i % 5}  # some entries unknown: -1
    for got, want in zip(fn(hits, index), lx._hit_entries_py(hits, index)):
        assert got.tolist() == want.tolist() and len(got) > 2000
    assert [a.tolist() for a in fn([[], []], index)] == [[], []]
