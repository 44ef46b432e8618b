"""Isolation rules of the questions' core (channelops/helpdesk/question_*.py, rating_views.py): the
one-click rating link of the resolution e-mail (public: the signed token is the only key).

Partner A has a resolved question; partner B's people and visitors try forged and altered tokens
(the token of partner A's question is never theirs): a clear "link does not work" page, nothing
about partner A, nothing rated.
"""

from __future__ import annotations

from django.core import signing

from .base import DENIED, OWN, PUBLIC, Probe, Rule, World, api_calls


def _rating_probes(w: World) -> list[Probe]:
    from channelops.helpdesk.question_emails import RATING_SALT, rating_token

    q = w.question_a
    good = rating_token(q, "good")
    altered = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    wrong_salt = signing.dumps({"q": q.pk, "r": "bad"}, salt="something-else")
    unsigned = signing.dumps({"q": q.pk, "r": "bad"}, salt=RATING_SALT, key="not-the-secret-key-of-this-site")
    probes = []
    for token in (altered, wrong_salt, unsigned, "nonsense"):
        probes += [Probe("GET", f"/help/rate/{token}/"), Probe("POST", f"/help/rate/{token}/", {})]
    return probes


RULES: dict[str, Rule] = {
    # QUESTIONS-CORE-RULES
    "help:question_rate": Rule(
        PUBLIC,
        _rating_probes,
        note="the signed token is the key; forged, altered or foreign-key tokens get the 'link does not work' page",
    ),
    # --- the API: partner B's token never lists, reads or replies in partner A's questions ---
    "api:list_questions": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/questions", None),
            ("GET", lambda w: f"/api/v1/questions?partner_id={w.partner_a.pk}", None),
            ("GET", "/api/v1/questions?status=resolved", None),
        ),
    ),
    "api:get_question": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/questions/{w.question_a.pk}", None))
    ),
    "api:create_question": Rule(
        OWN,
        lambda w: [
            Probe(
                "POST",
                "/api/v1/questions",
                {
                    "partner_id": w.partner_a.pk,  # ignored: the question is the caller's partner's
                    "category": "licensing",
                    "subject": "pwned",
                    "body": "pwned",
                },
                api=True,
            )
        ],
        note="partner B's people ask for partner B (201); never for partner A",
    ),
    "api:reply_to_question": Rule(
        DENIED,
        api_calls(
            ("POST", lambda w: f"/api/v1/questions/{w.question_a.pk}/replies", {"body": "pwned"}),
            (
                "POST",
                lambda w: f"/api/v1/questions/{w.question_a.pk}/replies",
                {"body": "pwned", "internal": True},
            ),
        ),
    ),
    # END QUESTIONS-CORE-RULES
}
