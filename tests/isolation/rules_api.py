"""Isolation rules of the API's own URLs: root, OpenAPI schema and docs (channelops/api.py)."""

from __future__ import annotations

from .base import PUBLIC, Probe, Rule

RULES: dict[str, Rule] = {
    # API-RULES
    "api:openapi-json": Rule(PUBLIC, lambda w: [Probe("GET", "/api/v1/openapi.json")]),
    "api:openapi-view": Rule(PUBLIC, lambda w: [Probe("GET", "/api/v1/docs")]),
    "api:api-root": Rule(PUBLIC, lambda w: [Probe("GET", "/api/v1/")]),
    "api/docs": Rule(PUBLIC, lambda w: [Probe("GET", "/api/docs")]),
    "api/openapi.json": Rule(PUBLIC, lambda w: [Probe("GET", "/api/openapi.json")]),
}
