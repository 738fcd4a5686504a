"""Trend statistics: adjustment, intervals, small-cell suppression, refusals, plots."""

import numpy as np
import pandas as pd
import pytest

from risksignals.errors import InputError
from risksignals.prevalence import (ALL_GROUPS, Rates, adjusted_prevalence, suppress, trends,
                                wilson_interval)


def test_adjusted_prevalence_recovers_a_known_prevalence_better_than_counting():
    rng = np.random.default_rng(1)
    tpr, fpr = 0.8, 0.1
    raw_err, adj_err = [], []
    for true_p in (0.02, 0.1, 0.3, 0.5):
        y = rng.random(20_000) < true_p
        flagged = np.where(y, rng.random(len(y)) < tpr, rng.random(len(y)) < fpr)
        p = flagged.mean()
        raw_err.append(abs(p - true_p))
        adj_err.append(abs(float(adjusted_prevalence(p, tpr, fpr)) - true_p))
    assert max(adj_err) < 0.01
    assert sum(adj_err) < sum(raw_err) / 5


def test_adjustment_is_clipped_and_skipped_for_useless_classifiers():
    assert adjusted_prevalence(0.05, 0.8, 0.1) == 0.0
    assert adjusted_prevalence(0.99, 0.8, 0.1) == 1.0
    assert adjusted_prevalence(0.3, 0.5, 0.48) == 0.3


def test_wilson_interval():
    lo, hi = wilson_interval(np.array([5]), np.array([10]))
    assert lo[0] == pytest.approx(0.2366, abs=1e-3) and hi[0] == pytest.approx(0.7634, abs=1e-3)


def _table(rows):
    t = pd.DataFrame(rows, columns=["period", "platform", "label", "n_texts", "n_flagged"])
    for c in ("prevalence", "prevalence_adjusted", "ci_low", "ci_high"):
        t[c] = 0.1
    return t


def test_primary_suppression():
    t = suppress(_table([("2025-01", ALL_GROUPS, "drug_sale", 4, 0), ("2025-02", ALL_GROUPS, "drug_sale", 50, 3),
                         ("2025-03", ALL_GROUPS, "drug_sale", 50, 0), ("2025-04", ALL_GROUPS, "drug_sale", 50, 7)]),
                 group_column="platform")
    assert t["suppressed"].tolist() == [True, True, False, False]
    assert t.loc[0, "n_flagged"] is pd.NA and pd.isna(t.loc[1, "prevalence"])
    assert t.loc[3, "n_flagged"] == 7


def test_secondary_suppression_hides_a_second_cell_next_to_a_published_total():
    rows = [("2025-01", "snap", "drug_sale", 40, 2), ("2025-01", "tiktok", "drug_sale", 40, 10),
            ("2025-01", "insta", "drug_sale", 40, 12), ("2025-01", ALL_GROUPS, "drug_sale", 120, 24)]
    t = suppress(_table(rows), group_column="platform")
    hidden = t[t["suppressed"]]["platform"].tolist()
    assert "snap" in hidden and len(hidden) == 2  # the smallest other cell goes too
    assert not t[t.platform == ALL_GROUPS]["suppressed"].iloc[0]
    # nothing left to derive: total minus visible cells leaves two unknowns
    visible = t[(t.platform != ALL_GROUPS) & ~t.suppressed]["n_flagged"].sum()
    assert (t[t.platform == ALL_GROUPS]["n_flagged"].iloc[0] - visible) == 12


def test_minimum_cell_can_only_go_up():
    with pytest.raises(InputError, match="only be raised"):
        suppress(_table([]), min_cell=3)


def _frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    pos = ["selger hasj 150 per g snap meg", "1v1 bak skolen kl 15 kom alene", "send videoen av julinga 😂 spre den"]
    neg = ["hvem blir med på kino i kveld", "lørdagsgodt 🍫", "trening kl 18 i hallen"]
    texts = [pos[i % 3] if rng.random() < 0.3 else neg[i % 3] for i in range(n)]
    dates = pd.date_range("2025-01-01", periods=n, freq="19h")
    return pd.DataFrame({"text": texts, "date": dates.astype(str),
                         "platform": rng.choice(["snap", "tiktok"], n), "author": "x"})


def test_trends_api_columns_and_values():
    from risksignals.signals.detector import Detector

    df = _frame()
    t = trends(df, text_column="text", date_column="date", freq="M", detector=Detector.load("lexicon"),
               rates={"drug_sale": Rates(0.9, 0.05), "planned_fight": Rates(0.9, 0.05),
                      "violent_humiliation": Rates(0.9, 0.05)})
    for c in ["period", "label", "n_texts", "n_flagged", "prevalence", "prevalence_adjusted", "ci_low",
              "ci_high", "suppressed"]:
        assert c in t.columns
    shown = t[~t["suppressed"]]
    assert len(shown) > 0
    assert ((shown["ci_low"] <= shown["prevalence_adjusted"]) & (shown["prevalence_adjusted"] <= shown["ci_high"])).all()
    assert (shown["n_texts"] >= 5).all()
    assert (t[t["suppressed"]]["n_flagged"].isna()).all()


def test_trends_refuses_identifier_and_fine_grained_group_columns():
    df = _frame()
    with pytest.raises(InputError, match="identifies people"):
        trends(df, text_column="text", date_column="date", by="author")
    df["school"] = [f"s{i}" for i in range(len(df))]
    with pytest.raises(InputError, match="coarse"):
        trends(df, text_column="text", date_column="date", by="school")


def test_trends_cli_writes_csv_and_plot(tmp_path, capsys):
    from risksignals.cli import main

    src = tmp_path / "in.csv"
    _frame(600).to_csv(src, index=False)
    out, png = tmp_path / "trends.csv", tmp_path / "trends.png"
    assert main(["trends", str(src), "--text-column", "text", "--date-column", "date", "--freq", "M",
                 "--by", "platform", "--output", str(out), "--plot", str(png)]) == 0
    t = pd.read_csv(out)
    assert {"platform", "suppressed", "prevalence_adjusted"} <= set(t.columns)
    assert ALL_GROUPS in set(t["platform"])
    assert png.stat().st_size > 10_000
    assert main(["trends", str(src), "--text-column", "text", "--date-column", "date",
                 "--output", str(out), "--min-cell", "2"]) == 2


def test_trends_is_the_function_on_the_package_even_after_importing_the_module():
    import risksignals
    import risksignals.prevalence  # noqa: F401

    assert callable(risksignals.trends) and risksignals.trends.__name__ == "trends"
