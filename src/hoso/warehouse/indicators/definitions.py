"""The group-1 indicators as the shared model (`IndicatorDef`), one per analysis of
`group1.ANALYSES`, in the same order. docs/warehouse-indicators.md explains each."""

from __future__ import annotations

from hoso.warehouse.indicators.model import IndicatorDef

__all__ = ["DEFINITIONS", "definition"]

_CELLS = ("icd10-chapter", "age-band", "sex")
_QD4469 = "QĐ 4469/QĐ-BYT (28/10/2020): chương ICD-10 / ICD-10 chapters"

DEFINITIONS: tuple[IndicatorDef, ...] = (
    IndicatorDef(
        code="morbidity-icd10-chapter",
        name_vi="Mắc bệnh theo chương ICD-10, nhóm tuổi, giới",
        name_en="Morbidity by ICD-10 chapter, age band and sex",
        group=1, scale=100_000, unit_vi="lượt / 100.000 dân", categories=_CELLS,
        description_vi="Lượt khám chữa bệnh trong tháng theo chẩn đoán chính / dân số của "
        "phường/xã cùng nhóm tuổi, giới trong năm; theo cơ sở: số lượt.",
        description_en="Episodes of care in the month by main diagnosis / the ward's "
        "population of that age band and sex in the year; per facility: a count.",
        source=_QD4469 + "; HOUSE: age bands, population of the year",
    ),
    IndicatorDef(
        code="morbidity-icd10-group",
        name_vi="Mắc bệnh theo nhóm bệnh ICD-10",
        name_en="Morbidity by ICD-10 group",
        group=1, scale=100_000, unit_vi="lượt / 100.000 dân", categories=("icd10-group",),
        description_vi="Lượt khám chữa bệnh trong năm theo nhóm chính ICD-10 của chẩn đoán "
        "chính / dân số năm của phường/xã; theo cơ sở: số lượt.",
        description_en="Episodes of care in the year by the main diagnosis's ICD-10 group "
        "/ the ward's population of the year; per facility: a count.",
        source="QĐ 4469/QĐ-BYT (28/10/2020): nhóm chính ICD-10 / ICD-10 main groups",
    ),
    IndicatorDef(
        code="mortality-in-hospital",
        name_vi="Tử vong tại cơ sở khám chữa bệnh theo chương ICD-10",
        name_en="In-hospital deaths by ICD-10 chapter",
        group=1, scale=100, unit_vi="%", categories=_CELLS,
        description_vi="Lượt điều trị kết thúc tử vong (KET_QUA_DTRI = 5 hoặc ra viện "
        "'exp') / lượt điều trị cùng ô (tỷ lệ tử vong).",
        description_en="Episodes ending in death (KET_QUA_DTRI 5 or discharge 'exp') / "
        "the episodes of the same cell (case fatality).",
        source="QĐ 130/QĐ-BYT sửa đổi bởi QĐ 4750/QĐ-BYT (29/12/2023), Bảng 1: KET_QUA_DTRI; "
        + _QD4469,
    ),
    IndicatorDef(
        code="mortality-residents",
        name_vi="Tử vong của người dân theo nhóm tuổi, giới",
        name_en="Residents' deaths by age band and sex",
        group=1, scale=1000, unit_vi="ca / 1.000 dân", categories=_CELLS,
        description_vi="Người dân tử vong trong năm (ngày tử vong) / dân số năm; chương "
        "ICD-10 của lượt điều trị tử vong nếu có, nếu không 'unknown'.",
        description_en="Residents who died in the year / the year's population; the "
        "chapter of their in-hospital death episode when there is one, else 'unknown'.",
        source="WHO: crude death rate per 1,000; HOUSE: cause from the death episode",
    ),
    IndicatorDef(
        code="top-diagnoses",
        name_vi="10 chẩn đoán thường gặp nhất",
        name_en="Top 10 diagnoses",
        group=1, scale=100, unit_vi="% lượt khám", categories=("icd10", "rank"),
        description_vi="Mã ICD-10 3 ký tự có nhiều lượt nhất trong năm, theo phường/xã "
        "và cơ sở / tổng lượt có chẩn đoán.",
        description_en="The 3-character ICD-10 codes with most episodes in the year, per "
        "ward and facility / all episodes with a diagnosis.",
        source=_QD4469 + "; HOUSE: ties broken by code",
    ),
    IndicatorDef(
        code="chronic-prevalence",
        name_vi="Tỷ lệ hiện mắc bệnh mạn tính",
        name_en="Chronic disease prevalence",
        group=1, scale=100, unit_vi="%", categories=("chronic-disease",),
        description_vi="Người dân còn sống có chẩn đoán mạn tính đang hoạt động, đã xác "
        "nhận / người dân còn sống của phường/xã vào ngày tính.",
        description_en="Living residents with an active, confirmed chronic condition / "
        "living residents of the ward on the day.",
        source="QĐ 376/QĐ-TTg (20/03/2015), chiến lược quốc gia phòng, chống bệnh không "
        "lây nhiễm; WHO ICD-10 blocks; HOUSE: N18",
    ),
    IndicatorDef(
        code="immunisation-coverage",
        name_vi="Tỷ lệ tiêm chủng theo kháng nguyên, trẻ tròn 1 tuổi",
        name_en="Immunisation coverage by antigen, children turning 1",
        group=1, scale=100, unit_vi="%", categories=("vaccine",),
        description_vi="Trẻ sinh năm Y-1 còn sống ngày 1/1/Y, đủ số mũi trước 31/12/Y / "
        "trẻ sinh năm Y-1 của phường/xã.",
        description_en="Children born in Y-1, alive on 1 January Y, with the doses by "
        "31 December Y / the ward's children born in Y-1.",
        source="WHO/UNICEF WUENIC definitions (DTP1, DTP3, Pol3, HepB3, Hib3, MCV1, BCG); "
        "HOUSE: cohort by birth year",
    ),
    IndicatorDef(
        code="visits-per-resident",
        name_vi="Số lượt khám chữa bệnh bình quân đầu người",
        name_en="Visits per resident",
        group=1, scale=1, unit_vi="lượt / người / năm",
        description_vi="Lượt khám chữa bệnh của người dân phường/xã trong năm / dân số năm.",
        description_en="The ward's residents' episodes of care in the year / the year's "
        "population.",
        source="WHO Global Reference List of 100 Core Health Indicators (2018): outpatient "
        "service utilisation; HOUSE: every encounter class counts",
    ),
    IndicatorDef(
        code="readmissions-30d",
        name_vi="Tỷ lệ nhập viện lại trong 30 ngày",
        name_en="Readmissions within 30 days",
        group=1, scale=100, unit_vi="%",
        description_vi="Lượt ra viện nội trú có lần nhập viện nội trú khác trong 30 ngày "
        "/ lượt ra viện nội trú (trừ tử vong, chuyển viện), theo cơ sở và tháng ra viện.",
        description_en="Inpatient discharges followed by another inpatient admission "
        "within 30 days / inpatient discharges (deaths and transfers out excluded), per "
        "facility and month of discharge.",
        source="CMS Hospital-Wide All-Cause Unplanned Readmission measure (30 days; "
        "index admissions exclude deaths and transfers); HOUSE: all readmissions count",
    ),
)


def definition(code: str) -> IndicatorDef:
    for found in DEFINITIONS:
        if found.code == code:
            return found
    raise KeyError(code)
