"""Sạch (clean): one record per resident, names and addresses as the registries write
them, phone numbers that can be dialled."""

from __future__ import annotations

from tests.ingest.quality.helpers import good_facts, good_patient, of_rule, rules


def test_open_mpi_pair_makes_a_duplicate_finding_in_the_batch() -> None:
    [issue] = of_rule(good_patient(), "SACH-001", good_facts(open_duplicate=True))
    assert (issue.kind, issue.expression, issue.severity) == ("batch", "Patient", "warning")
    assert "SACH-001" not in rules(good_patient(), good_facts(open_duplicate=False))


def test_name_in_capitals() -> None:
    shouting = good_patient(name=[{"family": "NGUYỄN", "given": ["VĂN", "AN"]}])
    assert [i.expression for i in of_rule(shouting, "SACH-002")] == ["Patient.name[0]"]
    assert "SACH-002" not in rules(good_patient())


def test_extra_spaces_and_text_that_differs_from_the_parts() -> None:
    spaced = good_patient(name=[{"family": " Nguyễn", "given": ["Văn  An"]}])
    assert [i.expression for i in of_rule(spaced, "SACH-003")] == ["Patient.name[0]"]
    other = good_patient(name=[{"family": "Nguyễn", "given": ["Văn", "An"],
                                "text": "Nguyễn Văn Bình"}])  # fmt: skip
    assert [i.expression for i in of_rule(other, "SACH-003")] == ["Patient.name[0].text"]
    same = good_patient(name=[{"family": "Nguyễn", "given": ["Văn", "An"],
                               "text": "Nguyễn Văn An"}])  # fmt: skip
    assert "SACH-003" not in rules(same)


def test_name_as_text_only_lacks_a_family_name() -> None:
    text_only = good_patient(name=[{"text": "Nguyễn Văn An"}])
    assert [i.expression for i in of_rule(text_only, "SACH-004")] == ["Patient.name[0].family"]


def test_name_without_vietnamese_marks() -> None:
    plain = good_patient(name=[{"family": "Nguyen", "given": ["Van", "An"]}])
    [issue] = of_rule(plain, "SACH-005")
    assert issue.expression == "Patient.name[0]"
    # "Phan" and "Mai" have no marks in any spelling: nothing to restore.
    assert "SACH-005" not in rules(good_patient(name=[{"family": "Phan", "given": ["Thi", "Mai"]}]))


def test_mistyped_family_name_is_information_only() -> None:
    typo = good_patient(name=[{"family": "Nugyễn", "given": ["Văn", "An"]}])
    found = of_rule(typo, "SACH-006")
    assert found and {i.severity for i in found} == {"information"}
    assert found[0].expression == "Patient.name[0].family"
    assert "SACH-006" not in rules(good_patient())


def test_address_with_a_ward_abolished_in_2025_names_the_current_one() -> None:
    old = good_patient(address=[{"use": "home", "city": "Phường Linh Chiểu",
                                 "district": "Thành phố Thủ Đức", "state": "TP HCM"}])  # fmt: skip
    [issue] = of_rule(old, "SACH-007")
    assert issue.expression == "Patient.address[0]"
    assert "Phường Thủ Đức" in issue.message
    nowhere = good_patient(address=[{"use": "home", "city": "Phường Không Có",
                                     "state": "Thành phố Hồ Chí Minh"}])  # fmt: skip
    assert [i.expression for i in of_rule(nowhere, "SACH-007")] == ["Patient.address[0]"]
    assert "SACH-007" not in rules(good_patient())


def test_phone_that_cannot_be_dialled() -> None:
    bad = good_patient(telecom=[{"system": "email", "value": "a@b.vn"},
                                {"system": "phone", "value": "12345"}])  # fmt: skip
    assert [i.expression for i in of_rule(bad, "SACH-008")] == ["Patient.telecom[1].value"]
    assert "SACH-008" not in rules(good_patient())


def test_messages_never_repeat_the_name() -> None:
    typo = good_patient(name=[{"family": "NGUYỄN", "given": ["VĂN", "ANN"]}])
    for issue in of_rule(typo, "SACH-002") + of_rule(typo, "SACH-006"):
        assert "NGUY" not in issue.message and "ANN" not in issue.message
