"""The resident's rights as pages of their book (issue 17 point 4): who opened my record
(break-the-glass with its reason), consent choices that change what a facility sees at
once, and data requests — each a form with its CSRF token, nobody else's book."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.access_world import World

HTML = {"Accept": "text/html"}
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _post(client: TestClient, path: str, **fields: str) -> int:
    return client.post(path, data=fields, headers=FORM, follow_redirects=False).status_code


def test_who_opened_my_record_shows_break_the_glass_and_its_reason(world: World) -> None:
    pid = world.ids["p1"]
    doctor = world.clinician("79002", name="bs-cap-cuu")
    glass = doctor.post(f"/fhir/Patient/{pid}/$break-glass",
                        json={"resourceType": "Parameters", "parameter": [
                            {"name": "reason", "valueString": "Bệnh nhân hôn mê, cấp cứu"}]},
                        headers={"Content-Type": "application/fhir+json"})  # fmt: skip
    assert glass.status_code in (200, 201), glass.text
    answer = world.resident("p1").get(f"/book/{pid}/access", headers=HTML)
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert 'id="access-log"' in html and "Truy cập khẩn cấp" in html
    assert re.search(r">\d{2}/\d{2}/\d{4} \d{2}:\d{2}</td>", html)  # HCMC time, dd/mm/yyyy
    assert "Bệnh nhân hôn mê, cấp cứu" in html and "Bệnh viện Quận 3" in html
    assert "bs-cap-cuu" not in html  # the staff member's name is not the resident's to see
    assert world.resident("p2").get(f"/book/{pid}/access", headers=HTML).status_code == 404


def test_a_consent_choice_changes_what_a_facility_sees(world: World) -> None:
    pid, resident = world.ids["p1"], world.resident("p1")
    # B treats p1 (an episode there) and so reads what A wrote, until she blocks B;
    # what B wrote itself stays B's to keep (its own medical record).
    other = world.clinician("79002", name="bs-binh")
    assert other.get(f"/fhir/Observation/{world.ids['obsA1']}").status_code == 200
    page = resident.get(f"/book/{pid}/consent", headers=HTML).text
    assert 'id="no-choices"' in page and "Bệnh viện Quận 3" in page
    ref = re.search(r'<option value="(Organization/[^"]+)">Bệnh viện Quận 3', page)
    assert ref
    csrf = _csrf(page)
    assert _post(resident, f"/book/{pid}/consent", csrf=csrf, action="block-facility",
                 facility=ref.group(1)) == 303  # fmt: skip
    world.app.state.principals.forget()
    assert other.get(f"/fhir/Observation/{world.ids['obsA1']}").status_code == 404
    assert _post(resident, f"/book/{pid}/consent", csrf=csrf, action="national-sharing-off") == 303
    page = resident.get(f"/book/{pid}/consent", headers=HTML).text
    assert "Chặn cơ sở: Bệnh viện Quận 3" in page and "Không chia sẻ hồ sơ lên" in page
    assert 'id="sharing-off"' not in page
    # Withdraw the block: the facility sees the record again; the log keeps both.
    [blocked] = re.findall(r'name="consent" value="([^"]+)"', page)[:1]
    assert _post(resident, f"/book/{pid}/consent", csrf=csrf, action="withdraw",
                 consent=blocked) == 303  # fmt: skip
    assert other.get(f"/fhir/Observation/{world.ids['obsA1']}").status_code == 200
    log = resident.get(f"/fhir/Patient/{pid}/$consent-log").json()
    versions = [e["resource"]["status"] for e in log["entry"]]
    assert sorted(versions) == ["active", "active", "inactive"]  # block (2 versions), national


def test_consent_forms_refuse_forgeries_and_strangers(world: World) -> None:
    pid, resident = world.ids["p1"], world.resident("p1")
    csrf = _csrf(resident.get(f"/book/{pid}/consent", headers=HTML).text)
    assert _post(resident, f"/book/{pid}/consent", csrf="forged",
                 action="national-sharing-off") == 403  # fmt: skip
    assert _post(resident, f"/book/{pid}/consent", csrf=csrf, action="block-facility",
                 facility="Organization/not-in-my-record") == 400  # fmt: skip
    assert _post(resident, f"/book/{pid}/consent", csrf=csrf, action="hide-category",
                 label="XYZ") == 400  # fmt: skip
    assert _post(resident, f"/book/{pid}/consent", csrf=csrf, action="explode") == 400
    # p2's token for p1's book is p2's own CSRF-less guess: refused, nothing written.
    p2 = world.resident("p2")
    p2_csrf = _csrf(p2.get(f"/book/{world.ids['p2']}/consent", headers=HTML).text)
    assert _post(p2, f"/book/{pid}/consent", csrf=p2_csrf, action="national-sharing-off") in (
        403, 404)
    # Withdrawing another resident's Consent by its id: not found.
    assert _post(p2, f"/book/{world.ids['p2']}/consent", csrf=p2_csrf,
                 action="national-sharing-off") == 303  # fmt: skip
    theirs = re.findall(r'name="consent" value="([^"]+)"',
                        p2.get(f"/book/{world.ids['p2']}/consent", headers=HTML).text)  # fmt: skip
    assert _post(resident, f"/book/{pid}/consent", csrf=csrf, action="withdraw",
                 consent=theirs[0]) == 404  # fmt: skip
    huge = resident.post(f"/book/{pid}/consent", content="a=" + "x" * 100_000, headers=FORM)
    assert huge.status_code in (400, 413)


def test_a_resident_files_a_data_request_from_their_book(world: World) -> None:
    pid, resident = world.ids["p1"], world.resident("p1")
    page = resident.get(f"/book/{pid}/requests", headers=HTML).text
    assert 'id="no-requests"' in page and "Xoá dữ liệu cá nhân" in page
    assert _post(resident, f"/book/{pid}/requests", csrf=_csrf(page), kind="correction",
                 description="Sai ngày sinh của tôi") == 303  # fmt: skip
    page = resident.get(f"/book/{pid}/requests", headers=HTML).text
    assert "Sai ngày sinh của tôi" in page and "Chỉnh sửa dữ liệu cá nhân" in page
    assert _post(resident, f"/book/{pid}/requests", csrf=_csrf(page), kind="nope",
                 description="x") == 400  # fmt: skip
    assert world.resident("p2").get(f"/book/{pid}/requests", headers=HTML).status_code == 404
