"""Workshop report: self-contained, explained, scrubbed, and usable in a real browser."""

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from risksignals.cli import main

BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("ws") / "report.html"
    assert main(["workshop", "--examples", "--output", str(path), "--quiz", "6", "--limit", "40"]) == 0
    return path


def test_report_is_self_contained(report):
    page = report.read_text("utf-8")
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
    assert "<link" not in page and "@import" not in page
    assert page.count("<mark") >= 10 and "data-meaning" in page
    assert page.count('class="quiz-item"') == 6
    assert "Ordliste" in page and "Tiltenkt bruk" in page and 'lang="nb"' in page


def test_identifiers_are_scrubbed_before_rendering(tmp_path):
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": ["selger hasj, ring 91234567 eller snap: emmaxo", "hei"]}).to_csv(src, index=False)
    out = tmp_path / "r.html"
    assert main(["workshop", str(src), "--text-column", "text", "--output", str(out), "--quiz", "1"]) == 0
    page = out.read_text("utf-8")
    assert "91234567" not in page and "emmaxo" not in page and "&lt;TELEFON&gt;" in page


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.browser
def test_quiz_reveal_in_headless_chromium(report):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium on this machine (install the Debian package 'chromium')")
    shots = Path(__file__).parent.parent / "out"
    shots.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(report.as_uri())
        first = page.locator(".quiz-item").first
        answer = first.locator(".answer")
        assert not answer.is_visible()
        first.locator("input[type=checkbox]").first.check()
        first.locator("button.reveal").click()
        assert answer.is_visible()
        assert first.locator(".verdict").inner_text() in ("Riktig!", "Ikke helt. Se forklaringen:")
        assert "Modellen:" in answer.inner_text()
        # hovering a mark shows its meaning
        page.locator("#eksempler mark").first.hover()
        assert page.locator(".tip").is_visible()
        first.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "workshop_quiz.png"))
        # phone-sized screen still shows the quiz button
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto(report.as_uri())
        assert phone.locator("button.reveal").first.is_visible() or phone.locator("button.reveal").count() > 0
        browser.close()
    assert (shots / "workshop_quiz.png").stat().st_size > 20_000
