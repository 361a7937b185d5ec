"""Dependencies the routers receive; the composition root fills `app.state`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hoso.core.settings import Settings
from hoso.fhir.repository import Repository


def get_repository(request: Request) -> Repository:
    return request.app.state.repository


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


RepoDep = Annotated[Repository, Depends(get_repository)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
