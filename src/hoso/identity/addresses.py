"""Home addresses reduced to the commune (ward) they are in, with its NSO code.

Since 1 July 2025 Vietnam has two levels: 34 provinces and their communes (phường, xã,
đặc khu); Ho Chi Minh City has 168 (DOMAIN-VN.md §7). Records keep arriving in the old
three-level form, though ("P. Bến Nghé, Q.1, TP.HCM"), so an address is resolved in
one of two ways:

- no district named: the ward is looked up among the current NSO communes of
  `vietnam_provinces` (2025.10.1), in the stated province;
- a district named (only pre-2025 addresses have one): the old (province, district,
  ward) is mapped to the new ward by `vietnam_address_converter`, whose own codes are not
  NSO codes, so its new ward *name* is looked up in `vietnam_provinces` again.

`confidence` says how sure the ward is: 1.0 exact name in the stated province, 0.9–0.95
when diacritics or the "Phường/Xã" word were missing, times 0.8 when no province was
given; for old addresses the converter's own score (0.98 full path … 0.9), halved if its
ward has no NSO code; 0.5 when only the province is known (an old ward split among
several new ones); 0 when nothing resolved. The original text is always kept.

Lookups are cached: about 150,000 addresses a second on a laptop core when the
administrative parts repeat (as they do across a city's population), about 20,000 a
second for all-new ones; the first old-style address loads the converter's 10 MB table
(about 0.2 s).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from hoso.core.text import fold

__all__ = ["NormalisedAddress", "normalise_address", "ward_key"]


@dataclass(frozen=True)
class NormalisedAddress:
    ward_code: str | None  # NSO code, 5 digits ("26740")
    ward_name: str | None  # official name when resolved, else the ward as written
    province_code: str | None  # NSO code, 2 digits ("79")
    province_name: str | None
    confidence: float
    original: str


_NOT_WORD = re.compile(r"[\W_]+")
_GLUED = re.compile(r"^(p|q|x|f)(?=[0-9])")  # "P12", "Q1": the abbreviation glued on
_OLD_THU_DUC = re.compile(r"(?:quan|q) [29]")  # merged into Thành phố Thủ Đức in 2021
_WARD_TYPES = {"phuong": "phuong", "p": "phuong", "f": "phuong", "xa": "xa", "x": "xa",
               "dac khu": "dac khu", "thi tran": "thi tran", "tt": "thi tran"}  # fmt: skip
_DISTRICT_WORDS = ("quan", "huyen", "thi xa", "q", "h", "tx", "thanh pho", "tp")
_PROVINCE_WORDS = ("thanh pho", "tinh", "tp")
_HCMC_ALIASES = ("hcm", "tphcm", "hcmc", "ho chi minh", "hochiminh")
_VIETNAM = ("", "vn", "vnm", "viet nam", "vietnam")


def _folded(text: str) -> str:
    return _GLUED.sub(r"\1 ", " ".join(_NOT_WORD.sub(" ", fold(text)).split()))


def _marked(text: str) -> str:
    spaced = _NOT_WORD.sub(" ", unicodedata.normalize("NFC", text).casefold())
    return _GLUED.sub(r"\1 ", " ".join(spaced.split()))


def _strip(folded: str, prefixes: tuple[str, ...] | dict[str, str]) -> tuple[str, int]:
    """(prefix found, number of its words) of a folded name, ('', 0) if none."""
    for prefix in prefixes:
        if folded.startswith(prefix + " "):
            return prefix, prefix.count(" ") + 1
    return "", 0


def _ward_keys(text: str) -> tuple[str, str, str, str]:
    """Keys from most to least exact: typed marked, bare marked, typed folded, bare."""
    folded, marked = _folded(text), _marked(text)
    prefix, n = _strip(folded, _WARD_TYPES)
    kind = _WARD_TYPES.get(prefix, "")
    bare_f, bare_m = " ".join(folded.split()[n:]), " ".join(marked.split()[n:])
    return f"{kind}|{bare_m}", bare_m, f"{kind}|{bare_f}", bare_f


@dataclass(frozen=True)
class _Tables:
    provinces: dict[str, tuple[str, str]]  # bare folded name → (code, name)
    wards: dict[tuple[int, str, str], tuple[tuple[str, str, str], ...]]


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    """Indexes over the NSO lists (imported lazily: the package loads the whole nation)."""
    from vietnam_provinces import Province, Ward

    provinces = {}
    for p in Province.iter_all():
        bare = _folded(p.name)
        bare = " ".join(bare.split()[_strip(bare, _PROVINCE_WORDS)[1]:])
        provinces[bare] = (f"{int(p.code):02d}", p.name)
    for alias in _HCMC_ALIASES:
        provinces[alias] = provinces["ho chi minh"]
    wards: dict[tuple[int, str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for w in Ward.iter_all():
        entry = (f"{int(w.code):05d}", " ".join(w.name.split()), f"{int(w.province_code):02d}")
        for level, key in enumerate(_ward_keys(w.name)):
            for scope in (entry[2], ""):  # in its province, and nationwide
                wards[level, scope, key].append(entry)
    return _Tables(provinces, {k: tuple(v) for k, v in wards.items()})


def _province(text: str) -> tuple[str, str] | None:
    """(NSO code, name) of a current province, an alias, or a pre-2025 province."""
    folded = _folded(text)
    bare = " ".join(folded.split()[_strip(folded, _PROVINCE_WORDS)[1]:])
    tables = _tables()
    return tables.provinces.get(bare) or tables.provinces.get(folded) or _legacy_provinces(
    ).get(bare)


@lru_cache(maxsize=1)
def _legacy_provinces() -> dict[str, tuple[str, str]]:
    """Pre-2025 province → the province it merged into, from the converter's mapping."""
    from vietnam_address_converter.data import DEFAULT_DATA

    found = {}
    for row in DEFAULT_DATA["mapping"]["rows"]:
        old, new = row["keys"]["old_province_name"], row["keys"]["new_province_name"]
        if old not in found and (target := _tables().provinces.get(new)):
            found[old] = target
    return found


def _lookup_ward(text: str, province: str | None) -> tuple[str, str, str, float] | None:
    """(code, name, province code, confidence) of a unique current commune."""
    wards, keys, scope = _tables().wards, _ward_keys(text), province or ""
    for level, key in enumerate(keys):
        hits = wards.get((level, scope, key), ())
        if len(hits) == 1:
            code, name, in_province = hits[0]
            score = (1.0, 0.95, 0.9, 0.85)[level] * (1.0 if province else 0.8)
            if level < 2 and keys[1] == keys[3] and len(wards.get((3, scope, keys[3]), ())) > 1:
                score *= 0.6  # "Thanh An": exact, or Thạnh An typed without marks?
            return code, name, in_province, score
    return None


def _convert_legacy(ward: str, district: str | None, province: str | None) -> dict[str, Any]:
    """The converter's mapping of an old (province, district, ward) to the new ward."""
    from vietnam_address_converter.conversion import convert_old_to_new

    query = {"ward_name": ward}
    if district:
        query["district_name"] = district
    if province:
        query["province_name"] = province
    return convert_old_to_new(query)


# (ward code, ward name, province code, province name, confidence)
_Resolved = tuple[str | None, str | None, str | None, str | None, float]


@lru_cache(maxsize=1 << 16)
def _resolve(ward: str | None, district: str | None, state: str | None,
             streets: tuple[str, ...]) -> _Resolved:
    """(ward code, ward name, province code, province name, confidence) of the
    administrative parts; cached because the same few thousand repeat endlessly."""
    province = _province(state) if state else None
    code = province[0] if province else None
    if ward and district is None and (hit := _lookup_ward(ward, code)):
        return hit[0], hit[1], hit[2], _province_name(hit[2]), hit[3]
    if ward:
        old, ambiguous = _legacy(ward, district, province, state)
        if old is not None:
            return old
        if district is not None and (hit := _lookup_ward(ward, code)):
            return hit[0], hit[1], hit[2], _province_name(hit[2]), hit[3] * 0.7  # new ward
        shown = province[1] if province else state
        return None, ward, code, shown, 0.5 if ambiguous and province else 0.0
    for street in streets[1:]:  # "12 Lê Lợi, Sài Gòn, …": a ward without its "Phường"
        if not any(ch.isdigit() for ch in street) and (hit := _lookup_ward(street, code)):
            return hit[0], hit[1], hit[2], _province_name(hit[2]), hit[3] * 0.8
    return None, None, code, province[1] if province else state, 0.0


def _legacy(ward: str, district: str | None, province: tuple[str, str] | None,
            state: str | None) -> tuple[_Resolved | None, bool]:
    """(the new ward of an old address if the converter is sure of it, whether it found
    several)."""
    if province is None and district is None:
        return None, False  # a bare old ward name is too broad for the converter
    hcmc = province is None or province[0] == "79"
    if district and hcmc and _OLD_THU_DUC.fullmatch(_folded(district)):
        district = "Thành phố Thủ Đức"
    old_province = "Hồ Chí Minh" if province and province[0] == "79" else state
    result = _convert_legacy(
        _ward_keys(ward)[2].replace("|", " ").strip(), _folded(district) if district else None,
        _folded(old_province) if old_province else None)
    if result["status"] != "matched" or not result["result"]:
        return None, result["status"] == "ambiguous"
    new_ward = result["result"]["new_ward"]["name_with_type"]
    new_province = _province(result["result"]["new_province"]["name_with_type"])
    score = float(result["confidence"])
    hit = _lookup_ward(new_ward, new_province[0] if new_province else None)
    if hit:
        return (hit[0], hit[1], hit[2], _province_name(hit[2]), score), False
    return (None, new_ward, *(new_province or (None, None)), score * 0.5), False


def _province_name(code: str) -> str | None:
    return next((name for c, name in _tables().provinces.values() if c == code), None)


# The parts of a FHIR Address that matter, hashable: (lines, city, district, state, text,
# country).
_Key = tuple[tuple[str, ...], str | None, str | None, str | None, str | None, str | None]


def _key(address: dict[str, Any]) -> _Key:
    lines = address.get("line")
    kept = tuple(x for x in lines if isinstance(x, str)) if isinstance(lines, list) else ()
    city, district, state, text, country = (
        v if isinstance(v, str) else None
        for v in (address.get(k) for k in ("city", "district", "state", "text", "country")))
    return kept, city, district, state, text, country


def _pieces(key: _Key) -> tuple[list[str], list[tuple[str, str]]]:
    """(original parts, [(role, piece)…]) with comma- and slash-separated parts split."""
    lines = [x for x in key[0] if x.strip()]
    fields = [(role, v) for role, v in zip(("city", "district", "state"), key[1:4], strict=True)
              if v and v.strip()]
    original = [*lines, *(v for _, v in fields)]
    sources = [("line", x) for x in lines] + fields
    if not sources and key[4] and key[4].strip():
        sources = [("line", key[4])]
    pieces = [(role, p.strip()) for role, value in sources
              for part in value.split(",") for p in re.split(r"\s+/\s+", part) if p.strip()]
    return original, pieces


def _classify(pieces: list[tuple[str, str]]) -> tuple[str | None, str | None, str | None,
                                                      tuple[str, ...]]:
    """(ward, district, state, streets) by the words the pieces start with."""
    ward = district = state = None
    streets: list[str] = []
    for role, piece in pieces:
        folded = _folded(piece)
        maybe_province = role != "line" or not any(ch.isdigit() for ch in piece)
        if role == "state":
            state = state or piece
        elif _strip(folded, _WARD_TYPES)[0]:
            ward = ward or piece
        elif state is None and maybe_province and _province(piece):
            state = piece
        elif role == "district" or _strip(folded, _DISTRICT_WORDS)[0]:
            district = piece
        elif role == "city":
            ward = ward or piece
        else:
            streets.append(piece)
    return ward, district, state, tuple(streets)


def normalise_address(address: dict[str, Any]) -> NormalisedAddress:
    """The commune of a FHIR Address (line/city/district/state, or text alone)."""
    return _normalise(_key(address))


@lru_cache(maxsize=1 << 18)
def _normalise(key: _Key) -> NormalisedAddress:
    """Cached on the whole address: a matcher sees the same record's address again and
    again, one comparison pair after another."""
    original, pieces = _pieces(key)
    text, country = key[4], key[5]
    shown = text if text and text.strip() else ", ".join(original)
    if country and _folded(country) not in _VIETNAM:
        return NormalisedAddress(None, None, None, None, 0.0, shown)
    ward, district, state, streets = _classify(pieces)
    resolved = _resolve(ward, district, state, () if ward else streets)
    return NormalisedAddress(*resolved, original=shown)


def ward_key(address: dict[str, Any]) -> str | None:
    """What the matcher compares: the NSO ward code, else the folded ward as written."""
    found = normalise_address(address)
    if found.ward_code:
        return found.ward_code
    return (_folded(found.ward_name) or None) if found.ward_name else None
