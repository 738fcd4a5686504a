"""The command-line contract: columns, every row kept, errors as one line and exit code 2."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from risksignals.cli import main
from risksignals.labels import OUTPUT_COLUMNS

ROWS = [
    {"id": "001", "text": "har du skoen min i dag? samme sted kl 22, ta med flus", "author": "someone"},
    {"id": "002", "text": "lørdagsgodt 🍫🍬 og film", "author": "x"},
    {"id": "003", "text": "1v1 bak skolen kl 15, kom alene", "author": "y"},
    {"id": "004", "text": "send videoen av han som fikk juling 😂 spre den", "author": "z"},
    {"id": "005", "text": "ring meg 91234567 eller snap: emmaxo", "author": "w"},
]


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture
def csv_in(tmp_path):
    p = tmp_path / "in.csv"
    pd.DataFrame(ROWS).to_csv(p, index=False)
    return p


def test_scan_prints_matches_with_meaning(capsys):
    assert run("scan", "har du skoen min i dag? 🍫") == 0
    out = capsys.readouterr().out
    assert "«har du skoen min»" in out and "drug_sale / code_phrase" in out and "uskyldig betydning" in out


def test_scan_json(capsys):
    assert run("scan", "--json", "selger hasj") == 0
    data = json.loads(capsys.readouterr().out)
    assert {"signal", "entry_id", "start", "end", "meaning_en"} <= set(data[0])


def test_lexicon_lint_passes_on_shipped_and_fails_on_bad(tmp_path, capsys):
    assert run("lexicon", "lint") == 0
    assert "0 error(s)" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('[meta]\nsignal = "drug_sale"\n[[entry]]\nid = "b.x"\nsignal = "drug_sale"\ncue = "sale"\n'
                   'strength = "strong"\nforms = ["til salgs"]\nmeaning_nb = "x"\nmeaning_en = "y"\nsource = "project"\n', "utf-8")
    assert run("lexicon", "lint", "--lexicon", bad) == 1
    assert "conflicting form 'til salgs'" in capsys.readouterr().out


@pytest.mark.parametrize("model", ["lexicon", "default"])
def test_classify_csv_contract(tmp_path, csv_in, model, capsys):
    out = tmp_path / "out.csv"
    assert run("classify", csv_in, "--text-column", "text", "--output", out, "--model", model) == 0
    df = pd.read_csv(out, dtype={"id": str}, keep_default_na=False)
    assert list(df.columns) == ["id", "text", *OUTPUT_COLUMNS]  # author dropped, id kept
    assert df["id"].tolist() == ["001", "002", "003", "004", "005"]
    assert df.loc[0, "drug_sale"] == 1 and df.loc[1, "drug_sale"] == 0
    assert df.loc[2, "planned_fight"] == 1 and df.loc[3, "violent_humiliation"] == 1
    assert "91234567" not in out.read_text("utf-8") and "emmaxo" not in out.read_text("utf-8")
    assert all(0 <= v <= 1 for v in df["drug_sale_score"])
    err = capsys.readouterr().err
    assert "dropped identifying column(s): author" in err


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "txt", "tsv"])
def test_classify_reads_every_format(tmp_path, fmt):
    src = tmp_path / f"in.{fmt}"
    df = pd.DataFrame(ROWS)[["id", "text"]]
    if fmt == "jsonl":
        df.to_json(src, orient="records", lines=True, force_ascii=False)
    elif fmt == "parquet":
        df.to_parquet(src)
    elif fmt == "tsv":
        df.to_csv(src, sep="\t", index=False)
    else:
        src.write_text("\n".join(df["text"]) + "\n", "utf-8")
    out = tmp_path / "out.jsonl"
    assert run("classify", src, "--output", out, "--model", "lexicon") == 0
    res = pd.read_json(out, lines=True)
    assert len(res) == 5 and res["drug_sale"].tolist()[0] == 1


def test_bad_rows_each_get_an_output_row_with_error(tmp_path):
    src = tmp_path / "in.jsonl"
    rows = [{"text": "har du skoen min i dag?"}, {"text": None}, {"text": 42}, {"text": "   "},
            {"text": "x" * 30_000}, {"text": ["a", "list"]}, {"text": "1v1 i kveld bak skolen kl 20"}]
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    out = tmp_path / "out.csv"
    assert run("classify", src, "--output", out, "--model", "lexicon", "--chunksize", "3") == 0
    df = pd.read_csv(out, keep_default_na=False)
    assert len(df) == len(rows)
    assert df["error"].tolist()[1:6] == ["missing text", "not text (int)", "empty text",
                                          "text too long (30000 characters; limit 20000)", "not text (list)"]
    assert df["error"][0] == "" and df["error"][6] == ""
    assert df["drug_sale"][1] == "" and str(df["planned_fight"][6]) == "1"


@pytest.mark.parametrize(
    "args, message",
    [
        (["classify", "nope.csv", "--output", "o.csv"], "input file not found: nope.csv"),
        (["classify", "{csv}", "--text-column", "tekst", "--output", "o.csv"], "column 'tekst' not found"),
        (["classify", "{csv}", "--output", "o.csv", "--model", "nosuchmodel"], "model 'nosuchmodel' not found"),
        (["classify", "{csv}", "--output", "o.xlsx"], "cannot tell the format"),
        (["classify", "{csv}", "--output", "missingdir/o.csv"], "output folder does not exist"),
        (["scan", "hei", "--lexicon", "nope.toml"], "lexicon file not found"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(tmp_path, csv_in, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [a.replace("{csv}", str(csv_in)) for a in args]
    proc = subprocess.run([sys.executable, "-m", "risksignals.cli", *args], capture_output=True, text=True)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert not (tmp_path / "o.csv").exists()


def test_scan_path_does_not_import_torch_or_pandas():
    code = ("import sys; from risksignals.cli import main; main(['scan', 'selger hasj']); "
            "print('MODS', 'torch' in sys.modules, 'pandas' in sys.modules, 'sklearn' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "MODS False False False" in proc.stdout


def test_lexicon_classify_path_does_not_import_torch(tmp_path, csv_in):
    code = (f"import sys; from risksignals.cli import main; main(['classify', r'{csv_in}', '--output', "
            f"r'{tmp_path / 'o.csv'}', '--model', 'lexicon']); print('TORCH', 'torch' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "TORCH False" in proc.stdout, proc.stderr
