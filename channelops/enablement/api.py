"""Enablement over the API (certifications, practitioner records, partner certifications, plans)."""

from ninja import Router

router = Router(tags=["Enablement"])
