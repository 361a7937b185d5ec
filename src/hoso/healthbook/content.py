"""The health book's content in the four groups of QĐ 31/QĐ-BYT Art. 2 §3: (a)
administrative, (b) history, (c) episodes of care, (d) record summaries and papers.

Everything is read through the caller's repository (the resident's own token, or a
guardian's), so it is exactly what the access policy lets them see, and audited. Each
item names its source facility and date; a section with nothing in it says so
("Chưa có thông tin") rather than disappearing. Diagnoses carry their ICD-10 name from
the Ministry's list (QĐ 4469) in the reader's language.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest, ResourceNotFound
from hoso.fhir.outcomes import not_found
from hoso.fhir.repository import Repository
from hoso.healthbook.administrative import administrative, person_name
from hoso.healthbook.items import (
    Reader,
    book_item,
    categories,
    item_date,
    observation_value,
)
from hoso.healthbook.measurements import measurement_series
from hoso.healthbook.upcoming import upcoming_section
from hoso.programmes.immunisation import (
    next_due_items,
    packaged_vaccine_table,
    schedule_in_force,
)

__all__ = ["BOOK_TYPES", "EMPTY", "SECTION_KEYS", "SECTION_TITLES", "book_list",
           "episode_detail", "health_book", "section_page"]

EMPTY = {"vi": "Chưa có thông tin", "en": "Nothing recorded yet"}
BOOK_TYPES = ("AllergyIntolerance", "Composition", "Condition", "Coverage",
              "DiagnosticReport", "DocumentReference", "Encounter", "FamilyMemberHistory",
              "Immunization", "MedicationRequest", "MedicationStatement", "Observation",
              "Procedure", "RelatedPerson")  # fmt: skip
MAX_RESOURCES = 5000
SECTION_TITLES = {  # (Vietnamese, English)
    "allergies": ("Dị ứng", "Allergies"), "conditions": ("Bệnh mạn tính, khuyết tật",
                                                      "Chronic diseases and disabilities"),
    "procedures": ("Phẫu thuật, thủ thuật", "Surgeries and procedures"),
    "family": ("Tiền sử gia đình", "Family history"),
    "risk_factors": ("Yếu tố nguy cơ", "Risk factors"),
    "vaccinations": ("Tiêm chủng", "Vaccinations"),
    "results": ("Kết quả đo, xét nghiệm ngoài lần khám", "Measurements and results outside "
                "an episode"),
    "episodes": ("Các lần khám, chữa bệnh", "Episodes of care"),
    "papers": ("Tóm tắt hồ sơ và giấy tờ", "Record summaries and papers"),
}  # fmt: skip
_CLASS = {"AMB": ("Ngoại trú", "Outpatient"), "IMP": ("Nội trú", "Inpatient"),
          "EMER": ("Cấp cứu", "Emergency")}  # fmt: skip


def _section(reader: Reader, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"key": key, "title": reader.pick(SECTION_TITLES[key]),
                           "count": len(items), "items": items}  # fmt: skip
    if not items:
        out["empty"] = EMPTY[reader.lang]
    return out


SECTION_KEYS = ("allergies", "conditions", "procedures", "family", "risk_factors",
                "vaccinations", "results", "episodes", "papers")  # fmt: skip


def health_book(repo: Repository, patient_id: str, lang: str = "vi",
                preview: int | None = None) -> dict[str, Any]:  # fmt: skip
    """The whole book of `patient_id` as the caller may see it: 404 for a record they
    may not read, exactly as for one that does not exist (the read comes first).

    `preview`: at most that many items per section (the newest), each section keeping
    its full `count` and `more: true` when items were left out — the summary an app
    shows first; the rest comes page by page (`section_page`, `episode_detail`)."""
    book = _whole_book(repo, patient_id, lang)
    if preview is not None:
        for section in [*book["history"], book["episodes"], book["papers"]]:
            if len(section["items"]) > preview:
                section["items"] = section["items"][:preview]
                section["more"] = True
        book["episodes"]["items"] = [_episode_heading(e) for e in book["episodes"]["items"]]
    return book


def section_page(repo: Repository, patient_id: str, key: str, lang: str, offset: int,
                 count: int) -> dict[str, Any]:  # fmt: skip
    """One page of one section (`SECTION_KEYS`), newest first; `next` is the offset of
    the following page, absent on the last. Episodes come as headings: the whole of one
    is `episode_detail`."""
    if key not in SECTION_KEYS:
        raise InvalidRequest(f"Không có mục {key[:40]!r} trong sổ / the book has no section "
                             f"{key[:40]!r}", expression=["section"])  # fmt: skip
    book = _whole_book(repo, patient_id, lang)
    sections = {s["key"]: s for s in [*book["history"], book["episodes"], book["papers"]]}
    section = sections[key]
    items = section["items"][offset:offset + count]
    if key == "episodes":
        items = [_episode_heading(e) for e in items]
    page = {**section, "items": items, "offset": offset}
    if offset + count < section["count"]:
        page["next"] = offset + count
    return page


def episode_detail(repo: Repository, patient_id: str, encounter_id: str, lang: str
                   ) -> dict[str, Any]:  # fmt: skip
    """One episode of care with everything recorded during it; 404 for an episode that
    is not in this book (another resident's, a hidden or a missing one alike)."""
    book = _whole_book(repo, patient_id, lang)
    wanted = f"Encounter/{encounter_id}"
    for episode in book["episodes"]["items"]:
        if episode["reference"] == wanted:
            return {"patient": book["patient"], "lang": book["lang"], **episode}
    raise not_found("Encounter", encounter_id)


def _episode_heading(episode: dict[str, Any]) -> dict[str, Any]:
    """An episode in a list: what and where, the diagnoses' names, and how many
    results, medications and procedures its detail holds."""
    heading = {k: v for k, v in episode.items()
               if k not in ("diagnoses", "results", "medications", "procedures")}  # fmt: skip
    heading["diagnoses"] = [d["title"] for d in episode.get("diagnoses") or []]
    heading["counts"] = {k: len(episode.get(k) or []) for k in
                         ("diagnoses", "results", "medications", "procedures")}  # fmt: skip
    return heading


def _whole_book(repo: Repository, patient_id: str, lang: str) -> dict[str, Any]:
    patient = jsonx.loads(repo.read("Patient", patient_id).content)
    reader = Reader("en" if lang == "en" else "vi")
    by_type = _record(repo, patient_id)
    history = [
        _section(reader, "allergies", [book_item(reader, r)
                                       for r in by_type["AllergyIntolerance"]]),
        _section(reader, "conditions", [book_item(reader, r) for r in by_type["Condition"]
                                        if not r.get("encounter")]),
        _section(reader, "procedures", [book_item(reader, r) for r in by_type["Procedure"]
                                        if not r.get("encounter")]),
        _section(reader, "family", [book_item(reader, r, reader.concept(r.get("relationship")))
                                    for r in by_type["FamilyMemberHistory"]]),
        _section(reader, "risk_factors", [book_item(reader, r, value=observation_value(r))
                                          for r in by_type["Observation"]
                                          if "social-history" in categories(r)]),
        {**_section(reader, "vaccinations", [_vaccination(reader, r)
                                             for r in by_type["Immunization"]]),
         # The national schedule's next doses, from the Immunizations the reader sees.
         "next_due": [_due(d) for d in next_due_items(patient, by_type["Immunization"],
                                                      lang=reader.lang)]},
        _section(reader, "results", [_result(reader, r) for r in by_type["Observation"]
                                     + by_type["DiagnosticReport"] if not r.get("encounter")
                                     and "social-history" not in categories(r)]),
    ]  # fmt: skip
    return {
        "patient": f"Patient/{patient_id}", "lang": reader.lang,
        "administrative": administrative(reader, patient, by_type),
        "history": history,
        "episodes": _section(reader, "episodes", _episodes(reader, by_type)),
        "measurements": measurement_series(by_type["Observation"]),
        "upcoming": upcoming_section(repo, patient_id, reader.lang),  # issue 21
        "papers": _section(reader, "papers", [
            book_item(reader, r, r.get("title") or r.get("description"))
            for r in by_type["Composition"] + by_type["DocumentReference"]]),
    }  # fmt: skip


def _record(repo: Repository, patient_id: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    cursor: str | None = None
    total = 0
    while total < MAX_RESOURCES:
        page = repo.compartment(patient_id, BOOK_TYPES, count=1000, cursor=cursor)
        for hit in page.matches:
            found[hit.resource_type].append(jsonx.loads(hit.content))
        total += len(page.matches)
        cursor = page.next_cursor
        if cursor is None:
            break
    for items in found.values():  # newest first, as a person reads a book
        items.sort(key=lambda r: item_date(r) or "", reverse=True)
    return found


def _result(reader: Reader, result: dict[str, Any]) -> dict[str, Any]:
    """A result with its value, reference range and abnormal flag."""
    return book_item(reader, result, value=observation_value(result),
                     range=result.get("referenceRange"),
                     flag=reader.concept((result.get("interpretation") or [None])[0]))


def _due(item: dict[str, Any]) -> dict[str, Any]:
    return {"antigen": item["name"], "dose": item.get("dose_label") or item["dose"],
            "due": item["due_date"], "status": item["status_label"], "code": item["status"],
            "vaccine": item.get("vaccine"), "schedule": item.get("schedule_version")}  # fmt: skip


def _vaccination(reader: Reader, immunization: dict[str, Any]) -> dict[str, Any]:
    doses = [p.get("doseNumberPositiveInt") or p.get("doseNumberString")
             for p in immunization.get("protocolApplied") or [] if isinstance(p, dict)]
    antigens = _antigen_names(immunization, reader.lang)
    concept = immunization.get("vaccineCode") or {}
    named = concept.get("text") or any(c.get("display") for c in concept.get("coding") or [])
    # A bare product code ("19") says nothing to a person: then what it protects against.
    title = None if named or not antigens else ", ".join(antigens)
    return book_item(reader, immunization, title, dose=next((d for d in doses if d), None),
                 lot=immunization.get("lotNumber"), antigens=antigens)  # fmt: skip


def _antigen_names(immunization: dict[str, Any], lang: str) -> list[str]:
    """What a vaccine protects against (a combination: each antigen), by the names
    the national schedule gives them; the product itself is the item's title."""
    schedule = schedule_in_force(clock.now().astimezone(clock.VN_TZ).date())
    names = []
    for antigen in sorted(packaged_vaccine_table().antigens_of(immunization)):
        series = schedule.antigen(antigen)
        names.append(series.name[lang] if series else antigen)
    return names


def _episodes(reader: Reader, by_type: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each Encounter with what was recorded during it (resources pointing at it)."""
    during: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for kind in ("Condition", "Observation", "MedicationRequest", "Procedure",
                 "DiagnosticReport"):  # fmt: skip
        for r in by_type[kind]:
            ref = str((r.get("encounter") or {}).get("reference") or "")
            if ref.startswith("Encounter/"):
                during[ref.split("/")[1]][kind].append(r)
    episodes = []
    for encounter in by_type["Encounter"]:
        found = during[encounter["id"]]
        klass = str((encounter.get("class") or {}).get("code") or "")
        episodes.append(book_item(
            reader, encounter, reader.pick(_CLASS.get(klass, (klass, klass))) or None,
            end=(encounter.get("period") or {}).get("end"),
            reason=reader.concept((encounter.get("reasonCode") or [None])[0]),
            diagnoses=[book_item(reader, r) for r in found["Condition"]],
            results=[_result(reader, r) for r in found["Observation"] + found["DiagnosticReport"]],
            medications=[book_item(reader, r) for r in found["MedicationRequest"]],
            procedures=[book_item(reader, r) for r in found["Procedure"]],
        ))  # fmt: skip
    return episodes


def book_list(repo: Repository, patient_ids: list[str]) -> list[dict[str, Any]]:
    """The books a person may open (their own, their children's): whose each is, so a
    guardian can switch between them. A record gone or hidden is left out."""
    books = []
    for patient_id in patient_ids:
        try:
            patient = jsonx.loads(repo.read("Patient", patient_id).content)
        except ResourceNotFound:
            continue
        books.append({"patient": f"Patient/{patient_id}", "id": patient_id,
                      "name": person_name(patient),
                      "birth_date": patient.get("birthDate")})  # fmt: skip
    return books


