"""The officer's case pages, on SQLite and PostgreSQL: the list shows their cases and
the city's count, the case page shows the person, the deadline clock and the history;
the forms reclassify (a reason required), record epidemiological data and close, each
with a CSRF token bound to the case; another officer's case page is the 404 of a
missing one; residents are refused."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests.api.publichealth_world import OFFICER, OTHER, as_role, outbreak

__all__ = ["outbreak"]  # the fixture
CSRF = re.compile(r'action="/publichealth/cases/(\d+)/(\w+)"[^>]*>\s*<input type="hidden" '
                  r'name="csrf" value="([^"]+)"')  # fmt: skip


def test_the_officer_works_a_case_through_the_pages(app: FastAPI, outbreak: dict[str, str]
                                                    ) -> None:  # fmt: skip
    officer = as_role(app, "officer", OFFICER)
    listing = officer.get("/publichealth/cases")
    assert listing.status_code == 200
    html = listing.text
    assert "Ca bệnh tôi quản lý" in html and "Sốt xuất huyết Dengue" in html
    assert "Phường Sài Gòn" in html and "Trễ" in html  # reported past its 24 h
    case_id = re.search(r'/publichealth/cases/(\d+)"', html).group(1)  # type: ignore[union-attr]
    page = officer.get(f"/publichealth/cases/{case_id}").text
    assert "079090001234" in page and "Lịch sử" in page
    tokens = {action: token for _id, action, token in CSRF.findall(page)}
    assert set(tokens) == {"classification", "epi", "close"}

    missing_reason = officer.post(f"/publichealth/cases/{case_id}/classification",
                                  data={"csrf": tokens["classification"],
                                        "classification": "confirmed", "reason": ""})  # fmt: skip
    assert missing_reason.status_code == 400 and 'role="alert"' in missing_reason.text
    done = officer.post(f"/publichealth/cases/{case_id}/classification", follow_redirects=False,
                        data={"csrf": tokens["classification"], "classification": "confirmed",
                              "reason": "NS1 dương tính"})  # fmt: skip
    assert done.status_code == 303
    epi = officer.post(f"/publichealth/cases/{case_id}/epi", follow_redirects=False,
                       data={"csrf": tokens["epi"], "isolation_date": "2026-11-21",
                             "vaccinated": "no", "exposure_place": "Chợ Bến Thành"})  # fmt: skip
    assert epi.status_code == 303
    after = officer.get(f"/publichealth/cases/{case_id}").text
    assert "Xác định" in after and "NS1 dương tính" in after and "21/11/2026" in after
    # A token for another case, or another action, does not work.
    forged = officer.post(f"/publichealth/cases/{case_id}/close",
                          data={"csrf": tokens["epi"], "reason": "x"})  # fmt: skip
    assert forged.status_code == 403


def test_another_officer_and_a_resident_see_nothing_of_it(
    app: FastAPI, outbreak: dict[str, str]
) -> None:
    owner = as_role(app, "officer", OFFICER)
    case_id = re.search(r'/publichealth/cases/(\d+)"',  # type: ignore[union-attr]
                        owner.get("/publichealth/cases").text).group(1)
    other = as_role(app, "officer", OTHER)
    listing = other.get("/publichealth/cases").text
    assert "079090001234" not in listing and 'id="no-cases"' in listing
    hidden = other.get(f"/publichealth/cases/{case_id}")
    absent = other.get("/publichealth/cases/424242")
    assert hidden.status_code == absent.status_code == 404
    assert "079090001234" not in hidden.text
    resident = as_role(app, "resident", "account:p1", patient=outbreak["patient"])
    assert resident.get("/publichealth/cases").status_code == 403
    assert owner.get("/publichealth/cases?offset=abc").status_code == 400
    assert owner.get("/publichealth/cases/abc").status_code == 404
