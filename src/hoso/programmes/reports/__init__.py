"""Each programme's monthly report per ward and for the city (issue 19 point 7;
docs/programmes-cohorts-reports.md): counts and indicators computed from rows of
enrolled residents' measures and the population denominators (`monthly`), shown as a
FHIR `MeasureReport` (`measure_report`) and as the ward's spreadsheet (`workbook`)."""

from hoso.programmes.reports.measure_report import measure_report
from hoso.programmes.reports.monthly import (
    IndicatorResult,
    MonthlyReport,
    ReportRow,
    WardPopulation,
    monthly_report,
)
from hoso.programmes.reports.workbook import report_workbook

__all__ = [
    "IndicatorResult",
    "MonthlyReport",
    "ReportRow",
    "WardPopulation",
    "measure_report",
    "monthly_report",
    "report_workbook",
]
