"""A programme's visit forms: FHIR `Questionnaire`s whose items name the Observation
codes they record. Answers (from a page or the JSON API, `{linkId: value}`) are checked
against the form, made into a `QuestionnaireResponse`, and every answered item that
carries a `code` becomes an Observation with that code and the answer as its value —
so a blood pressure entered at a ward station is the same Observation a hospital sends.

Item types handled: boolean, integer, decimal, string, date, choice (answerOption
valueCoding, answered with the option's code). Limits come from the standard
`minValue`/`maxValue` extensions and the unit from `questionnaire-unit`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from hoso.core.errors import InvalidRequest

__all__ = [
    "FormError",
    "answered_items",
    "build_response",
    "response_observations",
    "visit_resources",
]

EXT = "http://hl7.org/fhir/StructureDefinition/"
_TYPES = ("boolean", "integer", "decimal", "string", "date", "choice")


class FormError(InvalidRequest):
    """An answer the form does not accept; the message names the item."""


def items(questionnaire: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every answerable item, groups flattened, in order."""
    stack = list(reversed(questionnaire.get("item") or []))
    while stack:
        item = stack.pop()
        if item.get("type") == "group":
            stack.extend(reversed(item.get("item") or []))
        elif item.get("type") in _TYPES:
            yield item


def _extension(item: Mapping[str, Any], name: str) -> Any:
    for ext in item.get("extension") or []:
        if ext.get("url") == EXT + name:
            return next((v for k, v in ext.items() if k.startswith("value")), None)
    return None


def _answer(item: Mapping[str, Any], raw: Any) -> dict[str, Any]:
    kind, link = item["type"], item["linkId"]
    bad = FormError(f"{link}: giá trị không hợp lệ / invalid value {str(raw)[:40]!r}")
    if kind == "boolean":
        if isinstance(raw, str) and raw.lower() in ("true", "1", "yes", "có", "on"):
            return {"valueBoolean": True}
        if isinstance(raw, str) and raw.lower() in ("false", "0", "no", "không", "off"):
            return {"valueBoolean": False}
        if isinstance(raw, bool):
            return {"valueBoolean": raw}
        raise bad
    if kind in ("integer", "decimal"):
        try:
            value: float | int = float(str(raw).replace(",", ".")) if kind == "decimal" \
                else int(str(raw))  # fmt: skip
        except ValueError:
            raise bad from None
        if value != value or value in (float("inf"), float("-inf")):  # NaN, infinities
            raise bad
        low, high = _extension(item, "minValue"), _extension(item, "maxValue")
        if (low is not None and value < low) or (high is not None and value > high):
            raise FormError(f"{link}: ngoài khoảng / out of range [{low}, {high}]")
        return {"valueInteger": value} if kind == "integer" else {"valueDecimal": value}
    if kind == "date":
        try:
            return {"valueDate": date.fromisoformat(str(raw)).isoformat()}
        except ValueError:
            raise bad from None
    if kind == "choice":
        for option in item.get("answerOption") or []:
            coding = option.get("valueCoding") or {}
            if coding.get("code") == str(raw):
                return {"valueCoding": dict(coding)}
        raise bad
    text = str(raw)
    if len(text) > 2000:
        raise FormError(f"{link}: quá dài / too long")
    return {"valueString": text}


def answered_items(questionnaire: Mapping[str, Any], answers: Mapping[str, Any]
                   ) -> list[tuple[Mapping[str, Any], dict[str, Any]]]:  # fmt: skip
    """Each item answered, with its FHIR answer; a required item left empty, or an
    answer to no item of the form, is refused."""
    known = {item["linkId"]: item for item in items(questionnaire)}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise FormError(f"{unknown[0]}: không có trong biểu mẫu / not in the form")
    found = []
    for link, item in known.items():
        raw = answers.get(link)
        if raw is None or raw == "":
            if item.get("required"):
                raise FormError(f"{link}: bắt buộc / required")
            continue
        found.append((item, _answer(item, raw)))
    return found


def build_response(questionnaire: Mapping[str, Any], answers: Mapping[str, Any], *,
                   patient: str, authored: str, author: Mapping[str, Any] | None = None
                   ) -> dict[str, Any]:  # fmt: skip
    """The QuestionnaireResponse for `answers` (`patient`: "Patient/<id>")."""
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire["url"],
        "status": "completed",
        "subject": {"reference": patient},
        "authored": authored,
        "item": [
            {"linkId": item["linkId"], "text": item.get("text"), "answer": [answer]}
            for item, answer in answered_items(questionnaire, answers)
        ],
    }
    if author:
        response["author"] = dict(author)
    return response


def response_observations(questionnaire: Mapping[str, Any], response: Mapping[str, Any],
                          *, response_ref: str | None = None, category: str = "survey"
                          ) -> list[dict[str, Any]]:  # fmt: skip
    """One Observation per answered item that names a code (`response_ref`: how the
    Observations point back at the response, e.g. "urn:uuid:…" in a transaction)."""
    by_link = {item["linkId"]: item for item in items(questionnaire)}
    made = []
    for answered in response.get("item") or []:
        item = by_link.get(answered.get("linkId"))
        if not item or not item.get("code") or not answered.get("answer"):
            continue
        answer = answered["answer"][0]
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": category,
                        }
                    ]
                }
            ],
            "code": {"coding": [dict(c) for c in item["code"]], "text": item.get("text")},
            "subject": dict(response["subject"]),
            "effectiveDateTime": response["authored"],
        }
        if response_ref:
            obs["derivedFrom"] = [{"reference": response_ref}]
        unit = _extension(item, "questionnaire-unit")
        if "valueDecimal" in answer or "valueInteger" in answer:
            value = answer.get("valueDecimal", answer.get("valueInteger"))
            obs["valueQuantity"] = {"value": value}
            if unit:
                obs["valueQuantity"].update({"unit": unit.get("display") or unit.get("code"),
                                             "system": unit.get("system"),
                                             "code": unit.get("code")})  # fmt: skip
        elif "valueCoding" in answer:
            obs["valueCodeableConcept"] = {"coding": [answer["valueCoding"]]}
        else:
            key = next(iter(answer))
            obs[key.replace("valueDate", "valueDateTime")] = answer[key]
        made.append(obs)
    return made


def visit_resources(questionnaire: Mapping[str, Any], answers: Mapping[str, Any], *,
                    patient: str, authored: str, author: str | None, encounter: str
                    ) -> list[tuple[str, dict[str, Any]]]:  # fmt: skip
    """A visit's resources as the access layer writes them, each with a placeholder id:
    the QuestionnaireResponse, then its Observations pointing back at it; `encounter` is
    the placeholder of the visit's Encounter (`hoso.access.programmes.ENCOUNTER`)."""
    response = build_response(questionnaire, answers, patient=patient, authored=authored,
                              author={"reference": author} if author else None)  # fmt: skip
    response["encounter"] = {"reference": encounter}
    made: list[tuple[str, dict[str, Any]]] = [("urn:hoso:visit-response", response)]
    for i, obs in enumerate(
        response_observations(questionnaire, response, response_ref="urn:hoso:visit-response")
    ):
        obs["encounter"] = {"reference": encounter}
        made.append((f"urn:hoso:visit-observation-{i}", obs))
    return made
