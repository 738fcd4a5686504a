"""Trend statistics from the shipped example corpus, with synthetic dates assigned.

    python examples/trend_demo.py [--out out/]

Uses the held-out test split (the model never saw it). The corpus has no dates, so each text
gets a date in 2025 (seeded). Drug-sale texts are made a
little more frequent in the autumn months, so the plot has a trend to show. Writes
``trends.csv`` and ``trends.png`` and prints the table.
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import risksignals
from risksignals.prevalence import plot_trends


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="out")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # the held-out test split: the model never trained on these texts, so its dev error rates apply
    df = risksignals.load_examples("test")
    rng = np.random.default_rng(2025)
    month = rng.integers(1, 13, len(df))
    autumn = (df["drug_sale"] == 1).to_numpy() & (rng.random(len(df)) < 0.5)
    month[autumn] = rng.integers(9, 13, autumn.sum())
    day = rng.integers(1, 29, len(df))
    df["dato"] = pd.to_datetime({"year": 2025, "month": month, "day": day}).dt.strftime("%Y-%m-%d")
    df["plattform"] = rng.choice(["snap", "tiktok", "insta"], len(df))
    table = risksignals.trends(df, text_column="text", date_column="dato", freq="M")
    table.to_csv(out / "trends.csv", index=False)
    plot_trends(table, out / "trends.png")
    pd.set_option("display.width", 160)
    print(table[["period", "label", "n_texts", "n_flagged", "prevalence", "prevalence_adjusted",
                 "ci_low", "ci_high", "suppressed"]].to_string(index=False))
    # the corpus has gold labels, so we can see how close each estimate comes to the truth
    df["period"] = pd.to_datetime(df["dato"]).dt.to_period("M").astype(str)
    truth = df.groupby("period")[["drug_sale", "planned_fight", "violent_humiliation"]].mean()
    shown = table[~table["suppressed"]].copy()
    shown["true"] = [truth.loc[p, lab] for p, lab in zip(shown["period"], shown["label"])]
    raw = (shown["prevalence"].astype(float) - shown["true"]).abs().mean()
    adj = (shown["prevalence_adjusted"].astype(float) - shown["true"]).abs().mean()
    print(f"mean absolute error against the gold labels: raw {raw:.4f}, adjusted {adj:.4f}")
    print(f"-> {out / 'trends.csv'}, {out / 'trends.png'}")


if __name__ == "__main__":
    main()
