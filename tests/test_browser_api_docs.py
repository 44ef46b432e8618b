"""The API docs page (Swagger UI at /api/docs) renders the schema in Chromium, from channelops'
own static files (issue 11: two "422" keys in the schema made Swagger UI refuse it with
"Parser error — duplicated mapping key")."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from channelops.api import api

from .conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS  # see tests/conftest.py


@pytest.fixture
def site(live_server):
    return live_server.url


def test_the_api_docs_page_shows_every_operation_from_local_files(page: Page, site):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{site}/api/docs")
    expect(page).to_have_url(f"{site}/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    operations = sum(len(item) for item in api.get_openapi_schema(path_prefix="/api/v1/")["paths"].values())
    expect(page.locator(".opblock")).to_have_count(operations)
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/partners/{partner_id}/business-plan")
    ).to_have_count(3)
    body = page.locator("body")
    expect(body).not_to_contain_text("Parser error")
    expect(body).not_to_contain_text("Unable to render")
    expect(body).not_to_contain_text("Failed to load API definition")
    # Swagger UI's scripts, styles and the schema come from the server itself, no CDN
    assert any(url.endswith("/static/ninja/swagger-ui-bundle.js") for url in requested), requested
    assert {urlsplit(url).netloc for url in requested if url.startswith("http")} == {urlsplit(site).netloc}
