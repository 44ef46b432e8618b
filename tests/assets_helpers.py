"""Shared helpers of the asset-library tests: files, the Select/Open world."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter

from channelops.assets.services import asset_create, asset_publish
from channelops.partners.models import Tier

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

GUIDELINES = "## Use of the Select logo\n\n- Keep clear space.\n- Never change its colours."


def png(color=(10, 80, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 16), color).save(out, format="PNG")
    return out.getvalue()


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def marketing_user():
    return StaffFactory(email="marketing@vendor.test", full_name="Mia Marketing", roles=["channel_marketing"])


def person_of(tier_slug: str, email: str, name: str):
    partner = PartnerFactory(country="GB", legal_name=name, tier=Tier.objects.get(slug=tier_slug))
    return MembershipFactory(partner=partner, role="user", user=UserFactory(email=email)).user


def make_asset(by, title, *, kind="paper", data=None, filename="file.pdf", publish=True, **kw):
    asset = asset_create(
        title=title, kind=kind, data=data if data is not None else pdf(), filename=filename, by=by, **kw
    )
    return asset_publish(asset=asset, by=by) if publish else asset


def select_logo(by):
    return make_asset(
        by,
        "Select partner logo",
        kind="logo",
        data=png(),
        filename="select-logo.png",
        tiers=[Tier.objects.get(slug="select")],
        guidelines=GUIDELINES,
        tags="brand",
    )
