"""`/docs`: the OpenAPI reference in Swagger UI, working offline. Its script and style
come from the `fastapi-offline` package (Swagger UI's own distribution, packaged for
PyPI), served under `/static/docs/`, so a hospital network without internet access (or
with jsDelivr blocked) still gets the page; `/static/` itself serves the pages' one
stylesheet from this package."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

__all__ = ["install", "router"]

router = APIRouter()


@router.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Hồ Sơ FHIR API — tài liệu / documentation",
        swagger_js_url="/static/docs/swagger-ui-bundle.js",
        swagger_css_url="/static/docs/swagger-ui.css",
        swagger_favicon_url="/static/docs/favicon.png",
        oauth2_redirect_url="/docs/oauth2-redirect",
    )


@router.get("/docs/oauth2-redirect", include_in_schema=False)
def oauth2_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


def install(app: FastAPI) -> None:
    """The static files: Swagger UI's, then ours (a mount matches by prefix, so the
    longer one goes first)."""
    swagger = files("fastapi_offline") / "static"
    app.mount("/static/docs", StaticFiles(directory=str(swagger)), name="swagger-ui")
    app.mount("/static", StaticFiles(packages=[("hoso.api", "static")]), name="static")
