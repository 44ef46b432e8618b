"""Isolation rules of the asset library (channelops/assets): the portal's library, asset page and
download, the console's pages (staff only) and the API.

The world adds an asset only Select partners see (partner B is an Open partner) whose title and
guidelines name partner A, and a draft that names partner A: neither may reach partner B's
people, by list, search, page, download or API, and guessing their ids gives 404.
"""

from __future__ import annotations

from typing import Any

from .base import A_LEGAL_NAME, DENIED, OWN, Probe, Rule, World, api_calls, get_post


def assets_world(w: World) -> dict[str, Any]:
    built = getattr(w, "_assets", None)
    if built is None:
        from channelops.assets.services import asset_create, asset_publish
        from channelops.partners.models import Tier

        from ..assets_helpers import pdf, png
        from ..factories import StaffFactory

        marketing = StaffFactory(email="assets.marketing@vendor.test", roles=["channel_marketing"])
        select = asset_create(
            title=f"Select logo for {A_LEGAL_NAME}",
            kind="logo",
            data=png(),
            filename="select.png",
            tiers=[Tier.objects.get(slug="select")],
            guidelines=f"Guidelines naming {A_LEGAL_NAME}",
            by=marketing,
        )
        select = asset_publish(asset=select, by=marketing)
        draft = asset_create(
            title=f"Draft about {A_LEGAL_NAME}", kind="paper", data=pdf(), filename="d.pdf", by=marketing
        )
        built = {"select": select, "draft": draft}
        w._assets = built  # type: ignore[attr-defined]
    return built


def _list(base: str) -> Any:
    def build(w: World) -> list[Probe]:
        assets_world(w)
        return [
            Probe("GET", base),
            Probe("GET", f"{base}?q=acme"),
            Probe("GET", f"{base}?kind=logo"),
            Probe("GET", f"{base}?export=csv"),
            Probe("POST", base, {"q": "x"}),
        ]

    return build


def _portal(suffix: str, data: dict[str, Any] | None = None) -> Any:
    def build(w: World) -> list[Probe]:
        a = assets_world(w)
        return [
            p
            for key in ("select", "draft")
            for p in get_post(f"/portal/assets/{a[key].pk}/{suffix}", data)(w)
        ]

    return build


def _console(suffix: str, data: dict[str, Any] | None = None) -> Any:
    return get_post(lambda w: f"/console/assets/{assets_world(w)['select'].pk}/{suffix}", data)


def _api(suffix: str, method: str = "GET") -> Any:
    def build(w: World) -> list[Probe]:
        a = assets_world(w)
        return [
            p
            for key in ("select", "draft")
            for p in api_calls((method, f"/api/v1/assets/{a[key].pk}{suffix}", None))(w)
        ]

    return build


RULES: dict[str, Rule] = {
    # ASSETS-RULES
    # The portal's library: partner B (Open) sees what Open partners may use, never the Select logo.
    "portal:assets": Rule(OWN, _list("/portal/assets/")),
    "portal:asset": Rule(DENIED, _portal("", {"accept": "on"})),
    "portal:asset_download": Rule(DENIED, _portal("download/")),
    # The console's pages: staff only.
    "console:assets": Rule(DENIED, _list("/console/assets/")),
    "console:asset_new": Rule(DENIED, get_post("/console/assets/new/", {"title": "pwned", "kind": "paper"})),
    "console:asset_downloads": Rule(DENIED, get_post("/console/assets/downloads/")),
    "console:asset": Rule(DENIED, _console("", {"title": "pwned", "kind": "paper"})),
    "console:asset_version_new": Rule(DENIED, _console("versions/", {"note": "pwned"})),
    "console:asset_version_download": Rule(DENIED, _console("versions/1/download/")),
    "console:asset_publish": Rule(DENIED, _console("publish/")),
    "console:asset_archive": Rule(DENIED, _console("archive/")),
    # The API: the same rules as the portal.
    "api:list_assets": Rule(
        OWN, api_calls(("GET", "/api/v1/assets", None), ("GET", "/api/v1/assets?q=acme", None))
    ),
    "api:get_asset": Rule(DENIED, _api("")),
    "api:accept_guidelines": Rule(DENIED, _api("/guidelines/accept", "POST")),
    "api:download_asset": Rule(DENIED, _api("/download")),
    # END ASSETS-RULES
}
