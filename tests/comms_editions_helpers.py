"""Shared helpers of the Partner Flash edition tests."""

from __future__ import annotations

from datetime import date

from channelops.communications.models import Mailing, Recipient

from .factories import StaffFactory

CONTENT = {
    "subject": "December news for partners",
    "preheader": "Deals, enablement and the product",
    "language": "",
    "featured": "## Big launch\n\nRead the [launch notes](https://docs.vendor.test/launch).",
    "enablement": "- New course: [Admin 101](https://learn.vendor.test/admin)",
    "noteworthy": "A new **case study**.",
    "deal": "20 % off the first year.",
    "deal_video_url": "https://video.vendor.test/deal",
    "product": "1. Faster\n2. Safer\n3. Simpler",
}


def marketing():
    from channelops.accounts.models import User

    existing = User.objects.filter(email="mia@vendor.test").first()
    return existing or StaffFactory(
        email="mia@vendor.test", full_name="Mia Marketing", roles=["channel_marketing"]
    )


def edition_with_content(month: date = date(2026, 12, 1), by=None, **extra) -> Mailing:
    from channelops.communications.editions import edition_open, edition_update

    by = by or marketing()
    edition = edition_open(month=month, by=by)
    return edition_update(edition=edition, by=by, data={**CONTENT, **extra})


def recipients(mailing: Mailing, n: int, **kw) -> list[Recipient]:
    return [
        Recipient.objects.create(mailing=mailing, email=f"reader{i}@partner.test", name=f"Reader {i}", **kw)
        for i in range(n)
    ]
