"""The mapping from the warehouse's codes to a DHIS2 instance's identifiers: indicator
code → data elements (the numerator's and, where the receiving side computes the rate,
the denominator's), indicator × category options → category option combo, ward and
facility codes → organisation units. Versioned JSON (`data/dhis2-mapping.json`), checked
whole when read: every identifier a DHIS2 UID (11 characters, a letter then letters or
digits: docs.dhis2.org, "Identifier schemes"/UIDs).

A category combination's key is its options sorted by dimension, `dim=option` joined
with `|` ("age-band=15-49|sex=female"); no categories is the key "" (the default
combo, `HllvX50cXC0` in every DHIS2 instance).
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from hoso.core import jsonx
from hoso.warehouse.indicators.model import CITY, FACILITY, WARD

__all__ = ["DEFAULT_COMBO", "DataElementMap", "Dhis2Mapping", "MappingError", "combo_key",
           "is_uid", "mint_uid", "packaged_mapping", "parse_mapping"]  # fmt: skip

DEFAULT_COMBO = "HllvX50cXC0"  # DHIS2's "default" category option combo, the same everywhere
FORMAT = "hoso-dhis2-mapping"
_LETTERS = string.ascii_letters
_ALNUM = string.ascii_letters + string.digits
_ORG_KINDS = (WARD, FACILITY, CITY)


class MappingError(ValueError):
    """The mapping file is not what this module reads (named by its JSON path)."""


def is_uid(text: object) -> bool:
    """`^[A-Za-z][A-Za-z0-9]{10}$`, checked by hand: a regex's `$` accepts a final "\\n"."""
    return (isinstance(text, str) and len(text) == 11 and text[0] in _LETTERS
            and all(c in _ALNUM for c in text))  # fmt: skip


def mint_uid(kind: str, key: str) -> str:
    """A stable UID for metadata Hồ Sơ defines itself (HOUSE: until the receiving instance
    has its own): SHA-256 of `kind:key`, read as a letter then ten letters or digits."""
    digest = int.from_bytes(hashlib.sha256(f"hoso:{kind}:{key}".encode()).digest(), "big")
    digest, first = divmod(digest, len(_LETTERS))
    rest = []
    for _ in range(10):
        digest, i = divmod(digest, len(_ALNUM))
        rest.append(_ALNUM[i])
    return _LETTERS[first] + "".join(rest)


def combo_key(categories: Mapping[str, str]) -> str:
    return "|".join(f"{dim}={categories[dim]}" for dim in sorted(categories))


@dataclass(frozen=True, slots=True)
class DataElementMap:
    numerator: str
    denominator: str | None = None
    combos: Mapping[str, str] = field(default_factory=dict)  # combo key → COC UID


@dataclass(frozen=True, slots=True)
class Dhis2Mapping:
    version: str
    attribute_combo: str
    elements: Mapping[str, DataElementMap]
    org_units: Mapping[str, Mapping[str, str]]  # org kind → our code → orgUnit UID

    def org_unit(self, org_kind: str, org: str) -> str | None:
        return self.org_units.get(org_kind, {}).get(org)

    def combo(self, indicator: str, categories: Mapping[str, str]) -> str | None:
        element = self.elements.get(indicator)
        if element is None:
            return None
        key = combo_key(categories)
        return DEFAULT_COMBO if not key else element.combos.get(key)


def _uid(raw: object, where: str) -> str:
    if not is_uid(raw):
        raise MappingError(f"{where}: {str(raw)[:40]!r} không phải UID DHIS2 (11 ký tự) / is "
                           f"not a DHIS2 UID (11 characters, a letter first)")  # fmt: skip
    return str(raw)


def _object(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: phải là một đối tượng JSON / must be a JSON object")
    return raw


def _element(code: str, raw: object) -> DataElementMap:
    where = f"dataElements.{code}"
    entry = _object(raw, where)
    combos = _object(entry.get("categoryOptionCombos", {}), f"{where}.categoryOptionCombos")
    denominator = entry.get("denominator")
    return DataElementMap(
        numerator=_uid(entry.get("numerator"), f"{where}.numerator"),
        denominator=None if denominator is None else _uid(denominator, f"{where}.denominator"),
        combos={key: _uid(uid, f"{where}.categoryOptionCombos.{key}")
                for key, uid in combos.items()},
    )  # fmt: skip


def parse_mapping(raw: object) -> Dhis2Mapping:
    """The mapping in `raw` (the file's JSON), or `MappingError` naming what is wrong."""
    top = _object(raw, "$")
    if top.get("format") != FORMAT:
        raise MappingError(f"format: phải là {FORMAT!r} / must be {FORMAT!r}")
    version = top.get("version")
    if not isinstance(version, str) or not version:
        raise MappingError("version: bắt buộc, một chuỗi / required, a string")
    elements = _object(top.get("dataElements", {}), "dataElements")
    units = _object(top.get("orgUnits", {}), "orgUnits")
    unknown = sorted(set(units) - set(_ORG_KINDS))
    if unknown:
        raise MappingError(f"orgUnits.{unknown[0]}: không phải {_ORG_KINDS} / not one of them")
    return Dhis2Mapping(
        version=version,
        attribute_combo=_uid(top.get("attributeOptionCombo", DEFAULT_COMBO),
                             "attributeOptionCombo"),
        elements={code: _element(code, entry) for code, entry in elements.items()},
        org_units={kind: {code: _uid(uid, f"orgUnits.{kind}.{code}")
                          for code, uid in _object(units[kind], f"orgUnits.{kind}").items()}
                   for kind in units},
    )  # fmt: skip


@cache
def packaged_mapping() -> Dhis2Mapping:
    """`hoso/warehouse/data/dhis2-mapping.json`, shipped with the package."""
    text = resources.files("hoso.warehouse").joinpath("data/dhis2-mapping.json").read_text(
        encoding="utf-8")
    return parse_mapping(jsonx.loads(text))
