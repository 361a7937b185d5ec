"""Settings from the environment only: secrets and URLs never live in the repo."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CCCD_SYSTEM = "https://fhir.hoso.hochiminhcity.gov.vn/sid/cccd"
DEFAULT_BHYT_SYSTEM = "https://fhir.hoso.hochiminhcity.gov.vn/sid/bhyt"
DEFAULT_BHXH_SYSTEM = "https://fhir.hoso.hochiminhcity.gov.vn/sid/ma-so-bhxh"
DEFAULT_FACILITY_SYSTEM = "https://fhir.hoso.hochiminhcity.gov.vn/sid/ma-cskcb"


def default_database_url() -> str:
    return f"sqlite:///{Path('var') / 'hoso.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    cccd_system: str = DEFAULT_CCCD_SYSTEM
    bhyt_system: str = DEFAULT_BHYT_SYSTEM
    bhxh_system: str = DEFAULT_BHXH_SYSTEM
    facility_system: str = DEFAULT_FACILITY_SYSTEM
    max_body_bytes: int = 16 * 1024 * 1024
    default_page_size: int = 20
    max_page_size: int = 1000
    check_references: bool = True
    # Access policy: how long an encounter, appointment or referral keeps a care
    # relationship open, and how long a break-the-glass grant lasts.
    care_window_days: int = 365
    break_glass_minutes: int = 60

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        env = os.environ
        return cls(
            database_url=database_url or env.get("HOSO_DATABASE_URL") or default_database_url(),
            cccd_system=env.get("HOSO_CCCD_SYSTEM", DEFAULT_CCCD_SYSTEM),
            bhyt_system=env.get("HOSO_BHYT_SYSTEM", DEFAULT_BHYT_SYSTEM),
            bhxh_system=env.get("HOSO_BHXH_SYSTEM", DEFAULT_BHXH_SYSTEM),
            facility_system=env.get("HOSO_FACILITY_SYSTEM", DEFAULT_FACILITY_SYSTEM),
            max_body_bytes=int(env.get("HOSO_MAX_BODY_BYTES", 16 * 1024 * 1024)),
            care_window_days=int(env.get("HOSO_CARE_WINDOW_DAYS", 365)),
            break_glass_minutes=int(env.get("HOSO_BREAK_GLASS_MINUTES", 60)),
        )
