"""Privacy guard: scrub identifiers before anything is written or shown.

risksignals makes trend statistics and training material, never profiles of people. So every
text is scrubbed of identifiers before it reaches an output file, a report or a screen, and
columns that name people are dropped. Scrubbing is rule-based and offline: no model, no
download. A :class:`ScrubReport` counts *what kind* of identifier was removed, never what it
was.

Placeholders: ``<TELEFON>``, ``<EPOST>``, ``<URL>``, ``<BRUKERNAVN>``, ``<FØDSELSNUMMER>``,
``<KONTONUMMER>``, ``<VIPPS>``.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

import pandas as pd
import regex

__all__ = ["scrub", "scrub_text", "scrub_series", "ScrubReport", "identifier_columns",
           "drop_identifier_columns", "is_identifier_column", "valid_fodselsnummer",
           "valid_account_number", "PLACEHOLDERS"]

PLACEHOLDERS = {
    "phone": "<TELEFON>",
    "email": "<EPOST>",
    "url": "<URL>",
    "handle": "<BRUKERNAVN>",
    "fnr": "<FØDSELSNUMMER>",
    "account": "<KONTONUMMER>",
    "vipps": "<VIPPS>",
}

_EMAIL = regex.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}(?:@|\s?\[at\]\s?|\s?\(at\)\s?)[\w-]{1,63}(?:\.[\w-]{1,63})*\.\p{L}{2,24}\b",
    regex.IGNORECASE,
)
_URL = regex.compile(
    r"\b(?:https?://|www\.)[^\s<>\"']+"
    r"|\b(?:[a-z0-9-]{1,63}\.)+(?:no|com|net|org|io|me|app|gg|tv|ly|be|to|link|info|se|dk)"
    r"(?:/[^\s<>\"']*)?(?![\w.])",
    regex.IGNORECASE,
)
# Handles. Strong lead-ins ("add meg på snap: X", "snap: X", "legg til X på snap", "@X") take any
# word that is not a common word; weak ones ("sc X", "min snap er X") only handle-like words.
_PLATFORM = r"(?:snap(?:chat)?|sc|insta(?:gram)?|ig|tiktok|tt|telegram|tg|wickr|kik|discord|twitter)"
_H = r"(?P<handle>(?<![<\p{L}0-9._-])[\p{L}0-9_][\p{L}0-9._-]{1,30}(?<![.-]))"
STRONG, WEAK, STRICT = "strong", "weak", "strict"
_HANDLE_PATTERNS = [  # (pattern, level, gate or gates that must all be open: see _GATES)
    # add/følg/legg til (meg|han ...) på snap (da): X   (strong)
    (regex.compile(rf"\b(?:add|adde|legg\s+til|følg|follow|finn)\s+(?:[\p{{L}}]+\s+)?(?:på|on|i)\s+{_PLATFORM}"
                   rf"(?:\s+da)?\s*(?:[:=]|->|–|-)?\s*@?{_H}", regex.IGNORECASE), STRONG, ("platform", "add_verb")),
    # snap: X / snap-navn = X, but not "legg ut på tiktok: ..."   (strong)
    (regex.compile(rf"(?<!\but\s+på\s)(?<!\b(?:i|on|til|fra)\s)\b{_PLATFORM}\s*(?:id|navn|name|nick|brukernavn)?\s*(?:[:=]|->|=>)\s*@?{_H}",
                   regex.IGNORECASE), STRONG, ("platform", "assign")),
    # legg til X på snap / heter X på snap   (strong)
    (regex.compile(rf"\b(?:add|adde|legg\s+til|følg|follow|heter|hete)\s+@?{_H}\s+(?:på|on)\s+{_PLATFORM}\b",
                   regex.IGNORECASE), STRONG, "on_platform"),
    # min snap er X / ny snap: X / my insta is X / snap er X   (weak)
    (regex.compile(rf"\b(?:(?:min|mi|mitt|my|ny|nye|new)[ \t]+{_PLATFORM}[ \t]*(?:er|e|is|:)?|{_PLATFORM}[ \t]+(?:er|e|is))"
                   rf"[ \t]*@?{_H}", regex.IGNORECASE), WEAK, "mine_platform"),
    # a contact line: "sc tobbe" alone on its line   (strong)
    (regex.compile(rf"(?m)^[ \t]*{_PLATFORM}[ \t]*[:\-]?[ \t]+@?{_H}[ \t]*$", regex.IGNORECASE), STRONG,
     "line_platform"),
    # sc X / snap X / tiktok @X: a bare word after a platform only when it looks like a handle
    (regex.compile(rf"\b{_PLATFORM}[ \t]+@{_H}", regex.IGNORECASE), STRONG, "platform"),
    (regex.compile(rf"\b{_PLATFORM}[ \t]+{_H}", regex.IGNORECASE), STRICT, "platform"),
    # min er X / X på insta: only handle-shaped words (digits, '_' or '.')   (strict)
    (regex.compile(rf"\b(?:min|mi|mitt)\s+(?:er|e)\s+@?{_H}", regex.IGNORECASE), STRICT, "min"),
    (regex.compile(rf"(?<![\p{{L}}0-9._@-])@?{_H}\s+(?:på|on)\s+{_PLATFORM}\b", regex.IGNORECASE), STRICT, "on_platform"),
]
_AT_HANDLE = regex.compile(r"(?<![\w@<.])@(?P<handle>[\p{L}0-9_][\p{L}0-9._]{1,30})(?<!\.)")
_HANDLELIKE = regex.compile(r".*[0-9_.].*|.*[a-zæøå][A-ZÆØÅ].*")
# words that follow platform names in ordinary talk ("snap er nede", "sjekk snap story")
_NOT_HANDLES = frozenset("""
er e var va blir ble har hadde kan kunne skal vil ville må burde bør funker virker fungerer ligger
gikk går kommer kom nede død døde privat treg tregt kjedelig blokka blokkert borte ute oppe
bra dårlig dritt syk sykt så da nå igjen og eller men for til fra på i om med uten av ved hos
meg deg seg oss dere dem han hun ho den det de dei eg jeg du vi me dæ mæ æ ka kva hva hvem hvor
story stories streak streaks score snapscore chat chatten melding meldinger video videoen videoer
bilde bilder bildet post poster posten live reels reel feed bio profil profilen konto kontoen
gruppa gruppe gruppen gruppechat filter filtre kamera lenke link sida siden appen app
og også bare ikke ikkje itj aldri alltid ofte noen noe noko ingen alle mange flere mer mest
is was the a an and or my your me you it this that not down dead private boring so now again
later senere snart straks etterpå idag iaf asap btw lol haha kl klokka please pls plis takk
hei hallo yo sup heisann ok okei jo nei ja nja kanskje vel altså liksom typ sånn slik
send sende sendt sender snap snapper snappe snapchat insta instagram tiktok telegram discord
only kun bare samme sier sa fjerna fjernet sletta slettet fordi etter før from only account acc
""".split())


_NOT_HANDLE_SHAPES = regex.compile(r"\d+(?:v|vs|mot|on)\d+|\d+[.,:]\d+|\d+(?:g|kr|k|stk|min|år)", regex.IGNORECASE)


def _accept_handle(candidate: str, level: str) -> bool:
    if candidate.casefold() in _NOT_HANDLES or candidate.isdigit() or _NOT_HANDLE_SHAPES.fullmatch(candidate):
        return False
    shaped = bool(_HANDLELIKE.fullmatch(candidate))
    if level == STRICT:
        return shaped
    return level == STRONG or shaped or len(candidate) >= 4


# 11 digits: fødselsnummer (DDMMYY IIIKK) or bank account (XXXX.XX.XXXXX)
_ELEVEN = regex.compile(r"(?<![\d.,:/-])(\d{4})[ .]?(\d{2})[ .]?(\d{5})(?!\d|[.,:/-]\d)")
# Norwegian phone numbers: +47 / 0047 / (+47) then 8 digits starting 2-9, spaced as people do
_PHONE = regex.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?47[\s.-]?|\(\+?47\)\s?)?"
    r"(?:[2-9]\d{7}|[2-9]\d{2}(?P<s1>[\s.-])\d{2}(?P=s1)\d{3}"
    r"|[2-9]\d(?P<s2>[\s.-])\d{2}(?P=s2)\d{2}(?P=s2)\d{2}"
    r"|[2-9]\d{3}[\s.-]\d{4}|[2-9]\d{2}[\s.-]\d{5})"
    r"(?![\w]|[.,:/-]\d)"
)
_VIPPS = regex.compile(
    r"\b(vipps(?:\s?(?:nr|nummer|number|#))?\.?[\s:#]*(?:til|to|på)?[\s:#]*)(\d{5,6})\b"
    r"(?!\s?(?:kr|nok|,-|kroner|\.-|k\b|%))",
    regex.IGNORECASE,
)


def valid_fodselsnummer(digits: str) -> bool:
    """True when an 11-digit string has valid fødselsnummer/D-number control digits and date."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    d = [int(c) for c in digits]
    w1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
    w2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    k1 = 11 - sum(a * b for a, b in zip(w1, d[:9])) % 11
    k1 = 0 if k1 == 11 else k1
    k2 = 11 - sum(a * b for a, b in zip(w2, d[:10])) % 11
    k2 = 0 if k2 == 11 else k2
    if k1 == 10 or k2 == 10 or k1 != d[9] or k2 != d[10]:
        return False
    day = int(digits[:2])
    month = int(digits[2:4])
    if day > 40:  # D-number
        day -= 40
    if month > 80:  # synthetic test numbers (Skatteetaten's Tenor)
        month -= 80
    elif month > 40:  # H-number
        month -= 40
    return 1 <= day <= 31 and 1 <= month <= 12


def valid_account_number(digits: str) -> bool:
    """True when an 11-digit string passes the Norwegian bank account MOD11 check."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    rest = sum(int(c) * w for c, w in zip(digits[:10], weights)) % 11
    control = 0 if rest == 0 else 11 - rest
    return control != 10 and control == int(digits[10])


@dataclass
class ScrubReport:
    """How many identifiers of each kind were removed (never what they were)."""

    counts: Counter = field(default_factory=Counter)
    texts: int = 0
    texts_changed: int = 0

    def add(self, other: "ScrubReport") -> None:
        self.counts.update(other.counts)
        self.texts += other.texts
        self.texts_changed += other.texts_changed

    def as_dict(self) -> dict:
        return {"texts": self.texts, "texts_changed": self.texts_changed,
                **{k: int(self.counts.get(k, 0)) for k in PLACEHOLDERS}}

    def __str__(self) -> str:
        parts = ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items()) if v)
        return f"scrubbed {self.texts_changed} of {self.texts} texts ({parts or 'nothing found'})"


def _eleven(counts: Counter):
    def repl(m: "regex.Match[str]") -> str:
        digits = "".join(m.groups())
        if valid_fodselsnummer(digits):
            counts["fnr"] += 1
            return PLACEHOLDERS["fnr"]
        if valid_account_number(digits):
            counts["account"] += 1
            return PLACEHOLDERS["account"]
        return m.group()

    return repl


def _count(kind: str, counts: Counter, keep_group: int | None = None):
    def repl(m: "regex.Match[str]") -> str:
        counts[kind] += 1
        if keep_group is not None:
            return m.group(keep_group) + PLACEHOLDERS[kind]
        return PLACEHOLDERS[kind]

    return repl


def _handle_repl(counts: Counter, level: str):
    def repl(m: "regex.Match[str]") -> str:
        handle = m.group("handle")
        if not _accept_handle(handle, level):
            return m.group()
        counts["handle"] += 1
        a, b = m.span("handle")
        o = m.start()
        whole = m.group()
        return whole[: a - o] + PLACEHOLDERS["handle"] + whole[b - o :]

    return repl


_TLDS = ("no", "com", "net", "org", "io", "me", "app", "gg", "tv", "ly", "be", "to", "link", "info", "se", "dk")
_PLATFORM_NAMES = ("snap", "sc", "insta", "ig", "tiktok", "tt", "telegram", "tg", "wickr", "kik", "discord", "x",
                   "twitter")
_PREFIX_PLATFORMS = ("snap", "insta")  # snapchat, snapen, instagram ...
# Gates: a cheap, necessary part of any match of a step, searched in the lowercased original
# text (see _gate_text). A step runs only on texts where its gate occurs (no step can create
# another's gate). A test checks that scrubbing with gates equals running every step.
_GATES = {
    # each with the engine that finds it fastest: re for literals and the like; regex where a
    # gate starts with \b or \d (about 5x faster there). \b and \d are used only in regex
    # gates, where they mean what they mean in the steps (regex patterns too); re's \s covers
    # regex's \s.
    "at": re.compile(r"@|\[at\]|\(at\)"),
    "url": re.compile(rf"https?://|www\.|\.(?:{'|'.join(_TLDS)})"),
    "platform": regex.compile(r"\b(?:%s)\b" % "|".join(n + r"\w*" if n in _PREFIX_PLATFORMS else n
                                                      for n in _PLATFORM_NAMES)),
    "min": regex.compile(r"\bmi(?:n|tt)?\s+e"),  # "min er X" / "mitt e X"
    "on_platform": re.compile(rf"(?:på|on)\s+{_PLATFORM}"),  # "X på snap"
    "digits5": regex.compile(r"\d{5}"),
    "vipps": re.compile("vipps"),
    "digits8": regex.compile(r"\d(?:[\s.-]?\d){7}"),  # every phone number has 8 digits, single separators
    "assign": re.compile(r"[:=]|->"),  # "snap: X", "snap = X", "snap -> X"
    "add_verb": regex.compile(r"\b(?:add|legg|følg|follow|finn)"),  # "add meg på snap: X"
}
# Gates read off the platform hits (with the regex gates only: the platform gate itself)
_DERIVED_GATES = ("on_platform", "line_platform", "mine_platform")
# With the C module, the literal gates are found in one automaton pass instead: (literal, word
# boundary before, word boundary after). Its boundaries are never narrower than the regex's
# (see _hits.bounded_hits), and the derived gates are read off the platform hits, so each of
# these gates opens wherever its regex does (a test checks the outputs against running every
# step, with either engine).
_LITERAL_GATES: dict[str, list[tuple[str, bool, bool]]] = {
    "at": [("@", False, False), ("[at]", False, False), ("(at)", False, False)],
    "url": [("http://", False, False), ("https://", False, False), ("www.", False, False)]
           + [(f".{tld}", False, False) for tld in _TLDS],
    "vipps": [("vipps", False, False)],
    "platform": [(name, True, name not in _PREFIX_PLATFORMS) for name in _PLATFORM_NAMES],
    "assign": [(":", False, False), ("=", False, False), ("->", False, False)],
    "add_verb": [(verb, True, False) for verb in ("add", "legg", "følg", "follow", "finn")],
}


# (kind, pattern, gate, level), in the order they run
_STEPS = [
    ("email", _EMAIL, "at", None),
    ("url", _URL, "url", None),
    *[("handle", pattern, gate, level) for pattern, level, gate in _HANDLE_PATTERNS],
    ("handle", _AT_HANDLE, "at", STRONG),
    ("fnr", _ELEVEN, "digits5", None),
    ("vipps", _VIPPS, "vipps", None),
    ("phone", _PHONE, "digits8", None),
]


def _repl_for(kind: str, level, counts: Counter):
    if kind == "handle":
        return _handle_repl(counts, level)
    if kind == "fnr":
        return _eleven(counts)
    if kind == "vipps":
        return _count("vipps", counts, keep_group=1)
    return _count(kind, counts)


# The steps match case-insensitively (regex.IGNORECASE). Lowercasing gives every character the
# case its step matches, except İ and ſ, which match i and s there; mapped first, they also keep
# lower() from changing the length (İ is the only character whose lowercase is longer).
_FOLD_FIRST = (("\u0130", "i"), ("\u017f", "s"))


def _gate_text(text: str) -> str:
    for char, folded in _FOLD_FIRST:
        if char in text:
            text = text.replace(char, folded)
    return text.lower()


def scrub_text(text: str, counts: Counter | None = None) -> str:
    """Replace identifiers in one text by typed placeholders."""
    if counts is None:
        counts = Counter()
    if not isinstance(text, str) or not text:
        return text
    open_gates = {name for name, docs in _open_gates(_gate_text(text), [0]).items() if docs}
    s = text
    for kind, pattern, gate, level in _STEPS:
        if open_gates.issuperset((gate,) if isinstance(gate, str) else gate):
            s = pattern.sub(_repl_for(kind, level, counts), s)
    return s


def scrub(text: str) -> tuple[str, ScrubReport]:
    """Scrub one text; return the text and a report of what kinds were removed."""
    counts: Counter = Counter()
    out = scrub_text(text, counts)
    return out, ScrubReport(counts=counts, texts=1, texts_changed=int(out != text))


_BATCH_JOIN = "\n\ue000\n"  # no gate can match across this


def _whole_doc(gate):
    """The gate, then the rest of its text: one match per text in a joined batch."""
    cached = _WHOLE.get(gate)
    if cached is None:
        engine = re if isinstance(gate, re.Pattern) else regex
        cached = _WHOLE[gate] = engine.compile(f"(?:{gate.pattern})[^\ue000]*")
    return cached


_WHOLE: dict = {}

try:
    from risksignals.signals._hits import bounded_hits as _bounded_hits
except ImportError:  # pragma: no cover - no C compiler at install time
    _bounded_hits = None


@lru_cache(maxsize=1)
def _literal_automaton():
    from risksignals.signals.automaton import Automaton

    return Automaton([(key, (left, right, len(key), gate)) for gate, keys in _LITERAL_GATES.items()
                      for key, left, right in keys])


_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # (?m)^ of regex follows only "\n"
_POSSESSIVES = ("min", "mi", "mitt", "my", "ny", "nye", "new")


def _derived_gates(text: str, start: int, end: int) -> list[str]:
    """The derived gates a platform name at text[start:end] opens (never fewer than its regex):
    "på/on" before it, the start of a line before it, "min/ny ..." before it or "er/is" after."""
    out = []
    j = start
    while j > 0 and text[j - 1].isspace():  # str.isspace is re's \s, which covers regex's \s
        j -= 1
    if j < start and text[max(0, j - 2):j] in ("på", "on"):
        out.append("on_platform")
    j = start
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    if j == 0 or text[j - 1] in _LINE_BREAKS:
        out.append("line_platform")
    if j < start and text[max(0, j - 4):j].endswith(_POSSESSIVES):
        out.append("mine_platform")
    else:
        k = end
        while k < len(text) and (text[k].isalnum() or text[k] == "_"):  # the rest of "snapchat"
            k += 1
        gap = k
        while k < len(text) and text[k] in " \t":
            k += 1
        if k > gap and text.startswith(("e", "is"), k):
            out.append("mine_platform")
    return out


def _open_gates(joined: str, starts: list[int]) -> dict[str, list[int]]:
    """For each gate, the texts (indexes, ascending) where it occurs in a gate text of joined
    texts starting at ``starts``."""
    literal = _literal_automaton() if _bounded_hits is not None else None
    compiled = literal is not None and literal.compiled
    regex_gates = {name: gate for name, gate in _GATES.items()
                   if not compiled or (name not in _LITERAL_GATES and name not in _DERIVED_GATES)}
    docs_of = {name: [bisect_right(starts, m.start()) - 1 for m in _whole_doc(gate).finditer(joined)]
               for name, gate in regex_gates.items()}
    if not compiled:
        for name in _DERIVED_GATES:
            docs_of.setdefault(name, docs_of["platform"])
        return docs_of
    found: dict[str, set[int]] = {name: set() for name in (*_LITERAL_GATES, *_DERIVED_GATES)}
    for start, end, (_left, _right, _n, gate) in _bounded_hits(literal.hits(joined), joined):
        doc = bisect_right(starts, start) - 1
        found[gate].add(doc)
        if gate == "platform":
            for derived in _derived_gates(joined, start, end):
                found[derived].add(doc)
    docs_of.update({name: sorted(docs) for name, docs in found.items()})
    return docs_of


def _step_docs(docs_of: dict[str, list[int]], gate: "str | tuple[str, ...]") -> list[int]:
    """The texts a step runs on: those where its gate (or all its gates) occur."""
    if isinstance(gate, str):
        return docs_of[gate]
    return sorted(set(docs_of[gate[0]]).intersection(*(docs_of[g] for g in gate[1:])))


def scrub_series(texts: pd.Series, report: ScrubReport | None = None) -> pd.Series:
    """Scrub a Series of texts (non-texts pass through unchanged).

    Same result as :func:`scrub_text` on each text: each gate is searched once over the joined
    batch, and each step runs only on the texts where its gate occurs.
    """
    counts: Counter = Counter()
    values = texts.tolist()
    out = list(values)
    idx = [i for i, t in enumerate(values) if isinstance(t, str) and t]
    odd = [i for i in idx if "\ue000" in values[i]]
    for i in odd:
        out[i] = scrub_text(values[i], counts)
    idx = [i for i in idx if "\ue000" not in values[i]]
    current = [values[i] for i in idx]
    if current:
        joined = _gate_text(_BATCH_JOIN.join(current))  # the same length as the texts joined
        starts, at = [], 0
        for t in current:
            starts.append(at)
            at += len(t) + len(_BATCH_JOIN)
        docs_of = _open_gates(joined, starts)
        for kind, pattern, gate, level in _STEPS:
            docs = _step_docs(docs_of, gate)
            if not docs:
                continue
            repl = _repl_for(kind, level, counts)
            # one pass over the gated texts joined (no pattern can match across the separator)
            done = pattern.sub(repl, _BATCH_JOIN.join(current[d] for d in docs)).split(_BATCH_JOIN)
            if len(done) != len(docs):  # pragma: no cover - defensive
                done = [pattern.sub(repl, current[d]) for d in docs]
            for d, t in zip(docs, done):
                current[d] = t
    changed = sum(out[i] != values[i] for i in odd)
    for i, t in zip(idx, current):
        changed += t != values[i]
        out[i] = t
    if report is not None:
        report.add(ScrubReport(counts=counts, texts=len(values), texts_changed=changed))
    return pd.Series(out, index=texts.index, dtype=object)


# ---------------------------------------------------------------------------------------------
# identifier columns
_IDENT_TOKENS = {
    "author", "authors", "user", "users", "username", "usernames", "userid", "name", "names",
    "navn", "fornavn", "etternavn", "phone", "telephone", "tlf", "telefon", "mobil", "mobile",
    "email", "mail", "epost", "handle", "handles", "brukernavn", "bruker", "account", "profile",
    "profil", "sender", "avsender", "from", "fra", "recipient", "mottaker", "fnr",
    "fodselsnummer", "fødselsnummer", "personnummer", "ssn", "address", "adresse", "ip",
    "screenname", "nick", "nickname", "kallenavn", "person", "owner", "eier", "poster",
    "snap", "snapchat", "instagram", "insta", "tiktok", "twitter", "telegram", "kontonummer",
    "konto", "vipps", "birthdate", "fodselsdato", "fødselsdato", "student", "elev", "pupil",
}
_COMPOUND = {"user_name", "screen_name", "full_name", "first_name", "last_name", "e_mail",
             "phone_number", "display_name", "user_id", "author_id", "sender_id", "account_id"}


def _tokens(name: str) -> list[str]:
    spaced = regex.sub(r"(?<=[a-zæøå])(?=[A-ZÆØÅ])", "_", str(name))
    return [t for t in regex.split(r"[^\p{L}\p{N}]+", spaced.lower()) if t]


def is_identifier_column(name: str) -> bool:
    """True for columns that name or contact a person (``author``, ``User Name``, ``tlf``)."""
    toks = _tokens(name)
    if not toks:
        return False
    if "_".join(toks) in _COMPOUND or "".join(toks) in _IDENT_TOKENS:
        return True
    return any(t in _IDENT_TOKENS for t in toks)


def identifier_columns(columns: Iterable[str]) -> list[str]:
    return [c for c in columns if is_identifier_column(c)]


def drop_identifier_columns(df: pd.DataFrame, *, keep: Iterable[str] = (),
                            warn: bool = True) -> pd.DataFrame:
    """Drop columns that identify people, with a one-line warning on stderr."""
    keep = set(keep)
    drop = [c for c in identifier_columns(map(str, df.columns)) if c not in keep]
    if not drop:
        return df
    if warn:
        print(f"warning: dropped identifying column(s): {', '.join(drop)}", file=sys.stderr)
    return df.drop(columns=drop)
