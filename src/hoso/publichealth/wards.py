"""The 168 wards of Ho Chi Minh City after 1 July 2025 (NSO codes, `vietnam-provinces`),
by code: what pages and reports name a case's ward by."""

from __future__ import annotations

from functools import cache

__all__ = ["ward_name", "ward_names"]

HCMC = "79"


@cache
def ward_names() -> dict[str, str]:
    """NSO code → official name, for the city's wards (the package loads its whole
    national table, so it is read once, on first use)."""
    from vietnam_provinces import ProvinceCode, Ward

    return {str(w.code.value): " ".join(w.name.split()) for w in Ward.iter_all()
            if w.province_code == ProvinceCode.P_79}  # fmt: skip


def ward_name(code: str | None) -> str:
    if not code:
        return "—"
    return ward_names().get(code, code)
