"""The health book as PDF (issue 17 point 5), without a server: the words come back
from `pdftotext` exactly as written (diacritics and all), dates and times the
Vietnamese way, and the hash printed is the hash of what is printed."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest

from hoso.core import jsonx
from hoso.core.errors import InvalidRequest, ResourceNotFound
from hoso.fhir.icd10_names import icd10_name
from hoso.healthbook.documents import (
    BOOK_SECTIONS,
    book_document,
    book_facility_codes,
    episode_document,
    parse_sections,
)
from hoso.healthbook.pdf import render_pdf
from hoso.healthbook.seal import Seal, masked_patient
from tests.pdf_text import pdf_text

NAMES = {"79001": "Bệnh viện Quận 1"}
ISSUED = int(datetime(2026, 11, 30, 2, 13, tzinfo=UTC).timestamp())  # 09:13 in HCMC
VERIFY = "https://hoso.example.vn/verify/eyJhbGciOiJFUzI1NiJ9.e30.c2ln"
HYPERTENSION = f"I10 {icd10_name('I10', 'vi')}"


def _item(reference: str, title: str, date: str, facility: str | None = "79001",
          **detail: Any) -> dict[str, Any]:  # fmt: skip
    return {"reference": reference, "title": title, "date": date, "facility": facility,
            **detail}  # fmt: skip


def _section(key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"key": key, "title": key, "count": len(items), "items": items}


def a_book() -> dict[str, Any]:
    """A book in the shape `health_book` returns, for an invented resident."""
    episode = _item("Encounter/enc-1", "Ngoại trú", "2026-11-20T08:00:00+07:00",
                    end="2026-11-20T10:30:00+07:00", reason="Đau đầu, chóng mặt",
                    diagnoses=[_item("Condition/c1", HYPERTENSION, "2026-11-20")],
                    results=[_item("Observation/o1", "Huyết áp tâm thu", "2026-11-20T08:15:00Z",
                                   value="150 mm[Hg]")],
                    medications=[_item("MedicationRequest/m1", "Amlodipin 5 mg",
                                       "2026-11-20")])  # fmt: skip
    history = [_section(key, []) for key in BOOK_SECTIONS[1:8]]
    history[5]["items"] = [_item("Immunization/i1", "Vắc xin viêm gan B", "2020-06-01",
                                 "79002", dose=1, lot="VN-0001")]  # fmt: skip
    return {
        "patient": "Patient/p-0001abcd", "lang": "vi",
        "administrative": {"title": "Thông tin hành chính", "name": "Nguyễn Thị Ánh Tuyết",
                           "birth_date": "1990-01-31", "gender": "female", "identifiers": {},
                           "insurance": [], "representatives": []},
        "history": history,
        "episodes": _section("episodes", [episode]),
        "papers": _section("papers", []),
    }  # fmt: skip


def test_an_episode_prints_its_vietnamese_words_exactly() -> None:
    book = a_book()
    document = episode_document(book, "enc-1", NAMES)
    pdf = render_pdf(document, ISSUED, VERIFY, NAMES)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for words in ("Nguyễn Thị Ánh Tuyết", "Chẩn đoán", HYPERTENSION, "Bệnh viện Quận 1 (79001)",
                  "Đau đầu, chóng mặt", "Amlodipin 5 mg", "Ngày sinh", "31/01/1990",
                  "Kết quả", "150 mm[Hg]", "Phẫu thuật, thủ thuật",
                  "Chưa có thông tin"):  # fmt: skip
        assert words in text, words
    # Times in Ho Chi Minh City: 08:15 UTC is 15:15 there; the issue time likewise.
    assert "20/11/2026 15:15" in text and "20/11/2026 08:00 – 20/11/2026 10:30" in text
    assert "30/11/2026 09:13" in text
    assert "Vắc xin viêm gan B" not in text  # the episode only, not the book


def test_the_hash_printed_is_the_hash_of_what_is_printed() -> None:
    document = episode_document(a_book(), "enc-1", NAMES)
    expected = hashlib.sha256(jsonx.dumps(document.content)).hexdigest()
    assert document.content_hash == expected
    text = pdf_text(render_pdf(document, ISSUED, VERIFY, NAMES))
    assert f"SHA-256: {expected}" in text  # under the QR
    assert text.count(expected) >= 2  # and in the footer of every page
    assert f"<{VERIFY}>" in text  # the QR's address, for a reader to type
    changed = a_book()
    changed["episodes"]["items"][0]["diagnoses"][0]["title"] = "I11 khác"
    assert episode_document(changed, "enc-1", NAMES).content_hash != expected


def test_the_book_and_chosen_sections() -> None:
    book = a_book()
    names = {**NAMES, "79002": "Trung tâm Y tế Quận 3"}
    assert book_facility_codes(book) == ["79001", "79002"]
    whole = pdf_text(render_pdf(book_document(book, BOOK_SECTIONS, names), ISSUED, VERIFY,
                                names))  # fmt: skip
    for words in ("Hồ Sơ — Sổ sức khỏe điện tử", "Tiêm chủng / Vaccinations",
                  "Vắc xin viêm gan B", "Trung tâm Y tế Quận 3 (79002)", "Số lô / Lot: VN-0001",
                  "Dị ứng / Allergies", HYPERTENSION, "Nữ / Female"):  # fmt: skip
        assert words in whole, words
    chosen = book_document(book, parse_sections("vaccinations,allergies"), names)
    assert chosen.sections == ("allergies", "vaccinations")  # the book's order
    part = pdf_text(render_pdf(chosen, ISSUED, VERIFY, names))
    assert "Vắc xin viêm gan B" in part and "Chẩn đoán" not in part
    assert "Bệnh viện Quận 1" not in part  # only the facilities of what is printed
    assert chosen.content_hash != book_document(book, BOOK_SECTIONS, names).content_hash


def test_another_episode_or_section_is_refused() -> None:
    with pytest.raises(ResourceNotFound):
        episode_document(a_book(), "enc-of-someone-else", NAMES)
    for wanted in ("", "allergies,secrets", ",", "a" * 600):
        with pytest.raises(InvalidRequest):
            parse_sections(wanted)
    assert parse_sections(None) == BOOK_SECTIONS


def test_the_address_survives_being_read_back_whatever_its_hyphens() -> None:
    """A token may hold "-" anywhere, at the end too; cut over lines, the address must
    still read back whole (a hyphen ending a line is taken for a broken word)."""
    document = episode_document(a_book(), "enc-1", NAMES)
    for token in (("a" + "-" * 20) * 20, "ab-" * 150 + "-", "a_-" * 100 + "b-"):
        url = f"https://hoso.example.vn/verify/{token}"
        text = pdf_text(render_pdf(document, ISSUED, url, NAMES))
        start = text.index("<https://")
        assert "".join(text[start:text.index(">", start) + 1].split()) == f"<{url}>"


def test_decomposed_vietnamese_prints_as_the_same_words() -> None:
    book = a_book()
    book["administrative"]["name"] = unicodedata.normalize("NFD", "Đặng Thị Hồng Nhung")
    pdf = render_pdf(episode_document(book, "enc-1", NAMES), ISSUED, VERIFY, NAMES)
    assert "Đặng Thị Hồng Nhung" in pdf_text(pdf)


def test_the_seal_holds_no_name_and_reads_back() -> None:
    document = episode_document(a_book(), "enc-1", NAMES)
    seal = Seal.of(document, ISSUED)
    claims = seal.claims()
    assert claims["sub"] == masked_patient("p-0001abcd") == "Patient/•••abcd"
    assert "Nguyễn" not in jsonx.dumps_str(claims) and "I10" not in jsonx.dumps_str(claims)
    assert Seal.from_claims(claims) == seal
    assert claims["facility"] == "79001" and claims["kind"] == "episode"
    for broken in ({**claims, "hash": "00"}, {**claims, "kind": "passport"},
                   {**claims, "sections": ["secrets"]}, {**claims, "iat": True}, {}):  # fmt: skip
        assert Seal.from_claims(broken) is None
