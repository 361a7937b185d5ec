"""What the contact-tracing facade accepts, checked before anything is read: days,
choices, ids, wards; and the answers it gives for refused and absent things (the same
404 for a follow-up that is hidden or does not exist)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from hoso.access import claims as roles
from hoso.core import clock
from hoso.core.errors import Forbidden, InvalidRequest, ResourceNotFound

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

SETTINGS = ("household", "school", "workplace", "healthcare", "event", "other")
CERTAINTIES = ("high", "medium", "low")
OUTCOMES = ("seen-ok", "seen-with-symptoms", "missed", "not-attempted")
SUPERVISORS = (roles.OFFICER, roles.OPERATOR)
MAX_IDS = 1000  # follow-ups in one bulk action
MAX_LIST = 500
MAX_FOLLOWUP_DAYS = 3650  # as the disease definitions allow
WARD = re.compile(r"[0-9A-Za-z]{1,8}")
ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
CODE = re.compile(r"[a-z0-9][a-z0-9\-_]{0,63}")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # not "2026-W49-1", which 3.11 also reads


def hcmc_today() -> str:
    return clock.now().astimezone(clock.VN_TZ).date().isoformat()


def bad(field: str, vi: str, en: str) -> InvalidRequest:
    return InvalidRequest(f"{vi} / {en}", expression=[field])


def check_day(value: object, field: str, *, not_after: str | None = None) -> str:
    if not isinstance(value, str) or not DAY.fullmatch(value):
        raise bad(field, f"{field} phải là ngày YYYY-MM-DD", f"{field} must be a YYYY-MM-DD day")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise bad(field, f"{field} không phải ngày hợp lệ", f"{field} is not a valid day") from None
    if not_after is not None and value > not_after:
        raise bad(field, f"{field} ở tương lai", f"{field} is in the future")
    return value


def check_choice(value: object, field: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise bad(field, f"{field} phải là một trong {', '.join(choices)}",
                  f"{field} must be one of {', '.join(choices)}")  # fmt: skip
    return value


def check_text(value: object, field: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise bad(field, f"{field} không hợp lệ", f"{field} is not valid")
    return value


def check_ward(value: object) -> str:
    return check_text(value, "ward", WARD)


def check_ids(value: object) -> list[int]:
    if not isinstance(value, list) or not value or len(value) > MAX_IDS or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in value):
        raise bad("followup_ids", f"danh sách 1–{MAX_IDS} số theo dõi",
                  f"a list of 1–{MAX_IDS} follow-up numbers")  # fmt: skip
    return sorted(set(value))


def require(repo: AccessRepository, allowed: Sequence[str], what: str) -> None:
    if repo.principal.role not in allowed:
        raise Forbidden(f"Vai trò '{repo.principal.role}' không được phép {what} / "
                        f"Role '{repo.principal.role}' may not {what}")  # fmt: skip


def not_found(what: str = "theo dõi / follow-up") -> ResourceNotFound:
    return ResourceNotFound(f"Không tìm thấy {what.split(' / ')[0]} / "
                            f"{what.split(' / ')[-1].capitalize()} not found")  # fmt: skip


