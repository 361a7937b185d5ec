"""SQL of the gateway accounts (`hoso.access.gateway_login` is their only user); each
call is one short transaction, so a refused login is counted even when the request
that caused it fails."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from hoso.store import auth_schema
from hoso.store.engine import WRITE_OPTION

__all__ = ["GatewayAccountRow", "SqlGatewayAccounts"]

_G = auth_schema.gateway_account


@dataclass(frozen=True, slots=True)
class GatewayAccountRow:
    username: str
    facility: str
    password_hash: str
    failed_attempts: int
    locked_until: int | None
    status: str
    created: int


class SqlGatewayAccounts:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def add(self, **values: object) -> None:
        with self.engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, \
                conn.begin():  # fmt: skip
            conn.execute(sa.insert(_G).values(**values))

    def get(self, username: str) -> GatewayAccountRow | None:
        with self.engine.connect().execution_options(**{WRITE_OPTION: False}) as conn:
            row = conn.execute(sa.select(_G).where(_G.c.username == username)).first()
        return GatewayAccountRow(**row._mapping) if row else None

    def failed(self, username: str, *, max_failures: int, lock_until: int) -> None:
        """Count a failure; the `max_failures`-th locks the account until `lock_until`."""
        with self.engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, \
                conn.begin():  # fmt: skip
            conn.execute(sa.update(_G).where(_G.c.username == username).values(
                failed_attempts=_G.c.failed_attempts + 1,
                locked_until=sa.case((_G.c.failed_attempts + 1 >= max_failures, lock_until),
                                     else_=_G.c.locked_until)))  # fmt: skip

    def succeeded(self, username: str) -> None:
        with self.engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, \
                conn.begin():  # fmt: skip
            conn.execute(sa.update(_G).where(_G.c.username == username)
                         .values(failed_attempts=0, locked_until=None))  # fmt: skip
