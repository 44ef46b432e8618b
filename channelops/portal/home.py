"""The portal home's reads: the tier's benefits, what the partner needs next, what happened to it, and
whom to contact. Each part runs a constant number of queries whatever the partner's data size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
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
    """The partner help desk specialist of the partner's region (the routing table), or None (no query
    when ``partner_required`` loaded the region's routing with the partner, else 1)."""
    region = partner.region
    if "routing" in region._state.fields_cache:
        routing = region._state.fields_cache["routing"]  # None: the region has no routing row
    else:
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
    views. One query: the newest rows of each source (at most ``PER_SOURCE``), combined with
    UNION ALL and sorted in the database (:func:`_activity_rows`)."""
    from channelops.agreements.models import EventKind
    from channelops.partners.models import PartnerStatus

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
    agreement_kinds: dict[str, str] = {
        EventKind.ACCEPTED: "portal:agreements",
        EventKind.PROMPTED: "portal:agreements",
        EventKind.REGION_DECIDED: "portal:agreements",
        EventKind.LEGAL_COMMENT: "portal:agreements",
        EventKind.LEGAL_OFFERED: "portal:agreements",
        EventKind.LEGAL_CLOSED: "portal:agreements",
    }
    out: list[Activity] = []
    for row in _activity_rows(partner, user, list(request_texts), list(agreement_kinds)):
        src, at = row["src"], row["at"]
        who = row["who_name"] or row["who_email"] or ""  # User.get_full_name(), "" for nobody
        if src == _REQUEST:
            out.append(
                Activity(
                    at,
                    request_texts[row["kind"]] % {"ref": f"NFR-{row['obj_id']:06d}"},
                    reverse("portal:nfr_request", args=[row["obj_id"]]),
                    who,
                )
            )
        elif src == _AGREEMENT:
            if row["kind"] == EventKind.ACCEPTED and row["obj_id"] is not None:  # the detail holds the IP
                version = f"{row['t1']} v{row['n']}" + (f" ({row['t2']})" if row["t2"] is not None else "")
                text = _("Accepted: %(version)s") % {"version": version}
            else:
                detail = row["text"]
                text = str(EventKind(row["kind"]).label) + (
                    f": {Truncator(detail).chars(120)}" if detail else ""
                )
            out.append(Activity(at, text, reverse(agreement_kinds[row["kind"]]), who))
        elif src == _COMMENT:
            out.append(
                Activity(
                    at,
                    _("Comment on %(item)s: %(text)s")
                    % {"item": row["t1"], "text": Truncator(row["text"]).chars(120)},
                    reverse("portal:work_item", args=[row["obj_id"]]),
                    who,
                )
            )
        elif src == _BADGE:
            out.append(
                Activity(
                    at,
                    _("Badge awarded to %(name)s: %(cert)s") % {"name": row["t2"], "cert": row["t1"]},
                    reverse("portal:badges"),
                )
            )
        elif src == _AWARD:
            out.append(
                Activity(
                    at,
                    _("Your company is now a %(name)s") % {"name": row["t1"]},
                    reverse("portal:partner_certifications"),
                )
            )
        else:
            out.append(
                Activity(
                    at, _("Partnership status: %(status)s") % {"status": PartnerStatus(row["kind"]).label}
                )
            )
    return out


# the activity sources, in the order ties are shown
_REQUEST, _AGREEMENT, _COMMENT, _BADGE, _AWARD, _STATUS = range(6)
_COLUMNS = ("src", "at", "pk", "obj_id", "n", "kind", "t1", "t2", "text", "who_name", "who_email")


def _activity_rows(
    partner: Partner, user: Any, request_kinds: list[str], agreement_kinds: list[str]
) -> list[dict[str, Any]]:
    """The newest ``SHOWN`` rows of the six sources, each projected to the same columns (``_COLUMNS``:
    the source, when, its id, the linked object's id, a number, a kind and three texts, who acted),
    in one query: every source's newest ``PER_SOURCE`` rows in a sub-select, ``UNION ALL``, sorted
    (newest first; ties in source order, then newest row first) and cut in the database."""
    from django.db.models import F, IntegerField, TextField, Value
    from django.db.models.functions import Cast

    from channelops.agreements.models import AgreementEvent
    from channelops.badges.models import Badge, BadgeStatus
    from channelops.enablement.models import PartnerCertificationStatus
    from channelops.licensing.models import RequestEvent
    from channelops.partners.models import PartnerStatusChange
    from channelops.work.models import Comment

    def text(expr: Any) -> Any:
        return Cast(expr, output_field=TextField())

    no_text = Cast(Value(None), output_field=TextField())
    no_int = Cast(Value(None), output_field=IntegerField())

    def part(qs: Any, src: int, at: str, **cols: Any) -> Any:
        values = {
            "src": Value(src, output_field=IntegerField()),
            "at": F(at),
            "pk": F("pk"),
            "obj_id": no_int,
            "n": no_int,
            "kind": no_text,
            "t1": no_text,
            "t2": no_text,
            "text": no_text,
            "who_name": no_text,
            "who_email": no_text,
        }
        values.update(cols)
        qs = qs.order_by(f"-{at}", "-pk").annotate(**{f"c_{k}": v for k, v in values.items()})
        return qs.values_list(*[f"c_{c}" for c in _COLUMNS])[:PER_SOURCE]

    def by(path: str) -> dict[str, Any]:
        return {"who_name": text(F(f"{path}__full_name")), "who_email": text(F(f"{path}__email"))}

    parts = [
        part(
            RequestEvent.objects.visible_to(user).filter(request__partner=partner, kind__in=request_kinds),
            _REQUEST,
            "at",
            obj_id=F("request_id"),
            kind=text(F("kind")),
            **by("by"),
        ),
        part(
            AgreementEvent.objects.filter(partner=partner, kind__in=agreement_kinds),
            _AGREEMENT,
            "at",
            obj_id=F("version_id"),
            n=F("version__number"),
            kind=text(F("kind")),
            t1=text(F("version__template__name")),
            t2=text(F("version__partner__legal_name")),
            text=text(F("detail")),
            **by("by"),
        ),
        part(
            Comment.objects.filter(
                item__partner=partner, item__shared_with_partner=True, author__is_staff=True
            ),
            _COMMENT,
            "created_at",
            obj_id=F("item_id"),
            t1=text(F("item__title")),
            text=text(F("body")),
            **by("author"),
        ),
        part(
            Badge.objects.filter(partner=partner, status=BadgeStatus.ISSUED, issued_at__isnull=False),
            _BADGE,
            "issued_at",
            pk=no_int,  # a UUID: no order among badges issued at the same moment (as before)
            t1=text(F("certification__name")),
            t2=text(F("holder_name")),
        ),
        part(
            PartnerCertificationStatus.objects.filter(partner=partner, awarded_at__isnull=False),
            _AWARD,
            "awarded_at",
            t1=text(F("certification__name")),
        ),
        part(PartnerStatusChange.objects.filter(partner=partner), _STATUS, "at", kind=text(F("to_status"))),
    ]
    sqls, params = [], []
    for i, qs in enumerate(parts):
        sql, p = qs.query.sql_with_params()
        sqls.append(f"SELECT * FROM ({sql}) part{i}")  # noqa: S608 (Django-compiled SQL, parameters bound)
        params.extend(p)
    # order by position: at (2) newest first, src (1), pk (3) newest first
    query = " UNION ALL ".join(sqls) + f" ORDER BY 2 DESC, 1, 3 DESC LIMIT {int(SHOWN)}"
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    return [dict(zip(_COLUMNS, (row[0], _aware(row[1]), *row[2:]), strict=True)) for row in rows]


def _aware(value: Any) -> datetime:
    """A raw cursor's datetime: SQLite gives the stored text (UTC), PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value
