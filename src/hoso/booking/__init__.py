"""Online booking (issue 21): schedules, slots, `$find/$hold/$book`, queue numbers,
reminders. Imports only `core` and `fhir` (ARCHITECTURE.md)."""
