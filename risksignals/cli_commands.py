"""Argument definitions of the commands beyond scan/lexicon/classify (kept apart from cli.py)."""

from __future__ import annotations


def add_commands(sub, *, lex_help: str, funcs: dict) -> None:
    t = sub.add_parser("train", help="train a model from the shipped corpus or your labelled file")
    t.add_argument("--model", choices=["linear", "transformer"], default="linear")
    t.add_argument("--data", help="your labelled CSV/JSONL (default: the shipped corpus)")
    t.add_argument("--text-column", default="text")
    t.add_argument("--label-columns", help="comma-separated label columns (default: the three labels)")
    t.add_argument("--output", "-o", required=True, help="folder to save the model in")
    t.add_argument("--base", help="transformer: hub name or local folder of a BERT-family checkpoint "
                                   "(e.g. NbAiLab/nb-bert-base, ltg/norbert3-small)")
    t.add_argument("--allow-download", action="store_true",
                   help="transformer: allow fetching --base from the Hugging Face hub")
    t.add_argument("--epochs", type=int, default=None)
    t.add_argument("--seed", type=int, default=13)
    t.add_argument("--lexicon", action="append", metavar="FILE", help=lex_help)
    t.set_defaults(func=funcs["train"])

    e = sub.add_parser("evaluate", help="evaluate models: metrics, functional suite, fairness, model card")
    e.add_argument("--data", help="labelled file (default: the shipped test split)")
    e.add_argument("--text-column", default="text")
    e.add_argument("--models", default="lexicon,linear,transformer",
                   help="comma-separated: lexicon, linear, transformer, default or model folders")
    e.add_argument("--output", "-o", required=True, help="report folder")
    e.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for intervals")
    e.add_argument("--seed", type=int, default=13)
    e.set_defaults(func=funcs["evaluate"])

    r = sub.add_parser("trends", help="prevalence per period and label, adjusted and suppressed")
    r.add_argument("input", help="input file (.csv, .jsonl, .parquet)")
    r.add_argument("--text-column", required=True)
    r.add_argument("--date-column", required=True)
    r.add_argument("--freq", choices=["W", "M", "Q"], default="M")
    r.add_argument("--by", help="a coarse group column (platform, area, school level)")
    r.add_argument("--output", "-o", required=True, help="trends CSV")
    r.add_argument("--plot", help="PNG plot of prevalence over time")
    r.add_argument("--model", default="default")
    r.add_argument("--min-cell", type=int, default=5,
                   help="suppress cells with fewer texts than this (and 1..min-1 flagged); only >= 5")
    r.add_argument("--chunksize", type=int, default=20_000)
    r.set_defaults(func=funcs["trends"])

    w = sub.add_parser("workshop", help="self-contained HTML report for staff training")
    w.add_argument("input", nargs="?", help="input file (default with --examples: the shipped corpus)")
    w.add_argument("--examples", action="store_true", help="use the shipped example corpus")
    w.add_argument("--text-column", default="text")
    w.add_argument("--output", "-o", required=True, help="report .html")
    w.add_argument("--quiz", type=int, default=10, help="number of quiz questions")
    w.add_argument("--limit", type=int, default=60, help="examples shown in the report")
    w.add_argument("--model", default="default")
    w.add_argument("--seed", type=int, default=13)
    w.set_defaults(func=funcs["workshop"])
