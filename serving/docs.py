"""The API's documentation pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), that work
without internet.

FastAPI's own pages load their scripts and styles from a CDN: without internet (a CRM's private
network, a laptop on a train) they are blank. Here the same pages load them from the service
itself, under ``/docs-assets/``: the files of the pinned ``fastapi-offline`` wheel, which ships
Swagger UI's and ReDoc's bundles and nothing else we use. No font or image is fetched from
elsewhere either.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
ASSET_PACKAGE = "fastapi_offline"  # its static/ folder: swagger-ui-bundle.js, swagger-ui.css,
# redoc.standalone.js, favicon.png


def add_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` with their assets from the package (create the app with
    ``docs_url=None, redoc_url=None``)."""
    folder = files(ASSET_PACKAGE) / "static"
    app.mount(ASSETS, StaticFiles(directory=str(folder)), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title}: API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url, title=f"{app.title}: API reference",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png", with_google_fonts=False)
