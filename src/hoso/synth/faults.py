"""Data-quality faults injected on purpose, with the truth about each one.

The identity work (matching, deduplication, data-quality checks) needs data with the
mistakes real registrations make, and a key to score itself against. Each fault is drawn
per person at its rate, from a random stream of its own, so a run with faults has the same
people and histories as the run without them:

- `typo`: one character changed, deleted or transposed in a name part or the street line;
- `swap-dmy`: birth day and month swapped (only possible when the day is 12 or less and
  differs from the month; eligible people are drawn more often so the rate holds overall);
- `missing-cccd`: the Patient is written without its CCCD;
- `duplicate`: a second Patient for the person, as another facility registered them: name
  re-typed (no diacritics, capitals), CCCD left out or with one digit mistyped (never the
  serial, so it cannot be anyone else's number: the store refuses two active Patients with
  the same CCCD), and some of the person's encounters point at it.
"""

from __future__ import annotations

import copy
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any

from hoso.synth.names import full_text

__all__ = ["FAULTS", "FaultOutcome", "apply_faults", "check_faults", "parse_faults"]

FAULTS = ("typo", "swap-dmy", "missing-cccd", "duplicate")
SWAP_ELIGIBLE = 132 / 365  # days of the year with day <= 12 and day != month


def _msg(vi: str, en: str) -> str:
    return f"{vi} / {en}"


def check_faults(faults: dict[str, float]) -> dict[str, float]:
    """The faults in canonical order; `ValueError` on an unknown name or a bad rate."""
    for name, rate in faults.items():
        if name not in FAULTS:
            raise ValueError(
                _msg(
                    f"Loại lỗi không xác định '{name}'; các loại hợp lệ: {', '.join(FAULTS)}",
                    f"Unknown fault '{name}'; valid faults: {', '.join(FAULTS)}",
                )
            )
        if (
            isinstance(rate, bool)
            or not isinstance(rate, int | float)
            or math.isnan(rate)
            or not 0.0 <= rate <= 1.0
        ):
            raise ValueError(
                _msg(
                    f"Tỷ lệ lỗi '{name}' phải là số trong khoảng [0, 1], nhận được {rate!r}",
                    f"Rate of fault '{name}' must be a number in [0, 1], got {rate!r}",
                )
            )
    return {name: float(faults[name]) for name in FAULTS if name in faults}


def parse_faults(text: str) -> dict[str, float]:
    """`"typo=0.02,swap-dmy=0.005"` → `{"typo": 0.02, "swap-dmy": 0.005}`; "" → {}."""
    found: dict[str, float] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, value = (s.strip() for s in part.partition("="))
        if not sep or not name or not value:
            raise ValueError(
                _msg(
                    f"Sai cú pháp '{part}': cần dạng tên=tỷ_lệ, ví dụ typo=0.02",
                    f"Malformed '{part}': expected name=rate, e.g. typo=0.02",
                )
            )
        if name in found:
            raise ValueError(
                _msg(f"Loại lỗi '{name}' được nêu hai lần", f"Fault '{name}' given twice")
            )
        try:
            rate = float(value)
        except ValueError:
            raise ValueError(
                _msg(
                    f"Tỷ lệ lỗi '{name}' không phải là số: '{value}'",
                    f"Rate of fault '{name}' is not a number: '{value}'",
                )
            ) from None
        found[name] = rate
        check_faults({name: rate})
    return check_faults(found)


# -- what a fault does ---------------------------------------------------------------------
FaultRow = tuple[str, str, str, str, str]  # patient_id, fault, field, original, faulted


@dataclass(slots=True)
class FaultOutcome:
    patients: list[dict[str, Any]]  # the person's Patient, then a duplicate if any
    rows: list[FaultRow] = field(default_factory=list)
    duplicate_ref: dict[str, str] | None = None


# A slip of the finger or of the Vietnamese input method: a nearby letter or tone.
_NEAR = {
    "a": "ă", "ă": "â", "â": "a", "e": "ê", "ê": "e", "i": "y", "y": "i", "o": "ô", "ô": "ơ",
    "ơ": "o", "u": "ư", "ư": "u", "d": "đ", "đ": "d", "n": "m", "m": "n", "c": "x", "x": "c",
    "s": "x", "t": "r", "r": "t", "l": "n", "g": "h", "h": "g", "k": "c", "b": "v", "v": "b",
    "p": "b", "q": "g",
}  # fmt: skip


def typo(word: str, rng: Random) -> str:
    """`word` with one slip: a letter deleted, two transposed, one replaced or one mark
    dropped; never the same word, never empty."""
    for _ in range(20):
        i = rng.randrange(len(word))
        op = rng.randrange(4)
        if op == 0 and len(word) > 2:
            out = word[:i] + word[i + 1 :]
        elif op == 1 and len(word) > 1:
            i = min(i, len(word) - 2)
            out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif op == 2:
            low = word[i].lower()
            base = strip_marks(low)
            new = _NEAR.get(low, _NEAR.get(base, "a"))
            out = word[:i] + (new.upper() if word[i].isupper() else new) + word[i + 1 :]
        else:
            out = word[:i] + strip_marks(word[i]) + word[i + 1 :]
        if out != word and out.strip():
            return out
    return word + word[-1]


def strip_marks(text: str) -> str:
    """ "Nguyễn Đức" → "Nguyen Duc": how a keyboard without Vietnamese input types it."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def _typo_fault(patient: dict[str, Any], rng: Random, out: FaultOutcome) -> None:
    name = patient["name"][0]
    roll = rng.random()
    if roll < 0.4:
        path, old = "name.family", name["family"]
        name["family"] = new = typo(old, rng)
    elif roll < 0.8:
        k = rng.randrange(len(name["given"]))
        path, old = f"name.given[{k}]", name["given"][k]
        name["given"][k] = new = typo(old, rng)
    else:
        line = patient["address"][0]["line"]
        path, old = "address.line[0]", line[0]
        line[0] = new = typo(old, rng)
    name["text"] = full_text(name["family"], name["given"])
    out.rows.append((patient["id"], "typo", path, old, new))


def _swap_fault(patient: dict[str, Any], rate: float, rng: Random, out: FaultOutcome) -> None:
    year, month, day = patient["birthDate"].split("-")
    if int(day) > 12 or day == month or rng.random() >= min(1.0, rate / SWAP_ELIGIBLE):
        return
    old = patient["birthDate"]
    patient["birthDate"] = new = f"{year}-{day}-{month}"
    out.rows.append((patient["id"], "swap-dmy", "birthDate", old, new))


def _as_typed(rng: Random) -> Callable[[str], str]:
    """How the other facility's clerk types names: as is, without marks, in capitals."""
    roll = rng.random()
    if roll < 0.3:
        return str
    if roll < 0.65:
        return strip_marks
    if roll < 0.85:
        return str.upper
    return lambda text: strip_marks(text).upper()


def _mistyped_cccd(cccd: str, rng: Random) -> str:
    """One of the first six digits (province, century-sex, year) replaced."""
    i = rng.randrange(6)
    digit = str((int(cccd[i]) + 1 + rng.randrange(9)) % 10)
    return cccd[:i] + digit + cccd[i + 1 :]


def _duplicate(clean: dict[str, Any], rng: Random, other_org: str, out: FaultOutcome) -> None:
    dup = copy.deepcopy(clean)
    dup_id = f"dup-{clean['id'].split('-', 1)[1]}"
    dup["id"] = dup_id
    out.rows.append((dup_id, "duplicate", "id", clean["id"], dup_id))
    name = dup["name"][0]
    name.pop("use", None)
    old_text = name["text"]
    typed = _as_typed(rng)
    name["family"] = typed(name["family"])
    name["given"] = [typed(g) for g in name["given"]]
    name["text"] = full_text(name["family"], name["given"])
    if name["text"] != old_text:
        out.rows.append((dup_id, "duplicate", "name.text", old_text, name["text"]))
    cccd = clean.get("identifier", [{}])[0].get("value")
    if cccd and rng.random() < 0.4:
        dup["identifier"][0]["value"] = wrong = _mistyped_cccd(cccd, rng)
        out.rows.append((dup_id, "duplicate", "identifier.cccd", cccd, wrong))
    else:
        dup.pop("identifier", None)
        if cccd:
            out.rows.append((dup_id, "duplicate", "identifier.cccd", cccd, ""))
    if rng.random() < 0.5:
        dup.pop("telecom", None)
    dup["managingOrganization"] = {"reference": other_org}
    out.patients.append(dup)
    out.duplicate_ref = {"reference": f"Patient/{dup_id}"}


def apply_faults(
    patient: dict[str, Any], rates: dict[str, float], rng: Random, other_org: str
) -> FaultOutcome:
    """Fault the Patient in place; returns it, any duplicate and the ground-truth rows."""
    out = FaultOutcome([patient])
    clean = copy.deepcopy(patient) if rates.get("duplicate") else patient
    if rng.random() < rates.get("typo", 0.0):
        _typo_fault(patient, rng, out)
    if rates.get("swap-dmy"):
        _swap_fault(patient, rates["swap-dmy"], rng, out)
    if rng.random() < rates.get("missing-cccd", 0.0) and "identifier" in patient:
        old = patient.pop("identifier")[0]["value"]
        out.rows.append((patient["id"], "missing-cccd", "identifier.cccd", old, ""))
    if rng.random() < rates.get("duplicate", 0.0):
        _duplicate(clean, rng, other_org, out)
    return out
