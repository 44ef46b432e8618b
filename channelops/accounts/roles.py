"""The staff roles of SPEC S1, kept as Django groups with model permissions.

`sync_roles` runs after every `migrate` and makes the groups match this table
(it adds what is missing and leaves extra permissions staff granted alone).
Partner people have no group: their role lives on their partner membership.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

CAM = "cam"
PHD = "phd_specialist"
LEADERSHIP = "channel_leadership"
PROGRAM_MANAGER = "channel_program_manager"
EDUCATION = "education_services"
PROFESSIONAL_SERVICES = "professional_services"
LEGAL = "legal"
MARKETING = "channel_marketing"
ADMINISTRATOR = "administrator"

_VIEW_PARTNERS = [
    "partners.view_partner",
    "partners.view_contact",
    "partners.view_region",
    "partners.view_tier",
    "partners.view_program",
    "partners.view_engagementevent",
    "partners.view_engagementdaily",
    "partners.view_regionrouting",
    "partners.view_partnermembership",
    "accounts.view_staffteam",
]
_VIEW_AGREEMENTS = [
    "partners.view_application",
    "agreements.view_agreementtemplate",
    "agreements.view_agreementversion",
    "agreements.view_acceptance",
    "agreements.view_regionexception",
    "agreements.view_legalrequest",
    "agreements.view_legalcomment",
    "agreements.view_agreementevent",
]
_DECIDE_APPLICATIONS = ["partners.change_application"]
_VIEW_NFR = ["licensing.view_nfrrequest", "licensing.view_license", "licensing.view_requestevent"]
_REQUEST_NFR = _VIEW_NFR + ["licensing.add_nfrrequest"]
_REVIEW_NFR = _REQUEST_NFR + [
    "licensing.change_nfrrequest",
    "licensing.change_license",
    "licensing.view_messagetemplate",
    "licensing.change_messagetemplate",
]
# Enablement and business plans (channelops/enablement/plans.py): view, and review (accept/return).
_VIEW_PLANS = [
    "enablement.view_enablementplanentry",
    "enablement.view_businessplan",
    "enablement.view_businessplantarget",
]
_REVIEW_PLANS = _VIEW_PLANS + ["enablement.change_businessplan"]
# Certification catalog and practitioner records (channelops/enablement/records.py): view, manage.
_VIEW_CERTIFICATIONS = [
    "enablement.view_certification",
    "enablement.view_practitionerrecord",
    "enablement.view_importrun",
]
_MANAGE_CERTIFICATIONS = _VIEW_CERTIFICATIONS + [
    "enablement.change_certification",
    "enablement.add_practitionerrecord",
    "enablement.change_practitionerrecord",
    "enablement.add_importrun",
]
# Practitioner badges (channelops/badges): the channel program manager approves and revokes them.
_DECIDE_BADGES = ["badges.view_badge", "badges.approve_badge", "badges.revoke_badge"]
_MANAGE_AGREEMENTS = [
    "agreements.add_agreementversion",
    "agreements.change_agreementversion",
    "agreements.change_agreementtemplate",
]
# CRM sync (channelops/crm): the console's CRM page; the PHD works its errors weekly (SPEC S9) and
# settles conflicts.
_VIEW_CRM = ["crm.view_syncrun", "crm.view_syncerror", "crm.view_syncconflict", "crm.view_fieldmapping"]
# The FAQ (channelops/helpdesk/faq_*.py): write, publish and review articles.
_MANAGE_FAQ = ["helpdesk.manage_faq"]
# Inbound e-mail (channelops/inbound): the received messages and dead letters; retry and discard.
_MANAGE_INBOUND = ["inbound.view_inboundmessage", "inbound.manage_inboundmessage"]
# Questions (channelops/helpdesk/question_*.py): answer, route, note, merge and close any question.
_ANSWER_QUESTIONS = [
    "helpdesk.answer_question",
    "helpdesk.view_macro",
    "helpdesk.add_macro",
    "helpdesk.change_macro",
]
# The asset library (channelops/assets): view (console list, downloads), manage (create, edit, upload, publish).
_VIEW_ASSETS = ["assets.view_asset", "assets.view_assetdownload"]
_MANAGE_ASSETS = _VIEW_ASSETS + [
    "assets.manage_asset",
    "assets.add_asset",
    "assets.change_asset",
    "assets.add_assetversion",
]
# Market development funds (channelops/mdf): view every proposal and claim; decide the proposals
# routed to one's role (CAM, channel marketing, channel leadership by amount); manage budgets; review
# claims; record payments.
_VIEW_MDF = ["mdf.view_proposal", "mdf.view_claim", "mdf.view_budget", "mdf.view_allocation"]
_DECIDE_MDF = _VIEW_MDF + ["mdf.decide_proposal"]
_RUN_MDF = _DECIDE_MDF + [
    "mdf.manage_budget",
    "mdf.add_budget",
    "mdf.change_budget",
    "mdf.add_allocation",
    "mdf.change_allocation",
    "mdf.review_claim",
    "mdf.record_payment",
    "mdf.view_exchangerate",
    "mdf.change_exchangerate",
    "mdf.add_exchangerate",
]
# Partner communications (channelops/communications): view mailings, their figures and subscribers;
# run them (author, test, schedule, send; subscribers and suppression; webcasts; portal notices);
# allow an announcement with less than the 30 days' notice (leadership only).
_VIEW_COMMS = ["communications.view_mailing", "communications.view_subscriber", "communications.view_webcast"]
_RUN_COMMS = _VIEW_COMMS + [
    "communications.manage_mailing",
    "communications.add_mailing",
    "communications.change_mailing",
    "communications.manage_subscriber",
    "communications.manage_webcast",
    "communications.manage_portalnotice",
    "communications.view_portalnotice",
]
_EDIT_PARTNERS = [
    "partners.change_partner",
    "partners.add_contact",
    "partners.change_contact",
    "partners.view_partnerstatuschange",
]

ROLES: dict[str, dict[str, Any]] = {
    CAM: {
        "label": _("Channel account manager"),
        "perms": _VIEW_PARTNERS
        + _EDIT_PARTNERS
        + _VIEW_AGREEMENTS
        + _DECIDE_APPLICATIONS
        + _REQUEST_NFR
        + _REVIEW_PLANS
        + _VIEW_CERTIFICATIONS
        + _VIEW_ASSETS
        + _DECIDE_MDF
        + _VIEW_COMMS,
    },
    PHD: {
        "label": _("PHD specialist"),
        "perms": _VIEW_PARTNERS
        + _EDIT_PARTNERS
        + _VIEW_AGREEMENTS
        + _DECIDE_APPLICATIONS
        + _REVIEW_NFR
        + _VIEW_CERTIFICATIONS
        + _VIEW_CRM
        + _MANAGE_FAQ
        + _MANAGE_INBOUND
        + _ANSWER_QUESTIONS
        + _VIEW_ASSETS
        + _VIEW_MDF
        + _VIEW_COMMS
        + ["crm.change_syncconflict"],
    },
    LEADERSHIP: {
        "label": _("Channel leadership"),
        "perms": _VIEW_PARTNERS
        + _EDIT_PARTNERS
        + _VIEW_AGREEMENTS
        + _DECIDE_APPLICATIONS
        + _MANAGE_AGREEMENTS
        + _REVIEW_NFR
        + _VIEW_PLANS
        + _VIEW_CERTIFICATIONS
        + _VIEW_CRM
        + _MANAGE_FAQ
        + _ANSWER_QUESTIONS
        + _VIEW_ASSETS
        + _RUN_MDF
        + _RUN_COMMS
        + [
            "communications.override_notice",
            "partners.change_regionrouting",
            "core.view_outboxmessage",
            "agreements.decide_regionexception",
            "agreements.change_legalrequest",
            "work.change_racicell",
            "work.add_epic",
            "work.change_epic",
            "accounts.change_staffteam",
        ],
    },
    PROGRAM_MANAGER: {
        "label": _("Channel program manager"),
        "perms": _VIEW_PARTNERS
        + _VIEW_AGREEMENTS
        + _MANAGE_AGREEMENTS
        + _MANAGE_CERTIFICATIONS
        + ["work.change_racicell", "work.add_epic", "work.change_epic"]
        + _DECIDE_BADGES,
    },
    EDUCATION: {
        "label": _("Education services"),
        "perms": _VIEW_PARTNERS + _VIEW_AGREEMENTS + _REVIEW_PLANS + _MANAGE_CERTIFICATIONS,
    },
    PROFESSIONAL_SERVICES: {"label": _("Professional services"), "perms": _VIEW_PARTNERS + _VIEW_AGREEMENTS},
    LEGAL: {
        "label": _("Legal"),
        "perms": _VIEW_PARTNERS
        + _VIEW_AGREEMENTS
        + _MANAGE_AGREEMENTS
        + [
            "agreements.change_legalrequest",
            # convenience translations of agreement texts (not binding): legal's wording
            "agreements.view_agreementtranslation",
            "agreements.change_agreementtranslation",
        ],
    },
    MARKETING: {
        "label": _("Channel marketing"),
        "perms": _VIEW_PARTNERS + _VIEW_AGREEMENTS + _MANAGE_ASSETS + _RUN_MDF + _RUN_COMMS,
    },
    ADMINISTRATOR: {"label": _("Administrator"), "perms": "__all__"},
}


# Privileged permissions are never part of a role (not even the administrator's "__all__"): staff
# obtain them one by one through an access request (channelops.accounts access requests).
PRIVILEGED = frozenset({"licensing.issue_license"})


def role_label(role: str) -> str:
    return str(ROLES.get(role, {}).get("label", role))


def sync_roles(sender: Any = None, **kwargs: Any) -> None:
    """Create the role groups and grant their permissions (post_migrate, once all apps migrated)."""
    if sender is not None and getattr(sender, "label", "") != "console":
        return
    from django.contrib.auth.models import Group, Permission

    using = kwargs.get("using", "default")
    ensure_staff_teams(using)
    _ensure_cache_table(using)
    all_perms = Permission.objects.using(using).select_related("content_type")
    by_name = {f"{p.content_type.app_label}.{p.codename}": p for p in all_perms}
    for role, spec in ROLES.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        if spec["perms"] == "__all__":
            wanted = [
                p
                for key, p in by_name.items()
                if key.split(".")[0] not in {"sessions"} and key not in PRIVILEGED
            ]
        else:
            wanted = [by_name[k] for k in spec["perms"] if k in by_name and k not in PRIVILEGED]
        group.permissions.add(*wanted)
        group.permissions.remove(*[by_name[k] for k in PRIVILEGED if k in by_name])


def ensure_staff_teams(using: str = "default") -> None:
    """One staff team per kind (leads and members are set by staff)."""
    from .models import StaffTeam, TeamKind

    for kind in TeamKind:
        StaffTeam.objects.using(using).get_or_create(kind=kind.value, defaults={"name": str(kind.label)})


def _ensure_cache_table(using: str) -> None:
    """The database cache (used when REDIS_URL is unset) needs its table; migrate creates it."""
    from django.conf import settings
    from django.core.management import call_command

    if any(c["BACKEND"].endswith("DatabaseCache") for c in settings.CACHES.values()):
        call_command("createcachetable", database=using, verbosity=0)
