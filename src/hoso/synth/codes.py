"""Code systems and the coded concepts the generator uses, built once.

Diagnoses are ICD-10 with the Vietnamese names of the Ministry's list (QĐ 4469/QĐ-BYT),
procedures ICD-9-CM with the names of QĐ 4440/QĐ-BYT, as Vietnamese facilities code
them; vital signs and tests are LOINC with UCUM units, drugs ATC, vaccines CVX.
The CodeableConcept dicts are shared between resources: nothing downstream mutates them.
"""

from __future__ import annotations

from typing import Any

ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD9CM = "http://hl7.org/fhir/sid/icd-9-cm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"
CVX = "http://hl7.org/fhir/sid/cvx"
SNOMED = "http://snomed.info/sct"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"


def concept(system: str, code: str, display: str, text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [{"system": system, "code": code, "display": display}]}
    if text:
        out["text"] = text
    return out


def status(kind: str, code: str) -> dict[str, Any]:
    """A status CodeableConcept from terminology.hl7.org (condition-clinical, …)."""
    return {"coding": [{"system": TERMINOLOGY + kind, "code": code}]}


# -- diagnoses (ICD-10, QĐ 4469 names) ---------------------------------------------------
_DIAGNOSES = {
    "I10": "Bệnh lý tăng huyết áp",
    "E11.9": "Bệnh đái tháo đường không phụ thuộc insuline (Chưa có biến chứng)",
    "E78.5": "Tăng lipid máu, không đặc hiệu",
    "J44.9": "Bệnh phổi tắc nghẽn mãn tính, không phân loại",
    "J45.9": "Hen, không phân loại",
    "K29.7": "Viêm dạ dày, không đặc hiệu",
    "I25": "Bệnh tim thiếu máu cục bộ mạn",
    "M17.9": "Thoái hóa khớp gối không đặc hiệu",
    "E03.9": "Suy giáp, không đặc hiệu",
    "H52.1": "Cận thị",
    "J06.9": "Nhiễm trùng đường hô hấp trên cấp, không phân loại",
    "J02.9": "Viêm họng cấp, không đặc hiệu",
    "J20.9": "Viêm phế quản cấp, không phân loại",
    "J18.9": "Viêm phổi, không đặc hiệu",
    "A97.0": "Sốt xuất huyết không có dấu hiệu cảnh báo",
    "A97.1": "Sốt xuất huyết có dấu hiệu cảnh báo",
    "B08.4": "Viêm họng có phỏng nước do virus đường ruột với phát ban",
    "A09.0": "Viêm dạ dày - ruột và đại tràng khác do nhiễm trùng và không xác định",
    "U07.1": "COVID-19 xác định (có kết quả xét nghiệm khẳng định SARS-CoV-2 dương tính)",
    "K35.8": "Viêm ruột thừa cấp tính, khác và không đặc hiệu",
    "S52.5": "Gãy xương ở đầu thấp và xương quay",
    "N39.0": "Nhiễm khuẩn hệ tiết niệu, vị trí không xác định",
    "O80.9": "Đẻ thường một thai chưa xác định rõ",
    "I63.9": "Nhồi máu não, không đặc hiệu",
    "L20.9": "Viêm da cơ địa, không đặc hiệu",
    "J30.4": "Viêm mũi dị ứng, không phân loại",
    "Z00.0": "Khám sức khỏe tổng quát",
}
DIAGNOSIS = {code: concept(ICD10, code, name) for code, name in _DIAGNOSES.items()}

# -- procedures (ICD-9-CM, QĐ 4440 names) -----------------------------------------------
_PROCEDURES = {
    "89.52": "Điện tâm đồ",
    "88.72": "Siêu âm chẩn đoán tim",
    "88.76": "Siêu âm chẩn đoán bụng và sau màng bụng",
    "47.01": "Nội soi ổ bụng cắt bỏ ruột thừa",
    "73.59": "Đẻ hỗ trợ bằng tay khác",
    "79.02": "Nắn kín gãy xương không cố định trong xương quay và xương trụ",
    "93.53": "Sử dụng bột khác",
}
PROCEDURE = {code: concept(ICD9CM, code, name) for code, name in _PROCEDURES.items()}

# -- observations (LOINC, UCUM) -----------------------------------------------------------
VITAL_SIGNS = concept(OBS_CATEGORY, "vital-signs", "Vital Signs")
LABORATORY = concept(OBS_CATEGORY, "laboratory", "Laboratory")
EXAM = concept(OBS_CATEGORY, "exam", "Exam")
# key: (LOINC code, display, UCUM unit, category)
_OBSERVATIONS = {
    "bp": ("85354-9", "Blood pressure panel with all children optional", "mm[Hg]", VITAL_SIGNS),
    "sys": ("8480-6", "Systolic blood pressure", "mm[Hg]", VITAL_SIGNS),
    "dia": ("8462-4", "Diastolic blood pressure", "mm[Hg]", VITAL_SIGNS),
    "hr": ("8867-4", "Heart rate", "/min", VITAL_SIGNS),
    "weight": ("29463-7", "Body weight", "kg", VITAL_SIGNS),
    "height": ("8302-2", "Body height", "cm", VITAL_SIGNS),
    "bmi": ("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", VITAL_SIGNS),
    "temp": ("8310-5", "Body temperature", "Cel", VITAL_SIGNS),
    "glucose": ("2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL", LABORATORY),
    "hba1c": ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", LABORATORY),
    "va": ("98497-1", "Visual acuity panel", "1", EXAM),
    "va_left": ("98498-9", "Visual acuity uncorrected Left eye", "1", EXAM),
    "va_right": ("98499-7", "Visual acuity uncorrected Right eye", "1", EXAM),
}
OBS_CODE = {key: concept(LOINC, c, d) for key, (c, d, _, _) in _OBSERVATIONS.items()}
OBS_UNIT = {key: unit for key, (_, _, unit, _) in _OBSERVATIONS.items()}
OBS_CATEGORY_OF = {key: [cat] for key, (_, _, _, cat) in _OBSERVATIONS.items()}

# -- drugs (ATC): key -> (ATC code, INN, Vietnamese label with strength, how to take) ----
_DRUGS = {
    "amlodipine": ("C08CA01", "amlodipine", "Amlodipin 5 mg", "Uống 1 viên mỗi sáng"),
    "losartan": ("C09CA01", "losartan", "Losartan 50 mg", "Uống 1 viên mỗi sáng"),
    "ramipril": ("C09AA05", "ramipril", "Ramipril 5 mg", "Uống 1 viên mỗi sáng"),
    "perindopril": ("C09AA04", "perindopril", "Perindopril 5 mg", "Uống 1 viên mỗi sáng"),
    "metformin": ("A10BA02", "metformin", "Metformin 850 mg", "Uống 1 viên sau ăn, ngày 2 lần"),
    "gliclazide": ("A10BB09", "gliclazide", "Gliclazid 30 mg MR", "Uống 1 viên trước ăn sáng"),
    "atorvastatin": ("C10AA05", "atorvastatin", "Atorvastatin 20 mg", "Uống 1 viên buổi tối"),
    "aspirin": ("B01AC06", "acetylsalicylic acid", "Aspirin 81 mg", "Uống 1 viên sau ăn trưa"),
    "tiotropium": ("R03BB04", "tiotropium bromide", "Tiotropium 18 mcg (hít)",
                   "Hít 1 nang mỗi sáng"),
    "budesonide": ("R03BA02", "budesonide", "Budesonid 200 mcg (xịt)", "Xịt 1 nhát, ngày 2 lần"),
    "salbutamol": ("R03AC02", "salbutamol", "Salbutamol 100 mcg (xịt)", "Xịt 2 nhát khi khó thở"),
    "omeprazole": ("A02BC01", "omeprazole", "Omeprazol 20 mg", "Uống 1 viên trước ăn sáng"),
    "levothyroxine": ("H03AA01", "levothyroxine sodium", "Levothyroxin 50 mcg",
                      "Uống 1 viên lúc đói buổi sáng"),
    "glucosamine": ("M01AX05", "glucosamine", "Glucosamin 1500 mg", "Uống 1 gói mỗi ngày"),
    "diclofenac": ("M01AB05", "diclofenac", "Diclofenac 50 mg", "Uống 1 viên sau ăn khi đau"),
    "paracetamol": ("N02BE01", "paracetamol", "Paracetamol 500 mg",
                    "Uống 1 viên khi sốt trên 38,5 °C, cách 6 giờ"),
    "amoxicillin": ("J01CA04", "amoxicillin", "Amoxicilin 500 mg", "Uống 1 viên, ngày 3 lần"),
    "ceftriaxone": ("J01DD04", "ceftriaxone", "Ceftriaxon 1 g (tiêm)", "Tiêm tĩnh mạch 1 lọ/ngày"),
    "ors": ("A07CA", "oral rehydration salt formulations", "Oresol 245",
            "Pha 1 gói với 200 ml nước, uống sau mỗi lần đi ngoài"),
    "cetirizine": ("R06AE07", "cetirizine", "Cetirizin 10 mg", "Uống 1 viên buổi tối"),
    "nitrofurantoin": ("J01XE01", "nitrofurantoin", "Nitrofurantoin 100 mg",
                       "Uống 1 viên, ngày 2 lần"),
    "clopidogrel": ("B01AC04", "clopidogrel", "Clopidogrel 75 mg", "Uống 1 viên mỗi ngày"),
}  # fmt: skip
DRUG = {
    key: (concept(ATC, code, inn, label), [{"text": how}])
    for key, (code, inn, label, how) in _DRUGS.items()
}
