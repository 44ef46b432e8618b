"""Isolation rules of the questions' core (channelops/helpdesk/question_*.py, rating_views.py): the
one-click rating link of the resolution e-mail (public: the signed token is the only key).

Partner A has a resolved question; partner B's people and visitors try forged and altered tokens
(the token of partner A's question is never theirs): a clear "link does not work" page, nothing
about partner A, nothing rated.
"""

from __future__ import annotations

from django.core import signing

from .base import PUBLIC, Probe, Rule, World


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
    # END QUESTIONS-CORE-RULES
}
