"""Isolation rules of the data admin (staff only): one rule per registered model, with partner A's object.

``ADMIN_OBJECTS`` says, for each model registered in the data admin, how to find partner A's
object (or the object that stands for it); ``RULES`` holds the admin site's own URLs and, for
every model listed in ``ADMIN_OBJECTS``, its changelist, add, change, delete and history URLs.
A model registered in the admin but missing from ``ADMIN_OBJECTS`` fails the walker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from simple_history.admin import SimpleHistoryAdmin

from channelops.accounts.models import User
from channelops.partners.models import Partner

from .base import (
    DENIED,
    FORGED_PROFILE,
    OWN,
    PUBLIC,
    Rule,
    World,
    get_post,
    notification_a,
    records_world,
    rule_a,
)

FORGED_PARTNER = {"legal_name": "Pwned Ltd", "country": "US", "status": "terminated", **FORGED_PROFILE}

# For each model in the data admin: how to find the object of partner A (or the object that
# stands for it). A model registered in the admin but missing here fails the walker.
ADMIN_OBJECTS: dict[str, Callable[[World], Any]] = {
    "account.emailaddress": lambda w: w.admin_a.emailaddress_set.get(),
    "mfa.authenticator": lambda w: _authenticator_of(w.admin_a),
    "socialaccount.socialapp": lambda w: 1,
    "socialaccount.socialtoken": lambda w: 1,
    "socialaccount.socialaccount": lambda w: 1,
    "django_tasks_database.dbtaskresult": lambda w: "00000000-0000-0000-0000-000000000000",
    "core.outboxmessage": lambda w: w.dead_letter_a,
    "core.schedulerun": lambda w: w.schedule_run,
    "auth.group": lambda w: 1,
    "accounts.user": lambda w: w.admin_a,
    "accounts.staffteam": lambda w: 1,
    "accounts.invitation": lambda w: w.invitation_a,
    "accounts.apitoken": lambda w: w.token_a,
    "partners.region": lambda w: w.partner_a.region,
    "partners.tier": lambda w: w.partner_a.tier,
    "partners.tierbenefit": lambda w: w.partner_a.tier.benefits.first(),
    "partners.program": lambda w: 1,
    "partners.regionrouting": lambda w: 1,
    "partners.partner": lambda w: w.partner_a,
    "partners.contact": lambda w: w.contact_a,
    "partners.partnermembership": lambda w: w.membership_a,
    "partners.partnerstatuschange": lambda w: w.status_change_a,
    "partners.engagementevent": lambda w: w.event_a,
    "partners.engagementdaily": lambda w: w.daily_a,
    "partners.application": lambda w: w.application_a,
    "agreements.agreementtemplate": lambda w: w.custom_version_a.template,
    "agreements.agreementversion": lambda w: w.custom_version_a,
    "agreements.acceptance": lambda w: w.acceptance_a,
    "agreements.regionexception": lambda w: w.region_exception_a,
    "agreements.legalrequest": lambda w: w.legal_request_a,
    "agreements.agreementevent": lambda w: w.agreement_event_a,
    "work.workgroup": lambda w: 1,
    "work.project": lambda w: w.work_item_a.project,
    "work.label": lambda w: 1,
    "work.milestone": lambda w: w.work_item_a.milestone,
    "work.epic": lambda w: 1,
    "work.worktemplate": lambda w: 1,
    "work.workitem": lambda w: w.work_item_a,
    "work.racimatrix": lambda w: 1,
    "work.deliverable": lambda w: 1,
    "work.workflow": lambda w: 1,
    "work.cadence": lambda w: 1,
    "work.occurrence": lambda w: 1,
    "helpdesk.checklistitem": lambda w: 1,
    "helpdesk.accountreview": lambda w: w.review_a,
    "accounts.accessrequest": lambda w: w.access_request_a,
    "accounts.accessevent": lambda w: w.access_request_a.events.first(),
    # licensing, enablement and badges: read-only data-console views (the catalogs are editable)
    "licensing.nfrrequest": lambda w: w.nfr_request_a,
    "licensing.license": lambda w: w.license_a,
    "licensing.requestevent": lambda w: w.nfr_request_a.events.first(),
    "licensing.licensereminder": lambda w: 1,
    "licensing.messagetemplate": lambda w: 1,
    "enablement.certification": lambda w: 1,
    "enablement.partnercertification": lambda w: 1,
    "enablement.practitionerrecord": lambda w: w.badge_a.record,
    "enablement.partnercertificationstatus": lambda w: 1,
    "enablement.importrun": lambda w: records_world(w)["run"],
    "enablement.enablementplanentry": lambda w: 1,
    "enablement.businessplan": lambda w: 1,
    "badges.badge": lambda w: w.badge_a,
    "badges.statuslist": lambda w: 1,
    "crm.fieldmapping": lambda w: 1,
    "crm.syncrun": lambda w: 1,
    "crm.syncerror": lambda w: 1,
    "crm.syncconflict": lambda w: 1,
    "crm.synccursor": lambda w: 1,
    "crm.syncstate": lambda w: 1,
    "webhooks.webhookendpoint": lambda w: 1,
    "webhooks.webhookdelivery": lambda w: 1,
    "notifications.notificationrule": lambda w: rule_a(w),
    "notifications.notification": lambda w: notification_a(w),
    # the asset library: read-only data-console views (tags editable)
    "assets.asset": lambda w: 1,
    "assets.assetversion": lambda w: 1,
    "assets.assetdownload": lambda w: 1,
    "assets.guidelineacceptance": lambda w: 1,
    "assets.tag": lambda w: 1,
    # partner communications: read-only data-console views
    "communications.mailing": lambda w: 1,
    "communications.mailinglink": lambda w: 1,
    "communications.subscriber": lambda w: 1,
    "communications.consent": lambda w: 1,
    "communications.suppression": lambda w: 1,
    "communications.recipient": lambda w: 1,
    "communications.event": lambda w: 1,
    "communications.feedback": lambda w: 1,
    "communications.webcast": lambda w: 1,
    "communications.portalnotice": lambda w: 1,
}
ADMIN_SITE_RULES: dict[str, Rule] = {
    "admin:index": Rule(DENIED, get_post("/console/admin/")),
    "admin:search": Rule(DENIED, get_post("/console/admin/search/?s=Acme")),
    "admin:login": Rule(PUBLIC, get_post("/console/admin/login/")),
    "admin:logout": Rule(OWN, get_post("/console/admin/logout/")),
    "admin:password_change": Rule(DENIED, get_post("/console/admin/password_change/")),
    "admin:password_change_done": Rule(DENIED, get_post("/console/admin/password_change/done/")),
    "admin:autocomplete": Rule(
        DENIED,
        get_post(
            "/console/admin/autocomplete/?app_label=partners&model_name=contact&field_name=partner&term=Acme"
        ),
    ),
    "admin:jsi18n": Rule(DENIED, get_post("/console/admin/jsi18n/")),
    "admin:view_on_site": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/admin/r/{ContentType.objects.get_for_model(Partner).pk}/{w.partner_a.pk}/"
        ),
    ),
    "admin:app_list": Rule(DENIED, get_post("/console/admin/partners/")),
    "console/admin/(?P<url>.*)$": Rule(
        DENIED, get_post(lambda w: f"/console/admin/nothing-here/{w.partner_a.pk}/")
    ),
}


def _authenticator_of(user: User) -> Any:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user).first() or 1


def _pk(obj: Any) -> Any:
    return getattr(obj, "pk", obj)


def _history_id(obj: Any) -> int:
    h = getattr(obj, "history", None)
    rec = h.order_by("history_id").first() if h is not None else None
    return rec.history_id if rec is not None else 1


def _admin_rules() -> dict[str, Rule]:
    """Rules for the data admin's per-model URLs (only for models listed in ADMIN_OBJECTS)."""
    rules = dict(ADMIN_SITE_RULES)
    for model in admin.site._registry:
        label = model._meta.label_lower
        if label not in ADMIN_OBJECTS:
            continue  # its URLs stay unknown: the walker fails and names them
        app, name = model._meta.app_label, model._meta.model_name
        base = f"/console/admin/{app}/{name}/"
        find = ADMIN_OBJECTS[label]

        def obj_url(suffix: str, find=find, base=base) -> Callable[[World], str]:
            return lambda w: f"{base}{_pk(find(w))}/{suffix}"

        rules[f"admin:{app}_{name}_changelist"] = Rule(DENIED, get_post(f"{base}?q=Acme"))
        rules[f"admin:{app}_{name}_add"] = Rule(DENIED, get_post(f"{base}add/", FORGED_PARTNER))
        rules[f"admin:{app}_{name}_history"] = Rule(DENIED, get_post(obj_url("history/")))
        rules[f"admin:{app}_{name}_delete"] = Rule(DENIED, get_post(obj_url("delete/"), {"post": "yes"}))
        rules[f"admin:{app}_{name}_change"] = Rule(DENIED, get_post(obj_url("change/"), FORGED_PARTNER))
        rules[f"console/admin/{app}/{name}/<path:object_id>/"] = Rule(DENIED, get_post(obj_url("")))
        if isinstance(admin.site._registry[model], SimpleHistoryAdmin):
            rules[f"admin:{app}_{name}_simple_history"] = Rule(
                DENIED,
                get_post(
                    lambda w, find=find, base=base: f"{base}{_pk(find(w))}/history/{_history_id(find(w))}/"
                ),
            )
        if label == "accounts.user":
            rules["admin:auth_user_password_change"] = Rule(
                DENIED, get_post(obj_url("password/"), {"password1": "x", "password2": "x"})
            )
    return rules


RULES: dict[str, Rule] = _admin_rules()
