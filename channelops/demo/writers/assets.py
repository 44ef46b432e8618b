"""The asset library (once every batch is in): the Open and the Select logo with their usage
guidelines, a pitch deck, a datasheet template, a paper and an expired price list.

The files are made here (Pillow and pypdf, no binary in the repository) and go through the same
services as a staff upload (checked, stored through the storage API). Assets that exist (by
title) are left alone, so running the demo again adds nothing.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from .context import Context

LOGO_GUIDELINES = (
    "## Using the {tier} partner logo\n\n"
    "- Use the logo only while your company is a **{tier} partner**.\n"
    "- Keep clear space around it of at least the height of the mark.\n"
    "- Do not change its colours, proportions or wording; do not combine it with your own logo.\n"
    "- Use it on your website, proposals and event material about the partnership, not on products.\n\n"
    "Questions: the channel marketing team."
)


def _png(color: tuple[int, int, int], size: tuple[int, int] = (480, 160)) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((10, 10, size[0] - 10, size[1] - 10), radius=24, fill=color)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _pdf(pages: int = 2) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _assets(ctx: Context) -> list[dict[str, Any]]:
    from channelops.partners.models import Tier

    select = Tier.objects.filter(slug="select")
    return [
        {
            "title": "Open partner logo",
            "kind": "logo",
            "data": _png((32, 107, 196)),
            "filename": "open-partner-logo.png",
            "tags": "brand, logo",
            "description": "The logo every partner may use to show the partnership.",
            "guidelines": LOGO_GUIDELINES.format(tier="Open"),
        },
        {
            "title": "Select partner logo",
            "kind": "logo",
            "data": _png((174, 62, 201)),
            "filename": "select-partner-logo.png",
            "tags": "brand, logo",
            "description": "Only for Select partners.",
            "guidelines": LOGO_GUIDELINES.format(tier="Select"),
            "tiers": list(select),
        },
        {
            "title": "Partner pitch deck",
            "kind": "deck",
            "data": _pdf(12),
            "filename": "partner-pitch-deck.pdf",
            "tags": "sales",
            "language": "en",
            "description": "The product story in twelve slides, with speaker notes.",
        },
        {
            "title": "Datasheet template",
            "kind": "template",
            "data": _pdf(1),
            "filename": "datasheet-template.pdf",
            "tags": "sales, co-branding",
            "description": "Put your logo and contact details on the product datasheet.",
        },
        {
            "title": "Security white paper",
            "kind": "paper",
            "data": _pdf(6),
            "filename": "security-white-paper.pdf",
            "tags": "security",
            "language": "de",
            "description": "How the product keeps customer data safe (German edition).",
        },
        {
            "title": "Price list (last year)",
            "kind": "paper",
            "data": _pdf(2),
            "filename": "price-list.pdf",
            "tags": "sales",
            "description": "Expired: staff see it flagged, partners no longer see it.",
            "expired": True,
        },
    ]


def write_assets(ctx: Context) -> int:
    """The demo's assets that are missing, owned by channel marketing; returns how many were written."""
    from channelops.accounts.models import User
    from channelops.assets.models import Asset
    from channelops.assets.services import asset_create, asset_publish

    owner = (
        User.objects.filter(is_staff=True, is_active=True, groups__name="channel_marketing")
        .order_by("email")
        .first()
    )
    if owner is None:
        return 0
    existing = set(Asset.objects.values_list("title", flat=True))
    written = 0
    for spec in _assets(ctx):
        if spec["title"] in existing:
            continue
        expired = spec.pop("expired", False)
        asset = asset_create(**spec, by=owner)
        asset = asset_publish(asset=asset, by=owner)
        if expired:
            Asset.objects.filter(pk=asset.pk).update(expires_on=ctx.today - timedelta(days=20))
        written += 1
    ctx.stats["assets"] = ctx.stats.get("assets", 0) + written
    return written
