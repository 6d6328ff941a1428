"""OpenAPI docs that work offline: Swagger UI at `/docs` and ReDoc at `/redoc`, their scripts and styles served
by this server from the `fastapi-offline` package instead of FastAPI's default CDN (a blank page offline).

The app must be created with `docs_url=None, redoc_url=None`; `add_docs` adds the pages and the assets.
Nothing is fetched from elsewhere: ReDoc is told not to load Google fonts and its bundle's one remote image (the
Redocly logo) is pointed at the local favicon; Swagger UI's online spec validator is off.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse, Response

ASSETS = "/docs-assets"


def assets_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


REMOTE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@lru_cache(maxsize=1)
def redoc_bundle() -> bytes:
    text = (assets_dir() / "redoc.standalone.js").read_text(encoding="utf-8")
    return text.replace(REMOTE_LOGO, f"{ASSETS}/favicon.png").encode("utf-8")


def add_docs(app: FastAPI, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    openapi, redirect = app.openapi_url or "/openapi.json", f"{docs_url}/oauth2-redirect"

    @app.get(f"{ASSETS}/redoc.standalone.js", include_in_schema=False)
    def redoc_js() -> Response:  # declared before the mount, so it is the one served
        return Response(redoc_bundle(), media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})

    app.mount(ASSETS, StaticFiles(directory=assets_dir()), name="docs-assets")

    @app.get(docs_url, include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=openapi, title=f"{app.title} - Swagger UI", oauth2_redirect_url=redirect,
                                   swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS}/favicon.png",
                                   swagger_ui_parameters={"validatorUrl": None})

    @app.get(redirect, include_in_schema=False)
    def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(redoc_url, include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi, title=f"{app.title} - ReDoc",
                              redoc_js_url=f"{ASSETS}/redoc.standalone.js", redoc_favicon_url=f"{ASSETS}/favicon.png",
                              with_google_fonts=False)
