"""One child's screening result: the acuities and refractions typed at the school,
read and checked, the pass/fail of the criteria, and the FHIR Observations that carry
it into the child's record (house CodeSystem `eye-screening`; docs/programmes-eyes.md
says why no LOINC code is used)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hoso.core.errors import InvalidRequest
from hoso.programmes.eyes.acuity import Acuity, parse_acuity
from hoso.programmes.eyes.criteria import Criteria
from hoso.programmes.eyes.refraction import Refraction, myopia_class, parse_refraction

__all__ = [
    "CODES",
    "EYES",
    "EYE_SYSTEM",
    "FAIL",
    "INCOMPLETE",
    "PASS",
    "Result",
    "code_of",
    "parse_result",
    "result_observations",
]  # fmt: skip

EYE_SYSTEM = "https://hoso.vn/fhir/CodeSystem/eye-screening"
EYES = ("right", "left")
PASS, FAIL, INCOMPLETE = "pass", "fail", "incomplete"
CODES = {
    "ucva-right": "Thị lực không kính mắt phải / Uncorrected visual acuity, right eye",
    "ucva-left": "Thị lực không kính mắt trái / Uncorrected visual acuity, left eye",
    "pva-right": "Thị lực hiện tại mắt phải / Presenting visual acuity, right eye",
    "pva-left": "Thị lực hiện tại mắt trái / Presenting visual acuity, left eye",
    "refraction-right": "Khúc xạ mắt phải / Refraction, right eye",
    "refraction-left": "Khúc xạ mắt trái / Refraction, left eye",
    "sphere": "Cầu / Sphere", "cylinder": "Trụ / Cylinder", "axis": "Trục / Axis",
    "spherical-equivalent": "Cầu tương đương / Spherical equivalent",
    "screening-outcome": "Kết quả sàng lọc thị lực / Vision screening outcome",
    "eye-clinic-referral": "Chuyển khám mắt / Referral to an eye clinic",
}  # fmt: skip
_INPUT_KEYS = {"ucva", "pva", "refraction", "notation"}


def code_of(code: str) -> dict[str, Any]:
    return {"coding": [{"system": EYE_SYSTEM, "code": code, "display": CODES[code]}],
            "text": CODES[code].split(" / ")[0]}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Result:
    ucva: Mapping[str, Acuity] = field(default_factory=dict)
    pva: Mapping[str, Acuity] = field(default_factory=dict)
    refraction: Mapping[str, Refraction] = field(default_factory=dict)
    outcome: str = INCOMPLETE

    def se(self, eye: str) -> float | None:
        r = self.refraction.get(eye)
        return r.spherical_equivalent if r else None

    def myopia(self, criteria: Criteria) -> str | None:
        classes = [myopia_class(self.se(e), criteria.myopia_se_at_most,
                                criteria.high_myopia_se_at_most) for e in EYES]  # fmt: skip
        for wanted in ("high", "myopia", "none"):
            if wanted in classes:
                return wanted
        return None

    def summary(self) -> dict[str, Any]:
        return {
            "ucva": {e: a.logmar for e, a in self.ucva.items()},
            "pva": {e: a.logmar for e, a in self.pva.items()},
            "se": {e: self.se(e) for e in self.refraction},
            "outcome": self.outcome,
        }


def _acuities(raw: Any, kind: str, notation: str) -> dict[str, Acuity]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or set(raw) - set(EYES):
        raise InvalidRequest(f"{kind}: {{right, left}}")
    found = {}
    for eye in EYES:
        text = raw.get(eye)
        if text in (None, ""):
            continue
        try:
            found[eye] = parse_acuity(str(text) if isinstance(text, int | float) and not
                                      isinstance(text, bool) else text, notation)  # fmt: skip
        except InvalidRequest as exc:
            raise InvalidRequest(f"{kind}.{eye}: {exc.message}") from None
    return found


def outcome_of(ucva: Mapping[str, Acuity], pva: Mapping[str, Acuity], criteria: Criteria
               ) -> str:  # fmt: skip
    """Fail when either eye is worse than the cut-off (on the acuity the criteria
    screen on; presenting falls back to uncorrected — a child without glasses presents
    uncorrected); pass only when both eyes were measured and neither fails."""
    used = {e: (pva.get(e) or ucva.get(e)) if criteria.screen_on == "presenting"
            else ucva.get(e) for e in EYES}  # fmt: skip
    if any(a is not None and a.logmar > criteria.fail_above_logmar for a in used.values()):
        return FAIL
    return PASS if all(used.values()) else INCOMPLETE


def parse_result(raw: Any, criteria: Criteria) -> Result:
    if not isinstance(raw, dict) or set(raw) - _INPUT_KEYS:
        raise InvalidRequest(f"Kết quả: chỉ các trường / result: only {sorted(_INPUT_KEYS)}")
    notation = raw.get("notation") or "auto"
    ucva = _acuities(raw.get("ucva"), "ucva", notation)
    pva = _acuities(raw.get("pva"), "pva", notation)
    if not ucva and not pva:
        raise InvalidRequest("ucva/pva: cần ít nhất một mắt / at least one eye's acuity")
    refr_raw = raw.get("refraction") or {}
    if not isinstance(refr_raw, dict) or set(refr_raw) - set(EYES):
        raise InvalidRequest("refraction: {right, left}")
    refraction = {e: parse_refraction(refr_raw[e], e) for e in EYES if refr_raw.get(e)}
    return Result(ucva, pva, refraction, outcome_of(ucva, pva, criteria))


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": code}


def result_observations(result: Result, patient_id: str, when: str, encounter: str | None
                        ) -> list[dict[str, Any]]:  # fmt: skip
    """The Observations of one child's result, dated `when` (the round's day)."""
    base: dict[str, Any] = {
        "resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                  "observation-category", "code": "exam"}]}],
        "subject": {"reference": f"Patient/{patient_id}"}, "effectiveDateTime": when,
    }  # fmt: skip
    if encounter:
        base["encounter"] = {"reference": encounter}
    made = []
    for kind, acuities in (("ucva", result.ucva), ("pva", result.pva)):
        for eye, a in acuities.items():
            made.append({**base, "code": code_of(f"{kind}-{eye}"),
                         "valueQuantity": _quantity(a.logmar, "{logMAR}", "{logMAR}"),
                         "note": [{"text": f"Ghi / typed: {a.typed}"}]})  # fmt: skip
    for eye, r in result.refraction.items():
        parts = [("sphere", r.sphere), ("cylinder", r.cylinder),
                 ("spherical-equivalent", r.spherical_equivalent)]  # fmt: skip
        components = [{"code": code_of(c), "valueQuantity": _quantity(v, "D", "[diop]")}
                      for c, v in parts]  # fmt: skip
        if r.axis is not None:
            components.append({"code": code_of("axis"),
                               "valueQuantity": _quantity(r.axis, "deg", "deg")})  # fmt: skip
        made.append({**base, "code": code_of(f"refraction-{eye}"), "component": components})
    made.append({**base, "code": code_of("screening-outcome"),
                 "valueCodeableConcept": {"coding": [{"system": EYE_SYSTEM,
                                                      "code": result.outcome}],
                                          "text": result.outcome}})  # fmt: skip
    return made
