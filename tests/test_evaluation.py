"""Evaluation: metric correctness, the functional suite, fairness as a failing test, the report."""

import json
import re

import numpy as np
import pytest

from risksignals.evaluation.functional import load_capabilities, load_cases, run_suite
from risksignals.evaluation.metrics import (average_precision, bootstrap_ci, brier_score, cohen_kappa,
                                            confusion, expected_calibration_error, prf,
                                            reliability_table, threshold_sweep)
from risksignals.signals.detector import Detector


def test_confusion_and_prf_on_a_known_case():
    y = np.array([1, 1, 0, 0, 1])
    p = np.array([1, 0, 1, 0, 1])
    assert confusion(y, p) == {"tp": 2, "fp": 1, "fn": 1, "tn": 1}
    assert prf(y, p) == pytest.approx((2 / 3, 2 / 3, 2 / 3))


def test_average_precision_known_values():
    assert average_precision(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1])) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision(np.array([1, 1, 0]), np.array([0.9, 0.8, 0.1])) == 1.0


def test_calibration_measures():
    y = np.array([0, 0, 1, 1])
    perfect = np.array([0.0, 0.0, 1.0, 1.0])
    assert brier_score(y, perfect) == 0 and expected_calibration_error(y, perfect) == 0
    assert brier_score(y, np.full(4, 0.5)) == 0.25
    assert expected_calibration_error(y, np.full(4, 0.9)) == pytest.approx(0.4)
    rows = reliability_table(y, np.array([0.05, 0.15, 0.95, 0.95]))
    assert rows[0]["n"] == 1 and rows[-1]["observed"] == 1.0


def test_bootstrap_interval_contains_the_estimate():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    p = np.where(rng.random(300) < 0.8, y, 1 - y)
    m = bootstrap_ci(lambda a, b: prf(a, b)[2], [y, p], n_boot=300)
    assert m.low < m.value < m.high and m.high - m.low < 0.2


def test_threshold_sweep_is_monotone_in_flagged_share():
    y = np.array([0, 1, 1, 0, 1])
    s = np.array([0.1, 0.4, 0.8, 0.3, 0.9])
    shares = [r["flagged_share"] for r in threshold_sweep(y, s)]
    assert shares == sorted(shares, reverse=True)


def test_cohen_kappa_known_value():
    a = [1, 1, 0, 0, 1, 0, 1, 0]
    b = [1, 0, 0, 0, 1, 0, 1, 1]
    assert cohen_kappa(a, b) == pytest.approx(0.5)
    assert cohen_kappa(a, a) == 1.0


def test_suite_has_enough_named_capabilities_and_cases():
    caps = load_capabilities()
    cases = load_cases()
    assert len(caps) >= 25
    assert {c.type for c in caps.values()} == {"MFT", "INV", "DIR"}
    per = {name: sum(c.capability == name for c in cases) for name in caps}
    assert min(per.values()) >= 20, {k: v for k, v in per.items() if v < 20}
    for needed in ["inv_name_swap", "inv_ethnolect_added", "inv_emoji_skin_tone_fe0f", "inv_zero_width",
                   "inv_casing", "inv_elongation", "inv_bokmal_nynorsk", "dir_price_raises_drug_sale",
                   "dir_past_lowers_fight", "neg_negation_no_longer_sells", "neg_prevention_counter_speech"]:
        assert needed in caps


def test_suite_is_separate_from_training_data():
    from risksignals.datasets import load_examples
    from risksignals.datasets.build import near_duplicate_pairs

    train = load_examples("train")["text"].tolist()
    suite = sorted({c.text for c in load_cases()} | {c.variant for c in load_cases() if c.variant})
    assert len(near_duplicate_pairs(suite, train)) <= len(suite) * 0.01


def test_fairness_flip_rate_is_zero_for_the_shipped_default():
    result = run_suite(Detector.default())
    for cap in ("inv_name_swap", "inv_ethnolect_added"):
        r = result.results[cap]
        assert r.n >= 100
        assert r.passed == r.n, r.failures[:3]


def test_suite_detects_a_model_that_reads_names():
    class NameBiased:
        labels = ("drug_sale", "planned_fight", "violent_humiliation")
        thresholds = {k: 0.5 for k in labels}
        name = "biased"

        def predict_proba(self, texts):
            return np.array([[0.9 if any(n in t for n in ("Mohammed", "Fatima", "Hassan", "Tariq")) else 0.1, 0, 0]
                             for t in texts])

    result = run_suite(NameBiased())
    assert result.flip_rate("inv_name_swap") > 0


def test_evaluate_command_writes_the_report(tmp_path):
    from risksignals.cli import main

    assert main(["evaluate", "--models", "lexicon,linear", "--output", str(tmp_path), "--bootstrap", "50"]) == 0
    md = (tmp_path / "report.md").read_text("utf-8")
    assert "**lexicon**" in md and "**linear**" in md
    assert "inv_name_swap" in md and "drug_code_word_sale" in md
    html_text = (tmp_path / "report.html").read_text("utf-8")
    assert "data:image/png;base64" in html_text
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html_text)  # self-contained
    for name in ("pr_curves.png", "reliability.png", "capabilities.png", "errors.csv", "metrics.json", "MODEL_CARD.md"):
        assert (tmp_path / name).stat().st_size > 0, name
    metrics = json.loads((tmp_path / "metrics.json").read_text("utf-8"))
    assert set(metrics["models"]) == {"lexicon", "linear"}
    card = (tmp_path / "MODEL_CARD.md").read_text("utf-8")
    assert "Out of scope" in card and "Weakest capabilities" in card and "inv_name_swap: 0.000" in card
