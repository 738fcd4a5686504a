"""Command line: thin. Parses arguments, calls the API, maps user errors to exit code 2.

Heavy imports (pandas, scikit-learn, torch) happen inside the commands that need them, so
``risksignals scan`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence

EXIT_USER_ERROR = 2


def _lexicon(args: argparse.Namespace):
    from risksignals.lexicons import Lexicon

    extra = getattr(args, "lexicon", None) or []
    return Lexicon.load(extra=extra) if extra else None


# -- scan --------------------------------------------------------------------------------------
def cmd_scan(args: argparse.Namespace) -> int:
    import risksignals

    text = " ".join(args.text) if args.text else sys.stdin.read()
    matches = risksignals.scan(text, lexicon=_lexicon(args))
    if args.json:
        print(json.dumps([m.to_dict() for m in matches], ensure_ascii=False, indent=2))
        return 0
    if not matches:
        print("Ingen treff i leksikonet. (no lexicon matches)")
        return 0
    for m in matches:
        lit = f"\n    uskyldig betydning / literal: {m.literal}" if m.literal else ""
        print(f"«{m.text}»  [{m.start}:{m.end}]  {m.signal} / {m.cue} ({m.strength})  id={m.entry_id}\n"
              f"    {m.meaning_nb}\n    {m.meaning_en}{lit}")
    return 0


# -- lexicon -----------------------------------------------------------------------------------
def cmd_lexicon_lint(args: argparse.Namespace) -> int:
    from risksignals.lexicons import Lexicon

    lex = Lexicon.load(args.files or None, extra=args.lexicon or [])
    issues = lex.lint()
    for issue in issues:
        print(issue)
    errors = sum(i.level == "error" for i in issues)
    warnings = len(issues) - errors
    print(f"{len(lex)} entries in {len(lex.files)} file(s): {errors} error(s), {warnings} warning(s)")
    return 1 if errors else 0


def cmd_lexicon_list(args: argparse.Namespace) -> int:
    from risksignals.lexicons import Lexicon

    lex = Lexicon.load(extra=args.lexicon or [])
    for e in lex:
        if args.signal and e.signal != args.signal:
            continue
        forms = ", ".join(e.forms[:6]) + (" ..." if len(e.forms) > 6 else "")
        print(f"{e.id:32s} {e.signal:20s} {e.cue:14s} {e.strength:6s} {forms}")
    return 0


# -- classify ----------------------------------------------------------------------------------
def _input_path(args: argparse.Namespace) -> tuple[str, str]:
    if args.examples:
        if args.input:
            raise_user("give either INPUT or --examples, not both")
        from risksignals.datasets import examples_path

        return str(examples_path()), "text"
    if not args.input:
        raise_user("INPUT is missing (a CSV, JSONL, Parquet or TXT file, or use --examples)")
    return args.input, args.text_column


def raise_user(message: str):
    from risksignals.errors import RisksignalsError

    raise RisksignalsError(message)


def _progress(enabled: bool | None, desc: str):
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(desc=desc, unit=" rows", file=sys.stderr, mininterval=0.5)


def cmd_classify(args: argparse.Namespace) -> int:
    from risksignals.batch import classify_file

    path, column = _input_path(args)
    summary = classify_file(
        path, args.output, text_column=column, model=args.model, lexicon_files=args.lexicon,
        chunksize=args.chunksize, fmt=args.format, progress=_progress(args.progress, "classify"),
        jobs=args.jobs,
    )
    print(summary, file=sys.stderr)
    return 0


# -- later commands are registered by their modules ----------------------------------------------
def cmd_train(args: argparse.Namespace) -> int:
    from risksignals.models.train import train_command

    print(train_command(args), file=sys.stderr)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from risksignals.evaluation.report import evaluate_command

    print(evaluate_command(args), file=sys.stderr)
    return 0


def cmd_trends(args: argparse.Namespace) -> int:
    from risksignals.prevalence import trends_command

    print(trends_command(args), file=sys.stderr)
    return 0


def cmd_workshop(args: argparse.Namespace) -> int:
    from risksignals.workshop import workshop_command

    print(workshop_command(args), file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from risksignals import __version__

    p = argparse.ArgumentParser(
        prog="risksignals",
        description="Find risk signals (drug-sale code language, planned fights, violent "
                    "humiliation) in anonymised Norwegian youth social-media text. For staff "
                    "training and trend statistics, not for watching people.",
    )
    p.add_argument("--version", action="version", version=f"risksignals {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    lex_help = "extra lexicon file of your own (TOML/JSON; repeatable)"

    s = sub.add_parser("scan", help="show lexicon matches in one text, with meanings")
    s.add_argument("text", nargs="*", help="the text (read from stdin when left out)")
    s.add_argument("--lexicon", action="append", metavar="FILE", help=lex_help)
    s.add_argument("--json", action="store_true", help="print matches as JSON")
    s.set_defaults(func=cmd_scan)

    lx = sub.add_parser("lexicon", help="lexicon tools")
    lxs = lx.add_subparsers(dest="lexicon_command", metavar="ACTION")
    lxs.required = True
    lint = lxs.add_parser("lint", help="validate lexicon files (schema, duplicates, conflicts, bad patterns)")
    lint.add_argument("files", nargs="*", help="files to lint (default: the shipped lexicon)")
    lint.add_argument("--lexicon", action="append", metavar="FILE", help=lex_help)
    lint.set_defaults(func=cmd_lexicon_lint)
    ls = lxs.add_parser("list", help="list entries")
    ls.add_argument("--signal", help="only this signal")
    ls.add_argument("--lexicon", action="append", metavar="FILE", help=lex_help)
    ls.set_defaults(func=cmd_lexicon_list)

    c = sub.add_parser("classify", help="classify a file of texts (CSV, JSONL, Parquet, TXT)")
    c.add_argument("input", nargs="?", help="input file (.csv, .tsv, .jsonl, .parquet, .txt)")
    c.add_argument("--examples", action="store_true", help="classify the shipped example corpus")
    c.add_argument("--text-column", default="text", help="column with the texts (default: text)")
    c.add_argument("--output", "-o", required=True, help="output file (.csv, .jsonl or .parquet)")
    c.add_argument("--model", default="default",
                   help="default | lexicon | linear | transformer | PATH to a saved model")
    c.add_argument("--lexicon", action="append", metavar="FILE", help=lex_help)
    c.add_argument("--format", help="input format when the file name does not tell")
    c.add_argument("--chunksize", type=int, default=20_000, help="rows per chunk (default 20000)")
    c.add_argument("--jobs", type=int, default=None,
                   help="worker processes (default: 1 for small files, all cores up to 4 for large ones)")
    c.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar (default: when run in a terminal)")
    c.set_defaults(func=cmd_classify)

    from risksignals.cli_commands import add_commands

    add_commands(sub, lex_help=lex_help, funcs={
        "train": cmd_train, "evaluate": cmd_evaluate, "trends": cmd_trends, "workshop": cmd_workshop,
    })
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from risksignals.errors import RisksignalsError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except RisksignalsError as exc:
        print(f"risksignals: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("risksignals: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
