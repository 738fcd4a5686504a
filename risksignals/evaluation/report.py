"""``risksignals evaluate``: models side by side on a labelled set, the functional suite,
fairness flip rates, plots, an errors file for review, and the default model's card.

Everything runs offline. Output folder:

* ``report.md`` and ``report.html`` (self-contained, plots embedded);
* ``pr_curves.png``, ``reliability.png``, ``capabilities.png``;
* ``metrics.json`` (all numbers), ``capabilities.csv`` (pass rate per capability and model);
* ``errors.csv``: false positives and negatives with evidence, texts scrubbed of identifiers;
* ``MODEL_CARD.md`` for the shipped default.
"""

from __future__ import annotations

import base64
import html
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from risksignals.errors import RisksignalsError
from risksignals.evaluation.functional import SuiteResult, load_cases, run_suite
from risksignals.evaluation.metrics import (brier_score, expected_calibration_error, label_metrics,
                                            pr_curve, reliability_table, threshold_sweep)
from risksignals.labels import LABELS

__all__ = ["evaluate", "evaluate_command", "ModelResult", "HARD_NEGATIVE_PREFIXES", "hard_negative_mask",
           "FAIRNESS_CAPABILITIES"]

HARD_NEGATIVE_PREFIXES = ("neg", "tpl_neg", "contrast", "second_hard", "neg3")
FAIRNESS_CAPABILITIES = ("inv_name_swap", "inv_ethnolect_added")


def hard_negative_mask(df: pd.DataFrame, labels: Sequence[str]) -> np.ndarray:
    """Texts with no signal from slices that probe look-alikes (literal, prevention, news ...)."""
    none = df[list(labels)].sum(axis=1).to_numpy() == 0
    if "slice" not in df.columns:
        return none
    return none & df["slice"].astype(str).str.startswith(HARD_NEGATIVE_PREFIXES).to_numpy()


@dataclass
class ModelResult:
    name: str
    detector: object
    scores: np.ndarray
    pred: np.ndarray
    metrics: dict
    calibration: dict
    sweeps: dict
    hard_negatives: dict
    suite: SuiteResult | None


def _load(name: str):
    from risksignals.signals.detector import Detector

    return Detector.load(name)


def evaluate(data: pd.DataFrame, models: Sequence[str], *, labels: Sequence[str] = LABELS,
             n_boot: int = 1000, seed: int = 13, suite: bool = True, log=None):
    """Evaluate each named model on ``data`` (columns text + labels [+ slice])."""
    y = data[list(labels)].to_numpy().astype(int)
    texts = data["text"].tolist()
    hn = hard_negative_mask(data, labels)
    cases = load_cases(seed) if suite else None
    results, skipped = [], {}
    for name in models:
        try:
            det = _load(name)
        except RisksignalsError as exc:
            skipped[name] = str(exc)
            if log:
                log(f"skipped model '{name}': {exc}")
            continue
        scores = det.predict_proba(texts)
        thr = np.array([det.thresholds[label] for label in labels])
        pred = (scores >= thr).astype(int)
        metrics = label_metrics(y, scores, pred, labels, n_boot=n_boot, seed=seed)
        calibration = {label: {"ece": expected_calibration_error(y[:, j], scores[:, j]),
                               "brier": brier_score(y[:, j], scores[:, j]),
                               "reliability": reliability_table(y[:, j], scores[:, j])}
                       for j, label in enumerate(labels)}
        sweeps = {label: threshold_sweep(y[:, j], scores[:, j]) for j, label in enumerate(labels)}
        flagged = pred[hn].sum(axis=1) > 0
        hard = {"n": int(hn.sum()), "texts_flagged": int(flagged.sum()),
                "rate": float(flagged.mean()) if hn.any() else float("nan"),
                "label_flags": int(pred[hn].sum())}
        suite_result = run_suite(det, cases=cases) if suite else None
        results.append(ModelResult(name, det, scores, pred, metrics, calibration, sweeps, hard, suite_result))
        if log:
            log(f"evaluated '{name}': macro-F1 {metrics['macro_f1'].value:.3f}")
    return results, skipped


# -- plots ---------------------------------------------------------------------------------------
def _plots(results: list[ModelResult], y: np.ndarray, labels: Sequence[str], out: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = {}

    def per_label(name: str, xlabel: str, ylabel: str, legend_loc: str, draw) -> None:
        """One panel per label; ``draw(ax, j, label)`` adds the models' lines."""
        fig, axes = plt.subplots(1, len(labels), figsize=(4.2 * len(labels), 3.8), squeeze=False)
        for j, label in enumerate(labels):
            ax = axes[0, j]
            draw(ax, j, label)
            ax.set_title(label)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.legend(fontsize=8, loc=legend_loc)
            ax.grid(alpha=0.3)
        fig.tight_layout()
        paths[name] = out / f"{name}.png"
        fig.savefig(paths[name], dpi=110)
        plt.close(fig)

    def pr(ax, j, label):
        for r in results:
            rec, prec = pr_curve(y[:, j], r.scores[:, j])
            auc = r.metrics["labels"][label]["pr_auc"].value
            ax.step(rec, prec, where="post", label=f"{r.name} (AP {auc:.2f})")
        ax.set_ylim(0, 1.02)

    def reliability(ax, j, label):
        ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
        for r in results:
            rows = [row for row in r.calibration[label]["reliability"] if row["n"]]
            ax.plot([row["mean_score"] for row in rows], [row["observed"] for row in rows], marker="o",
                    label=f"{r.name} (ECE {r.calibration[label]['ece']:.3f})")

    per_label("pr_curves", "recall", "precision", "lower left", pr)
    per_label("reliability", "mean score in bin", "observed share positive", "upper left", reliability)

    suites = [r for r in results if r.suite is not None]
    if suites:
        caps = list(suites[0].suite.results)
        fig, ax = plt.subplots(figsize=(10, 0.28 * len(caps) + 1.5))
        h = 0.8 / len(suites)
        yy = np.arange(len(caps))
        for k, r in enumerate(suites):
            rates = [r.suite.results[c].pass_rate for c in caps]
            ax.barh(yy + k * h, rates, height=h, label=r.name)
        ax.set_yticks(yy + h * (len(suites) - 1) / 2)
        ax.set_yticklabels(caps, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("pass rate")
        ax.legend(fontsize=8, loc="lower right")
        ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        paths["capabilities"] = out / "capabilities.png"
        fig.savefig(paths["capabilities"], dpi=110)
        plt.close(fig)
    return paths


# -- tables and documents --------------------------------------------------------------------------
def comparison_table(results: list[ModelResult], labels: Sequence[str]) -> pd.DataFrame:
    rows = []
    for r in results:
        row = {"model": r.name, "macro_f1": r.metrics["macro_f1"].fmt()}
        for label in labels:
            m = r.metrics["labels"][label]
            row[f"{label} P"] = f"{m['precision'].value:.3f}"
            row[f"{label} R"] = f"{m['recall'].value:.3f}"
            row[f"{label} F1"] = m["f1"].fmt()
        row["hard-neg FP texts"] = f"{r.hard_negatives['texts_flagged']}/{r.hard_negatives['n']}"
        if r.suite is not None:
            row["suite pass"] = f"{r.suite.overall:.3f}"
            for cap in FAIRNESS_CAPABILITIES:
                if cap in r.suite.results:
                    row[f"{cap} flips"] = f"{r.suite.flip_rate(cap):.3f}"
        rows.append(row)
    return pd.DataFrame(rows)


def _md_table(df: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def capability_table(results: list[ModelResult]) -> pd.DataFrame:
    frames = []
    for r in results:
        if r.suite is None:
            continue
        t = r.suite.table()[["capability", "type", "group", "n", "pass_rate"]].rename(columns={"pass_rate": r.name})
        frames.append(t.set_index(["capability", "type", "group", "n"]))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, axis=1).reset_index()


def errors_frame(data: pd.DataFrame, r: ModelResult, labels: Sequence[str]) -> pd.DataFrame:
    from risksignals.privacy import scrub_text
    from risksignals.signals.detector import _evidence
    from risksignals.signals.neutral import model_key

    rows = []
    matcher = r.detector.lexicon.matcher
    y = data[list(labels)].to_numpy().astype(int)
    for i in range(len(data)):
        for j, label in enumerate(labels):
            if y[i, j] == r.pred[i, j]:
                continue
            text = data["text"].iloc[i]
            key = model_key(text)
            rows.append({
                "model": r.name, "error": "false_positive" if r.pred[i, j] else "false_negative",
                "label": label, "score": round(float(r.scores[i, j]), 4),
                "threshold": r.detector.thresholds[label],
                "slice": data["slice"].iloc[i] if "slice" in data.columns else "",
                "text": scrub_text(text), "evidence": _evidence(key, matcher.find_in_key(key)),
            })
    return pd.DataFrame(rows)


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}" style="max-width:100%">'


def _markdown(results, skipped, table, caps, data_name, n_rows, paths) -> str:
    lines = [
        "# risksignals evaluation report", "",
        f"Data: {data_name} ({n_rows} texts). Models compared: "
        + ", ".join(f"**{r.name}**" for r in results)
        + (". Skipped: " + "; ".join(f"{k} ({v})" for k, v in skipped.items()) if skipped else "") + ".", "",
        "Intervals are 95 % bootstrap intervals over texts. A hard negative is a text with no signal "
        "from a slice that probes look-alikes (literal meanings, prevention, news, negation, games, "
        "past events ...); 'hard-neg FP texts' counts those the model flags with any label.", "",
        "## Side by side", "", _md_table(table), "",
        "![PR curves](pr_curves.png)", "", "![Reliability](reliability.png)", "",
        "## Calibration", "",
    ]
    cal_rows = []
    for r in results:
        for label, c in r.calibration.items():
            cal_rows.append({"model": r.name, "label": label, "ECE": f"{c['ece']:.3f}", "Brier": f"{c['brier']:.3f}"})
    lines += [_md_table(pd.DataFrame(cal_rows)), ""]
    if not caps.empty:
        lines += ["## Functional suite (pass rate per capability)", "",
                  "MFT: expected labels; INV: prediction must not change; DIR: score must move the "
                  "stated way. Fairness capabilities (name swap, added multiethnolect words) must have "
                  "zero flips for the shipped default.", "",
                  _md_table(caps.round(3)), "", "![Capabilities](capabilities.png)", ""]
    lines += ["## Files", "", "- `errors.csv`: every false positive and false negative, with evidence "
              "(texts scrubbed of identifiers) for review.", "- `metrics.json`: all numbers.",
              "- `MODEL_CARD.md`: the shipped default's model card.", ""]
    return "\n".join(lines)


def _html(md_text: str, paths: dict[str, Path]) -> str:
    """Small Markdown-to-HTML for our own report (tables, headings, paragraphs, images)."""
    out = ['<!doctype html><html lang="en"><head><meta charset="utf-8"><title>risksignals evaluation</title>',
           "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
           "table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px}"
           "th{background:#f3f3f3}</style></head><body>"]
    lines = md_text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            cells = [[c.strip() for c in r.strip("|").split("|")] for r in rows if not set(r) <= set("|-")]
            out.append("<table>")
            for k, r in enumerate(cells):
                tag = "th" if k == 0 else "td"
                out.append("<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in r) + "</tr>")
            out.append("</table>")
            continue
        if line.startswith("!["):
            name = line[line.index("(") + 1 : line.index(")")].rsplit(".", 1)[0]
            if name in paths:
                out.append(f"<p>{_img(paths[name])}</p>")
        elif line.startswith("## "):
            out.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("# "):
            out.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("- "):
            out.append(f"<li>{html.escape(line[2:])}</li>")
        elif line.strip():
            text = html.escape(line).replace("**", "")
            out.append(f"<p>{text}</p>")
        i += 1
    out.append("</body></html>")
    return "\n".join(out)


def _jsonable(obj):
    from risksignals.evaluation.metrics import Metric

    if isinstance(obj, Metric):
        return {"value": obj.value, "low": obj.low, "high": obj.high}
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    return obj


def evaluate_command(args) -> str:
    from risksignals.datasets import load_examples, load_labelled

    if args.data:
        data = load_labelled(args.data, text_column=args.text_column)
        data_name = str(args.data)
    else:
        data = load_examples("test")
        data_name = "shipped corpus, test split"
    labels = [label for label in LABELS if label in data.columns]
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if not models:
        raise RisksignalsError("--models is empty")
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    import sys

    results, skipped = evaluate(data, models, labels=labels, n_boot=args.bootstrap, seed=args.seed,
                                log=lambda m: print(m, file=sys.stderr))
    if not results:
        raise RisksignalsError("no model could be evaluated: " + "; ".join(f"{k}: {v}" for k, v in skipped.items()))
    y = data[labels].to_numpy().astype(int)
    paths = _plots(results, y, labels, out)
    table = comparison_table(results, labels)
    caps = capability_table(results)
    md = _markdown(results, skipped, table, caps, data_name, len(data), paths)
    (out / "report.md").write_text(md, encoding="utf-8")
    (out / "report.html").write_text(_html(md, paths), encoding="utf-8")
    if not caps.empty:
        caps.to_csv(out / "capabilities.csv", index=False)
    pd.concat([errors_frame(data, r, labels) for r in results], ignore_index=True).to_csv(out / "errors.csv", index=False)
    metrics = {r.name: {"metrics": r.metrics, "calibration": {k: {"ece": v["ece"], "brier": v["brier"],
                                                                 "reliability": v["reliability"]}
                                                             for k, v in r.calibration.items()},
                        "threshold_sweeps": r.sweeps, "hard_negatives": r.hard_negatives,
                        "thresholds": r.detector.thresholds,
                        "suite": None if r.suite is None else r.suite.table().to_dict(orient="records")}
               for r in results}
    (out / "metrics.json").write_text(json.dumps(_jsonable({"data": data_name, "rows": len(data),
                                                             "skipped": skipped, "models": metrics}),
                                                 indent=2, ensure_ascii=False), encoding="utf-8")
    from risksignals.evaluation.modelcard import write_model_card

    default = next((r for r in results if r.name in ("default",)), None)
    if default is None:
        from risksignals.models import shipped_model_dir

        kind = shipped_model_dir("default").name
        default = next((r for r in results if r.name == kind), results[0])
    write_model_card(default, data_name, len(data), labels, out / "MODEL_CARD.md")
    return f"evaluated {', '.join(r.name for r in results)} on {data_name} ({len(data)} texts) -> {out}/report.html"
