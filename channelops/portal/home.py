"""The portal home's reads: the tier's benefits, what the partner needs next, what happened to it, and
whom to contact. Each part runs a constant number of queries whatever the partner's data size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from channelops.partners.models import Partner, RegionRouting, TierBenefit

PER_SOURCE = 8  # rows read from each activity source
SHOWN = 8  # activity entries shown


# --- tier and next certification --------------------------------------------------------------------


def tier_benefits(partner: Partner) -> list[TierBenefit]:
    """The benefits of the partner's current tier, as staff edit them (1 query)."""
    return list(TierBenefit.objects.filter(tier_id=partner.tier_id).order_by("position", "pk"))


@dataclass
class NextStep:
    """The next partner certification to reach and what is still missing, from the rules the award
    evaluation uses (enablement ``partner_progress``)."""

    name: str
    state_label: str
    still_needed: list[str]
    held: list[str]
    url: str


def next_step(partner: Partner) -> NextStep | None:
    from channelops.enablement.services.awards import next_certification, partner_progress

    progress = partner_progress(partner)
    held = [str(p.certification.name) for p in progress if p.held]
    nxt = next_certification(progress)
    if nxt is None:
        if not held:
            return None
        return NextStep("", "", [], held, reverse("portal:partner_certifications"))
    return NextStep(
        str(nxt.certification.name),
        nxt.state_label,
        nxt.still_needed,
        held,
        reverse("portal:partner_certifications"),
    )


# --- contacts ----------------------------------------------------------------------------------------


def help_desk_contact(partner: Partner) -> Any:
    """The partner help desk specialist of the partner's region (the routing table), or None (1 query)."""
    routing = (
        RegionRouting.objects.filter(region_id=partner.region_id).select_related("phd_specialist").first()
    )
    phd = routing.phd_specialist if routing else None
    return phd if phd is not None and phd.is_active else None


# --- recent activity ----------------------------------------------------------------------------------


@dataclass
class Activity:
    at: datetime
    text: str
    url: str = ""
    who: str = ""


def _who(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def recent_activity(partner: Partner, user: Any) -> list[Activity]:
    """What happened to the partner: decisions on its requests, licenses issued, comments from staff,
    badges and certifications awarded, agreements accepted, status changes — not sign-ins or page
    views. One query per source (7)."""
    from channelops.agreements.models import AgreementEvent, EventKind
    from channelops.badges.models import Badge, BadgeStatus
    from channelops.enablement.models import PartnerCertificationStatus
    from channelops.licensing.models import RequestEvent
    from channelops.partners.models import PartnerStatusChange
    from channelops.work.models import Comment

    out: list[Activity] = []
    request_texts = {
        "question": _("%(ref)s: the partner help desk asked a question"),
        "approved": _("%(ref)s approved"),
        "license_issued": _("%(ref)s: license issued"),
        "rejected": _("%(ref)s rejected"),
        "corrected": _("%(ref)s corrected by the partner help desk"),
        "withdrawn": _("%(ref)s withdrawn"),
        "license_revoked": _("%(ref)s: license revoked"),
        "submitted": _("%(ref)s submitted"),
        "answer": _("%(ref)s: answer sent"),
    }
    events = (
        RequestEvent.objects.visible_to(user)
        .filter(request__partner=partner, kind__in=list(request_texts))
        .select_related("by")
        .order_by("-at", "-pk")[:PER_SOURCE]
    )
    for ev in events:
        ref = f"NFR-{ev.request_id:06d}"
        out.append(
            Activity(
                ev.at,
                request_texts[ev.kind] % {"ref": ref},
                reverse("portal:nfr_request", args=[ev.request_id]),
                _who(ev.by),
            )
        )
    agreement_kinds: dict[str, str] = {
        EventKind.ACCEPTED: "portal:agreements",
        EventKind.PROMPTED: "portal:agreements",
        EventKind.REGION_DECIDED: "portal:agreements",
        EventKind.LEGAL_COMMENT: "portal:agreements",
        EventKind.LEGAL_OFFERED: "portal:agreements",
        EventKind.LEGAL_CLOSED: "portal:agreements",
    }
    for ag in (
        AgreementEvent.objects.filter(partner=partner, kind__in=list(agreement_kinds))
        .select_related("by", "version__template", "version__partner")
        .order_by("-at", "-pk")[:PER_SOURCE]
    ):
        if ag.kind == EventKind.ACCEPTED and ag.version is not None:  # the detail holds the IP address
            text = _("Accepted: %(version)s") % {"version": ag.version}
        else:
            text = ag.get_kind_display() + (f": {Truncator(ag.detail).chars(120)}" if ag.detail else "")
        out.append(Activity(ag.at, text, reverse(agreement_kinds[ag.kind]), _who(ag.by)))
    for c in (
        Comment.objects.filter(item__partner=partner, item__shared_with_partner=True, author__is_staff=True)
        .select_related("author", "item")
        .order_by("-created_at", "-pk")[:PER_SOURCE]
    ):
        out.append(
            Activity(
                c.created_at,
                _("Comment on %(item)s: %(text)s")
                % {"item": c.item.title, "text": Truncator(c.body).chars(120)},
                reverse("portal:work_item", args=[c.item_id]),
                _who(c.author),
            )
        )
    for b in (
        Badge.objects.filter(partner=partner, status=BadgeStatus.ISSUED, issued_at__isnull=False)
        .select_related("certification")
        .order_by("-issued_at")[:PER_SOURCE]
    ):
        out.append(
            Activity(
                b.issued_at or b.created_at,
                _("Badge awarded to %(name)s: %(cert)s")
                % {"name": b.holder_name, "cert": b.certification.name},
                reverse("portal:badges"),
            )
        )
    for s in (
        PartnerCertificationStatus.objects.filter(partner=partner, awarded_at__isnull=False)
        .select_related("certification", "awarded_by")
        .order_by("-awarded_at")[:PER_SOURCE]
    ):
        out.append(
            Activity(
                s.awarded_at,  # type: ignore[arg-type]
                _("Your company is now a %(name)s") % {"name": s.certification.name},
                reverse("portal:partner_certifications"),
            )
        )
    for sc in PartnerStatusChange.objects.filter(partner=partner).order_by("-at", "-pk")[:PER_SOURCE]:
        out.append(
            Activity(sc.at, _("Partnership status: %(status)s") % {"status": sc.get_to_status_display()})
        )
    out.sort(key=lambda a: a.at, reverse=True)
    return out[:SHOWN]
