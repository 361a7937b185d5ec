"""Sạch (clean): one record per resident, names and addresses written the way the
registries write them, phone numbers that can be dialled.

Names follow the civil-status form: "Họ Tên đệm Tên" with Vietnamese marks, each word
capitalised, single spaces. Addresses name a commune that exists since 01/07/2025 (two
levels: province and ward, DOMAIN-VN.md §7), resolved by `hoso.identity.addresses`.
Messages name the element, never the name or number itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from hoso.fhir.quality import KIND_BATCH
from hoso.identity.addresses import normalise_address
from hoso.identity.phones import normalise_phone
from hoso.ingest.quality.model import Finding, RuleContext, msg
from hoso.ingest.quality.registry import rule
from hoso.ingest.quality.values import is_foreigner
from hoso.ingest.quality.vn_names import is_known_family, is_syllable, marks_expected

Resource = dict[str, Any]
_LETTERS = re.compile(r"[^\W\d_]")
EXACT_WARD = 0.999  # `normalise_address` confidence of a current name, as written


def official_name(resource: Resource) -> tuple[int, dict[str, Any]] | None:
    """(index, HumanName) of the name a registry would hold: `official`, else the first."""
    names = [(i, n) for i, n in enumerate(resource.get("name") or []) if isinstance(n, dict)]
    return next((x for x in names if x[1].get("use") == "official"), names[0] if names else None)


def _words(name: dict[str, Any]) -> list[tuple[str, str]]:
    """(FHIRPath suffix, word) of the family and given names."""
    out: list[tuple[str, str]] = []
    if isinstance(name.get("family"), str):
        out.extend(("family", w) for w in name["family"].split())
    for k, given in enumerate(name.get("given") or []):
        if isinstance(given, str):
            out.extend((f"given[{k}]", w) for w in given.split())
    return out


def _text(name: dict[str, Any]) -> str:
    text = name.get("text")
    return text if isinstance(text, str) else " ".join(w for _, w in _words(name))


@rule("SACH-001", msg("Không trùng người dân (MPI)", "No duplicate resident (MPI)"),
      ("Patient",), issue_code="duplicate", kind=KIND_BATCH)  # fmt: skip
def no_duplicate(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    # The master patient index writes pairs it could not decide to `mpi_candidate`;
    # an open pair is a resident who may have two records until a steward decides.
    if ctx.facts is not None and ctx.facts.open_duplicate:
        yield Finding(
            "Patient",
            msg(
                "Có thể trùng với hồ sơ người dân khác, chờ cán bộ quản lý dữ liệu quyết định",
                "May duplicate another resident's record, awaiting a data steward's decision",
            ),
        )


@rule("SACH-002", msg("Họ tên không viết hoa toàn bộ", "Name is not all capitals"),
      ("Patient",), issue_code="invalid")  # fmt: skip
def not_all_capitals(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    found = official_name(resource)
    if found is None:
        return
    i, name = found
    letters = "".join(_LETTERS.findall(_text(name)))
    if len(letters) > 1 and letters.isupper():
        yield Finding(
            f"Patient.name[{i}]",
            msg(
                "Họ tên viết hoa toàn bộ; cần viết hoa chữ đầu mỗi từ",
                "Name is in capitals; capitalise the first letter of each word",
            ),
        )


@rule("SACH-003", msg("Họ tên viết gọn: một dấu cách, khớp các phần",
                      "Name is tidy: single spaces, text matches its parts"),
      ("Patient",), issue_code="invalid")  # fmt: skip
def tidy_spacing(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    found = official_name(resource)
    if found is None:
        return
    i, name = found
    parts = [name.get("family"), *(name.get("given") or []), name.get("text")]
    if any(isinstance(p, str) and p != " ".join(p.split()) for p in parts):
        yield Finding(
            f"Patient.name[{i}]",
            msg(
                "Họ tên có dấu cách thừa (đầu, cuối hoặc hai dấu liền nhau)",
                "Name has extra spaces (leading, trailing or doubled)",
            ),
        )
    joined = " ".join(w for _, w in _words(name))
    text = name.get("text")
    if isinstance(text, str) and joined and " ".join(text.split()) != joined:
        yield Finding(
            f"Patient.name[{i}].text",
            msg(
                "Họ tên đầy đủ khác với họ và tên đệm, tên đã ghi",
                "Full name text differs from the family and given names",
            ),
        )


@rule("SACH-004", msg("Có họ (name.family) tách riêng", "Family name is given apart"),
      ("Patient",), issue_code="incomplete")  # fmt: skip
def family_present(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    found = official_name(resource)
    if found is None:
        return  # DU-001 reports a missing name
    i, name = found
    if not (isinstance(name.get("family"), str) and name["family"].strip()):
        yield Finding(f"Patient.name[{i}].family", msg(
            "Thiếu họ (name.family): chỉ có tên ghi liền", "Family name (name.family) is "
            "missing: only the name as one text"))  # fmt: skip


@rule("SACH-005", msg("Họ tên có dấu tiếng Việt", "Name has its Vietnamese marks"),
      ("Patient",), issue_code="invalid")  # fmt: skip
def diacritics_present(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    found = official_name(resource)
    if found is None or is_foreigner(resource):
        return
    i, name = found
    family = name.get("family")
    if isinstance(family, str) and _text(name).isascii() and marks_expected(family.strip()):
        yield Finding(
            f"Patient.name[{i}]",
            msg("Họ tên viết không dấu", "Name is written without Vietnamese marks"),
        )


@rule("SACH-006", msg("Họ tên viết đúng chính tả", "Name is spelt as usual"),
      ("Patient",), severity="information", issue_code="informational")  # fmt: skip
def name_spelling(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    # Catches part of the typos only (see vn_names): for a person to look at.
    found = official_name(resource)
    if found is None or is_foreigner(resource):
        return
    i, name = found
    family = name.get("family")
    if isinstance(family, str) and family.strip() and not family.isascii():
        first = family.split()[0]
        if not is_known_family(first):
            yield Finding(f"Patient.name[{i}].family", msg(
                "Họ không có trong danh sách họ thường gặp (có thể gõ nhầm)",
                "Family name is not a common one (perhaps mistyped)"))  # fmt: skip
    for where, word in _words(name):
        if not word.isascii() and not is_syllable(word):
            yield Finding(
                f"Patient.name[{i}].{where}",
                msg(
                    "Một từ trong họ tên không phải âm tiết tiếng Việt (có thể gõ nhầm)",
                    "A word of the name is not a Vietnamese syllable (perhaps mistyped)",
                ),
            )
            return


@rule("SACH-007", msg("Địa chỉ theo phường/xã hiện hành (từ 01/07/2025)",
                      "Address names a current ward (from 01/07/2025)"),
      ("Patient",), issue_code="invalid")  # fmt: skip
def current_ward(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    addresses = [(i, a) for i, a in enumerate(resource.get("address") or [])
                 if isinstance(a, dict)]  # fmt: skip
    home = next((x for x in addresses if x[1].get("use") == "home"), None) or (
        addresses[0] if addresses else None
    )
    if home is None:
        return  # DU-005 reports a missing address
    i, address = home
    country = address.get("country")
    if isinstance(country, str) and country.upper() not in ("VN", "VNM", "VIỆT NAM", "VIET NAM"):
        return
    found = normalise_address(address)
    if found.ward_code is None:
        yield Finding(
            f"Patient.address[{i}]",
            msg(
                "Không xác định được phường/xã hiện hành của địa chỉ",
                "The address's current ward cannot be determined",
            ),
        )
    elif found.confidence < EXACT_WARD:
        yield Finding(
            f"Patient.address[{i}]",
            msg(
                f"Địa chỉ chưa ghi theo phường/xã hiện hành; phường/xã nay là {found.ward_name}",
                f"Address is not written with its current ward; it is now {found.ward_name}",
            ),
        )


@rule("SACH-008", msg("Số điện thoại gọi được", "Phone number is diallable"),
      ("Patient",), issue_code="invalid")  # fmt: skip
def phone_format(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    for k, telecom in enumerate(resource.get("telecom") or []):
        if not isinstance(telecom, dict) or telecom.get("system") not in ("phone", "sms"):
            continue
        value = telecom.get("value")
        if isinstance(value, str) and normalise_phone(value) is None:
            yield Finding(
                f"Patient.telecom[{k}].value",
                msg(
                    "Số điện thoại không phải số Việt Nam hợp lệ (10 số di động, 11 số cố định)",
                    "Not a valid Vietnamese phone number (10-digit mobile, 11-digit landline)",
                ),
            )
