"""Online booking: schedules, slots, `$find/$hold/$book`, and the rules a booking checks
(the Vietnamese working-day calendar, BHYT card, referral and re-examination slip)."""
