"""Isolation rules of helpdesk (channelops/helpdesk): account reviews (console, staff only) and the
FAQ (public help page, the portal's Help, the console's FAQ pages)."""

from __future__ import annotations

from typing import Any

from .base import A_LEGAL_NAME, DENIED, OWN, PUBLIC, Probe, Rule, World, api_calls, get_post


def faq_world(w: World) -> dict[str, Any]:
    """FAQ: a published public article and a draft that names partner A (a draft is seen by FAQ
    writers only, so its text must never reach partner B's people or visitors)."""
    from channelops.helpdesk.faq_services import faq_article_create, faq_article_publish

    from ..factories import StaffFactory

    built = getattr(w, "_faq", None)
    if built is None:
        writer = StaffFactory(email="faq.writer@vendor.test", roles=["phd_specialist"])
        public = faq_article_create(
            title="How do I reset my password?",
            body="Use the sign-in page.",
            category="portal",
            visibility="public",
            by=writer,
        )
        public = faq_article_publish(article=public, by=writer)
        draft = faq_article_create(
            title="Secretdraft pricing",
            body=f"Secretdraft notes on {A_LEGAL_NAME}",
            category="data",
            visibility="public",
            by=writer,
        )
        built = {"public": public, "draft": draft}
        w._faq = built  # type: ignore[attr-defined]
    return built


def _faq_probes(base: str, feedback: bool = True) -> Any:
    def build(w: World) -> list[Probe]:
        faq = faq_world(w)
        probes = [
            Probe("GET", f"{base}{faq['draft'].slug}/"),
            Probe("POST", f"{base}{faq['draft'].slug}/", {"helpful": "yes"}),
        ]
        probes.append(Probe("GET", f"{base}{faq['public'].slug}/"))
        if feedback:
            probes.append(Probe("POST", f"{base}{faq['public'].slug}/", {"helpful": "no"}))
        return probes

    return build


def _faq_index(base: str) -> Any:
    def build(w: World) -> list[Probe]:
        faq_world(w)
        return [Probe("GET", base), Probe("GET", f"{base}?q=secretdraft"), Probe("POST", base, {"q": "x"})]

    return build


def _console_faq(suffix: str, data: dict[str, Any] | None = None) -> Any:
    return get_post(lambda w: f"/console/faq/{faq_world(w)['draft'].pk}/{suffix}", data)


RULES: dict[str, Rule] = {
    # --- account reviews ---
    # REVIEWS-RULES
    "console:reviews": Rule(DENIED, get_post("/console/reviews/?specialist=all")),
    "console:review": Rule(DENIED, get_post(lambda w: f"/console/reviews/{w.review_a.pk}/")),
    "console:review_item_check": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/reviews/{w.review_a.pk}/items/{w.review_a.items.get().pk}/check/",
            {"checked": "1"},
        ),
    ),
    "console:review_item_remind": Rule(
        DENIED,
        get_post(lambda w: f"/console/reviews/{w.review_a.pk}/items/{w.review_a.items.get().pk}/remind/"),
    ),
    "console:review_complete": Rule(
        DENIED, get_post(lambda w: f"/console/reviews/{w.review_a.pk}/complete/", {"notes": "pwned"})
    ),
    # END REVIEWS-RULES
    # FAQ-RULES
    # The public help page: anyone reads the published public articles and answers "did this help?";
    # a draft is a 404 and never found by search.
    "help:index": Rule(PUBLIC, _faq_index("/help/")),
    "help:article": Rule(PUBLIC, _faq_probes("/help/")),
    # The portal's Help: partner B's people read the published articles (none is about a partner).
    "portal:help": Rule(OWN, _faq_index("/portal/help/")),
    "portal:help_article": Rule(OWN, _faq_probes("/portal/help/")),
    # The console's FAQ pages: staff only.
    "console:faq": Rule(DENIED, get_post("/console/faq/")),
    "console:faq_new": Rule(
        DENIED, get_post("/console/faq/new/", {"title": "pwned", "body": "pwned", "category": "data"})
    ),
    "console:faq_article": Rule(DENIED, _console_faq("", {"title": "pwned", "body": "pwned"})),
    "console:faq_publish": Rule(DENIED, _console_faq("publish/")),
    "console:faq_unpublish": Rule(DENIED, _console_faq("unpublish/")),
    "console:faq_reviewed": Rule(DENIED, _console_faq("reviewed/")),
    "console:faq_translation": Rule(
        DENIED, _console_faq("translation/", {"tr-de-language": "de", "tr-de-title": "x", "tr-de-body": "y"})
    ),
    # "My question is answered" (a deflection): partner B's people may answer for a published article;
    # a draft is a 404.
    "portal:help_answered": Rule(
        OWN,
        lambda w: [
            Probe("POST", f"/portal/help/{faq_world(w)['draft'].slug}/answered/"),
            Probe("GET", f"/portal/help/{faq_world(w)['public'].slug}/answered/"),
        ],
    ),
    # The FAQ over the API: published articles only (the draft names partner A).
    "api:list_faq_articles": Rule(
        OWN,
        lambda w: (
            (faq_world(w), api_calls(("GET", "/api/v1/faq/articles?q=secretdraft", None)))[1](w)
            + api_calls(("GET", "/api/v1/faq/articles", None))(w)
        ),
    ),
    "api:get_faq_article": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/faq/articles/{faq_world(w)['draft'].pk}", None))
    ),
    # END FAQ-RULES
}
