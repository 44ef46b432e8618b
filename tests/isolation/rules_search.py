"""Isolation rules of the global search (issue 13; channelops/core/search.py, the console and
portal search pages): partner B's people search their own records only; the console's search is
for staff."""

from __future__ import annotations

from urllib.parse import urlencode

from .base import DENIED, OWN, Probe, Rule, World


def _search_probes(url: str, w: World) -> list[Probe]:
    """The search page asked for partner A's records by every field it searches (the queries are
    not markers themselves: the page repeats the query), one kind at a time too, and POSTed."""
    queries = [
        "Acme",
        "acme-secret.example",
        "Secret Person",
        "secret.contact",
        "Secret Applicant",
        f"NFR-{w.nfr_request_a.pk:06d}",
        str(w.license_a.pk),
        f"#{w.work_item_a.pk}",
        f"#{w.legal_request_a.pk}",
        "Shared with",
        "wants changes",
    ]
    probes = [Probe("GET", f"{url}?{urlencode({'q': q})}") for q in queries]
    probes += [
        Probe("GET", f"{url}?{urlencode({'q': 'Acme', 'kind': k})}") for k in ("people", "nfr", "work")
    ]
    return [*probes, Probe("POST", url, {"q": "Acme"})]


RULES: dict[str, Rule] = {
    # Over partner B's own records: partner A's name, domain, people, NFR request, license, work
    # item and legal request are never among the results.
    "portal:search": Rule(OWN, lambda w: _search_probes("/portal/search/", w), own_page=True),
    "console:search": Rule(DENIED, lambda w: _search_probes("/console/search/", w)),
}
