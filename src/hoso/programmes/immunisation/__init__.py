"""The national immunisation schedule (TCMR) as versioned data, and each child's next
due doses computed from their Immunizations (issues 17 and 19; docs/immunisation.md)."""

from hoso.programmes.immunisation.due import DueDose, NotCounted, due_doses
from hoso.programmes.immunisation.next_due import next_due_items
from hoso.programmes.immunisation.schedule import (
    Schedule,
    ScheduleError,
    load_schedule,
    packaged_schedules,
    schedule_in_force,
)
from hoso.programmes.immunisation.vaccines import (
    VaccineTable,
    load_vaccine_table,
    packaged_vaccine_table,
)

__all__ = [
    "DueDose",
    "NotCounted",
    "Schedule",
    "ScheduleError",
    "VaccineTable",
    "due_doses",
    "load_schedule",
    "load_vaccine_table",
    "next_due_items",
    "packaged_schedules",
    "packaged_vaccine_table",
    "schedule_in_force",
]
