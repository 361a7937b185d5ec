"""Online booking (issue 21): schedules and slots in FHIR, `Appointment/$find`, `$hold`,
`$book`, `$cancel` and reschedule with the IHE ITI Scheduling parameters, queue numbers,
the BHYT checks a booking needs, reminders and the waitlist. Every channel — the web
portal, the mobile API, the call centre, the counter — calls the same door
(`hoso.access.booking.BookingAccess`); see docs/booking.md."""
