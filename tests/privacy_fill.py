"""Fill the slots of tests/data/privacy_cases.jsonl with synthetic identifiers in many formats."""

from __future__ import annotations

import json
import random
from pathlib import Path

CASES = Path(__file__).parent / "data" / "privacy_cases.jsonl"
KIND = {"PHONE": "phone", "EMAIL": "email", "URL": "url", "HANDLE": "handle", "FNR": "fnr",
        "ACCOUNT": "account", "VIPPS": "vipps"}
_HANDLES = ["jonas_2009", "lil.ali", "emmaxo", "sara123", "tobbe", "kaisa.k", "xx_hamza_xx",
            "noor.b", "mats.h", "yasmin_07", "ola.nordmann99", "amiiina", "kacper.z", "thanh_l",
            "b1lal", "frida.ss", "rojin_x", "aksel2k", "mille.mo", "semhar.t"]


def _phone(rng: random.Random) -> str:
    d = rng.choice("49") + "".join(rng.choice("0123456789") for _ in range(7))
    fmt = rng.randrange(9)
    return [
        d, f"{d[:3]} {d[3:5]} {d[5:]}", f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:]}", f"{d[:4]} {d[4:]}",
        f"+47 {d}", f"+47{d}", f"0047 {d[:3]} {d[3:5]} {d[5:]}", f"(+47) {d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",
        f"+47 {d[:3]} {d[3:5]} {d[5:]}",
    ][fmt]


def synthetic_fnr(rng: random.Random) -> str:
    while True:
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(0, 99)
        base = f"{day:02d}{month:02d}{year:02d}{rng.randint(0, 999):03d}"
        d = [int(c) for c in base]
        k1 = 11 - sum(a * b for a, b in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), d)) % 11
        k1 = 0 if k1 == 11 else k1
        if k1 == 10:
            continue
        d.append(k1)
        k2 = 11 - sum(a * b for a, b in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), d)) % 11
        k2 = 0 if k2 == 11 else k2
        if k2 == 10:
            continue
        return base + str(k1) + str(k2)


def synthetic_account(rng: random.Random) -> str:
    while True:
        base = "".join(rng.choice("0123456789") for _ in range(10))
        rest = sum(int(c) * w for c, w in zip(base, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))) % 11
        control = 0 if rest == 0 else 11 - rest
        if control != 10:
            return base + str(control)


def _value(slot: str, rng: random.Random) -> str:
    if slot == "PHONE":
        return _phone(rng)
    if slot == "EMAIL":
        user = rng.choice(["jonas.h", "emma_2008", "ali.k", "sara.b", "kacper99", "noor"])
        return f"{user}@{rng.choice(['gmail.com', 'hotmail.no', 'online.no', 'skole.no', 'outlook.com'])}"
    if slot == "URL":
        return rng.choice(["https://snapchat.com/add/xx_ali", "www.eksempelside.no/salg",
                           "https://www.tiktok.com/@emmaxo/video/123", "bit.ly/3xYzAb",
                           "http://minside.example.com/profil?id=77", "instagram.com/noor.b"])
    if slot == "HANDLE":
        return rng.choice(_HANDLES)
    if slot == "FNR":
        v = synthetic_fnr(rng)
        return v if rng.random() < 0.6 else f"{v[:6]} {v[6:]}"
    if slot == "ACCOUNT":
        v = synthetic_account(rng)
        return rng.choice([v, f"{v[:4]}.{v[4:6]}.{v[6:]}", f"{v[:4]} {v[4:6]} {v[6:]}"])
    if slot == "VIPPS":
        return str(rng.randint(10000, 999999))
    raise KeyError(slot)


def filled_cases(seed: int = 7, copies: int = 3):
    """Yield (kind, text, [(slot_kind, raw_value), ...]) for each case, ``copies`` fills each."""
    rng = random.Random(seed)
    rows = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        n = copies if row["kind"] == "identifier" else 1
        for _ in range(n):
            values = []
            text = row["template"]
            while "{" in text and "}" in text:
                a = text.index("{")
                b = text.index("}", a)
                slot = text[a + 1 : b]
                v = _value(slot, rng)
                values.append((KIND[slot], v))
                text = text[:a] + v + text[b + 1 :]
            yield row["kind"], text, values
