"""Lexicon files: loading, validation and lint.

The knowledge of code words, emojis and cues is plain data (TOML files, one per signal, see
``README.md`` next to this module). This module turns those files into :class:`Entry` objects
and rules, and refuses files that break the schema with a message that names the file, the
entry and the field.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import regex

from risksignals.errors import LexiconError
from risksignals.labels import LABELS

__all__ = ["Entry", "Rule", "Lexicon", "LintIssue", "DATA_DIR", "STRENGTHS", "VARIETIES"]

STRENGTHS = ("strong", "weak")
VARIETIES = ("nb", "nn", "en", "multiethnolect", "dialect", "emoji", "sv")
CONTEXT = "context"
_REQUIRED = ("id", "signal", "cue", "strength", "meaning_nb", "meaning_en", "source")
_OPTIONAL_DEFAULTS: dict[str, Any] = {
    "forms": [],
    "patterns": [],
    "literal": "",
    "variety": [],
    "note": "",
}
_ID = regex.compile(r"[a-z0-9][a-z0-9._\-]*")
DATA_DIR = resources.files("risksignals.lexicons") / "data"


@dataclass(frozen=True)
class Entry:
    """One lexicon entry: a concept with its surface forms and its explanation."""

    id: str
    signal: str
    cue: str
    strength: str
    forms: tuple[str, ...]
    patterns: tuple[str, ...]
    literal: str
    meaning_nb: str
    meaning_en: str
    variety: tuple[str, ...]
    source: str
    note: str = ""
    origin: str = ""

    @property
    def strong(self) -> bool:
        return self.strength == "strong"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "signal": self.signal,
            "cue": self.cue,
            "strength": self.strength,
            "forms": list(self.forms),
            "patterns": list(self.patterns),
            "literal": self.literal,
            "meaning_nb": self.meaning_nb,
            "meaning_en": self.meaning_en,
            "variety": list(self.variety),
            "source": self.source,
            "note": self.note,
        }


@dataclass(frozen=True)
class Rule:
    """How a signal's cues combine into a label (read from the file's ``[rule]`` table).

    ``combinations``: lists of cue roles; the label fires when every role of one combination is
    present. ``role!`` asks for a strong cue of that role. ``dampen`` (context file): per
    context cue, a factor per label applied when that cue is present.
    """

    label: str
    combinations: tuple[tuple[str, ...], ...]
    dampen: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class LintIssue:
    level: str  # "error" | "warning"
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


def _where(origin: str, entry_id: str | None = None) -> str:
    return f"{origin} [{entry_id}]" if entry_id else origin


def _as_str_list(value: Any, name: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"{where}: '{name}' must be a list of strings")
    return tuple(value)


def _parse_entry(raw: Mapping[str, Any], origin: str, file_signal: str, known: set[str]) -> Entry:
    entry_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    where = _where(origin, entry_id)
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise LexiconError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = set(raw) - set(_REQUIRED) - set(_OPTIONAL_DEFAULTS)
    if unknown:
        raise LexiconError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for name in _REQUIRED:
        if not isinstance(raw[name], str) or not raw[name].strip():
            raise LexiconError(f"{where}: '{name}' must be a non-empty text")
    if not _ID.fullmatch(raw["id"]):
        raise LexiconError(f"{where}: id must be lowercase letters, digits, '.', '_' or '-'")
    signal = raw["signal"]
    if signal not in known:
        raise LexiconError(
            f"{where}: signal '{signal}' is unknown (expected one of {', '.join(sorted(known))})"
        )
    if file_signal not in (signal, CONTEXT) and signal != CONTEXT:
        raise LexiconError(f"{where}: signal '{signal}' in a file for '{file_signal}'")
    if raw["strength"] not in STRENGTHS:
        raise LexiconError(f"{where}: strength must be 'strong' or 'weak', not '{raw['strength']}'")
    values = {k: raw.get(k, d) for k, d in _OPTIONAL_DEFAULTS.items()}
    forms = _as_str_list(values["forms"], "forms", where)
    patterns = _as_str_list(values["patterns"], "patterns", where)
    variety = _as_str_list(values["variety"], "variety", where)
    bad = [v for v in variety if v not in VARIETIES]
    if bad:
        raise LexiconError(f"{where}: unknown variety {bad} (use {', '.join(VARIETIES)})")
    if not forms and not patterns:
        raise LexiconError(f"{where}: needs at least one form or pattern")
    for form in forms:
        if not form.strip():
            raise LexiconError(f"{where}: empty form")
        if form.endswith("*") and len(form.rstrip("*").split()[-1] if form.rstrip("*").split() else "") < 3:
            raise LexiconError(f"{where}: prefix form '{form}' needs at least 3 characters before '*'")
    for pattern in patterns:
        try:
            regex.compile(pattern)
        except regex.error as exc:
            raise LexiconError(f"{where}: pattern {pattern!r} does not compile: {exc}") from None
    for name in ("literal", "note"):
        if not isinstance(values[name], str):
            raise LexiconError(f"{where}: '{name}' must be a text")
    return Entry(
        id=raw["id"],
        signal=signal,
        cue=raw["cue"],
        strength=raw["strength"],
        forms=forms,
        patterns=patterns,
        literal=values["literal"],
        meaning_nb=raw["meaning_nb"],
        meaning_en=raw["meaning_en"],
        variety=variety,
        source=raw["source"],
        note=values["note"],
        origin=origin,
    )


def _parse_rule(raw: Any, origin: str, signal: str) -> Rule | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise LexiconError(f"{origin}: [rule] must be a table")
    combos = raw.get("combinations", [])
    if not isinstance(combos, list) or not all(
        isinstance(c, list) and c and all(isinstance(r, str) for r in c) for c in combos
    ):
        raise LexiconError(f"{origin}: rule.combinations must be a list of lists of cue names")
    dampen = raw.get("dampen", {})
    if not isinstance(dampen, dict):
        raise LexiconError(f"{origin}: rule.dampen must be a table")
    for cue, factors in dampen.items():
        if not isinstance(factors, dict) or not all(
            isinstance(v, (int, float)) and 0 <= v <= 1 for v in factors.values()
        ):
            raise LexiconError(f"{origin}: rule.dampen.{cue} must map labels to factors in [0, 1]")
    return Rule(
        label=signal,
        combinations=tuple(tuple(c) for c in combos),
        dampen={k: dict(v) for k, v in dampen.items()},
    )


def _read_document(path: Path | Any, origin: str) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise LexiconError(f"lexicon file not found: {origin}") from None
    except OSError as exc:
        raise LexiconError(f"cannot read lexicon file {origin}: {exc.strerror}") from None
    name = str(origin).lower()
    try:
        if name.endswith(".json"):
            return json.loads(data.decode("utf-8"))
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise LexiconError(f"{origin}: not UTF-8 text") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise LexiconError(f"{origin}: not valid {'JSON' if name.endswith('.json') else 'TOML'}: {exc}") from None


def _shipped_sources() -> list[tuple[Any, str]]:
    return [(item, f"risksignals/lexicons/data/{item.name}")
            for item in sorted(DATA_DIR.iterdir(), key=lambda p: p.name)
            if item.name.endswith((".toml", ".json"))]


@lru_cache(maxsize=1)
def _shipped() -> "Lexicon":
    return Lexicon.from_documents([(origin, _read_document(src, origin)) for src, origin in _shipped_sources()])


class Lexicon:
    """A validated set of lexicon entries and the rules that combine them.

    >>> lex = Lexicon.load()                     # the shipped files
    >>> lex = Lexicon.load(extra=["mine.toml"])  # plus a local file of your own
    """

    def __init__(self, entries: Sequence[Entry], rules: Mapping[str, Rule] | None = None,
                 *, files: Sequence[str] = ()):
        ids: dict[str, Entry] = {}
        for e in entries:
            if e.id in ids:
                raise LexiconError(
                    f"duplicate entry id '{e.id}' in {e.origin} (also in {ids[e.id].origin})"
                )
            ids[e.id] = e
        self.entries: tuple[Entry, ...] = tuple(entries)
        self.rules: dict[str, Rule] = dict(rules or {})
        self.files: tuple[str, ...] = tuple(files)
        self._by_id = ids
        self._matcher = None

    # -- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, paths: Iterable[str | Path] | None = None, *,
             extra: Iterable[str | Path] = ()) -> "Lexicon":
        """Load lexicon files: the shipped ones (or ``paths``) plus ``extra`` local files.

        The shipped lexicon alone is loaded once per process and shared (its matcher too):
        the detector, the name mask and notebook displays all use the same object.
        """
        extra = tuple(extra)
        if paths is None and not extra:
            return _shipped()
        sources = _shipped_sources() if paths is None else [(Path(p), str(p)) for p in paths]
        sources.extend((Path(p), str(p)) for p in extra)
        docs = [(origin, _read_document(src, origin)) for src, origin in sources]
        return cls.from_documents(docs)

    @classmethod
    def from_documents(cls, docs: Sequence[tuple[str, Mapping[str, Any]]]) -> "Lexicon":
        """Build from parsed documents ``[(origin, {"meta": ..., "entry": [...]})]``."""
        known = set(LABELS) | {CONTEXT}
        for origin, doc in docs:
            meta = doc.get("meta") if isinstance(doc, Mapping) else None
            if isinstance(meta, Mapping) and isinstance(meta.get("signal"), str):
                known.add(meta["signal"])
        entries: list[Entry] = []
        rules: dict[str, Rule] = {}
        for origin, doc in docs:
            if not isinstance(doc, Mapping):
                raise LexiconError(f"{origin}: expected a table with [meta] and [[entry]]")
            meta = doc.get("meta")
            if not isinstance(meta, Mapping) or not isinstance(meta.get("signal"), str):
                raise LexiconError(f"{origin}: needs a [meta] table with signal = \"...\"")
            signal = meta["signal"]
            raw_entries = doc.get("entry", [])
            if not isinstance(raw_entries, list):
                raise LexiconError(f"{origin}: 'entry' must be an array of tables ([[entry]])")
            for raw in raw_entries:
                if not isinstance(raw, Mapping):
                    raise LexiconError(f"{origin}: every [[entry]] must be a table")
                entries.append(_parse_entry(raw, origin, signal, known))
            rule = _parse_rule(doc.get("rule"), origin, signal)
            if rule is not None:
                if signal in rules:
                    old = rules[signal]
                    rule = Rule(
                        label=signal,
                        combinations=old.combinations + tuple(
                            c for c in rule.combinations if c not in old.combinations
                        ),
                        dampen={**old.dampen, **rule.dampen},
                    )
                rules[signal] = rule
        return cls(entries, rules, files=[o for o, _ in docs])

    # -- access --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)

    def __getitem__(self, entry_id: str) -> Entry:
        return self._by_id[entry_id]

    @property
    def signals(self) -> tuple[str, ...]:
        """Signals with a rule (the labels this lexicon can decide), in label order."""
        names = [s for s in self.rules if s != CONTEXT]
        order = {label: i for i, label in enumerate(LABELS)}
        return tuple(sorted(names, key=lambda s: (order.get(s, len(order)), s)))

    @property
    def matcher(self):
        """The compiled :class:`~risksignals.signals.matcher.Matcher` (built once)."""
        if self._matcher is None:
            from risksignals.signals.matcher import Matcher

            self._matcher = Matcher(self)
        return self._matcher

    # -- lint ----------------------------------------------------------------------------
    def lint(self) -> list[LintIssue]:
        """Problems beyond the schema: duplicate forms, conflicts, patterns that can't match."""
        from risksignals.signals.normalize import matching_key

        issues: list[LintIssue] = []
        seen: dict[tuple[str, str], Entry] = {}
        for e in self.entries:
            for form in e.forms:
                key = matching_key(form.rstrip("*")) + ("*" if form.endswith("*") else "")
                if not key.strip("*").strip():
                    issues.append(LintIssue("error", _where(e.origin, e.id),
                                            f"form {form!r} is empty after normalisation"))
                    continue
                bare = key.rstrip("*")
                if len(bare) == 1 and not regex.match(r"\p{Extended_Pictographic}", bare):
                    issues.append(LintIssue("warning", _where(e.origin, e.id),
                                            f"form {form!r} becomes the single letter {bare!r} after "
                                            f"normalisation (repeats collapse) and will match widely"))
                other = seen.get((e.signal, key))
                if other is not None and other.id != e.id:
                    level = "error" if (other.cue != e.cue or other.strength != e.strength) else "warning"
                    what = "conflicting" if level == "error" else "duplicate"
                    issues.append(LintIssue(level, _where(e.origin, e.id),
                                            f"{what} form {form!r}: also in [{other.id}] "
                                            f"({other.cue}/{other.strength} vs {e.cue}/{e.strength})"))
                else:
                    seen[(e.signal, key)] = e
            for pattern in e.patterns:
                literal = regex.sub(r"\\.|\[[^\]]*\]|\{[^}]*\}", "", pattern)
                if regex.search(r"(\p{L})\1", literal):
                    issues.append(LintIssue("warning", _where(e.origin, e.id),
                                            f"pattern {pattern!r} has a doubled letter; the key "
                                            f"collapses repeats, so it can never match there"))
                if regex.search(r"\p{Lu}", literal):
                    issues.append(LintIssue("warning", _where(e.origin, e.id),
                                            f"pattern {pattern!r} has capitals; the key is casefolded"))
                try:
                    compiled = regex.compile(pattern)
                    compiled.search("a" * 2000 + "!" + " a" * 500, timeout=0.5)
                    if compiled.search(""):
                        issues.append(LintIssue("error", _where(e.origin, e.id),
                                                f"pattern {pattern!r} matches the empty text"))
                except TimeoutError:
                    issues.append(LintIssue("error", _where(e.origin, e.id),
                                            f"pattern {pattern!r} is too slow (catastrophic backtracking)"))
        cues_of: dict[str, set[str]] = {}
        for e in self.entries:
            cues_of.setdefault(e.signal, set()).add(e.cue)
        for signal, rule in self.rules.items():
            for combo in rule.combinations:
                for role in combo:
                    name = role.rstrip("!").split("*", 1)[0]
                    owner, cue = name.split(":", 1) if ":" in name else (signal, name)
                    if cue not in cues_of.get(owner, set()):
                        issues.append(LintIssue("warning", f"rule for {signal}",
                                                f"cue '{role}' has no entries"))
        return issues
