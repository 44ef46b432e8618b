"""Enablement plan and business plan pages: the portal (partner people; admins edit) and the console
(staff with the view permission; accept/return with the change permission)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action
from channelops.core.listing import Column
from channelops.core.pages import staff_required
from channelops.partners.models import Partner
from channelops.partners.pages import PartnerRequest, partner_required

from ..forms import BusinessPlanForm, EntryForm, PlanReviewForm, target_rows
from ..models import BusinessPlan, BusinessPlanState, Certification, EnablementPlanEntry
from ..models.plans import BUSINESS_PLAN_SECTIONS
from ..services import plans as svc
from ..standing import business_plan_standing
from ._common import OrderedListPage, page_or_action

BLANK_TARGET_ROWS = 3
NOT_PARTNER_ADMIN = _l("Only your company's partner admins can change the plans.")


def _is_admin(request: PartnerRequest, obj: Any = None) -> bool:
    return bool(request.membership.is_admin)


def _require_admin(request: PartnerRequest) -> None:
    if not _is_admin(request):
        raise PermissionDenied(NOT_PARTNER_ADMIN)


def _optional_url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _enablement_crumb() -> dict[str, Any]:
    return {"label": _("Enablement"), "url": reverse("portal:enablement_home")}


# === portal ======================================================================================


@partner_required
def portal_enablement_home(request: PartnerRequest) -> HttpResponse:
    links = [
        (
            _("People and certifications"),
            _optional_url("portal:practitioners"),
            _("Who at your company is certified, and whose certification expires soon."),
            "certificate",
        ),
        (
            _("Partner certifications"),
            _optional_url("portal:partner_certifications"),
            _("What your company holds, and what it still needs for each certification."),
            "award",
        ),
        (
            _("Enablement plan"),
            reverse("portal:enablement_plan"),
            _("The key employees who will train and certify, with their target dates."),
            "list-check",
        ),
        (
            _("Business plan"),
            reverse("portal:business_plan"),
            _("Your services practice and certification targets, submitted to your channel account manager."),
            "file-text",
        ),
    ]
    return render(
        request,
        "enablement/plan_index.html",
        {
            "partner": request.partner,
            "links": [
                {"label": label, "url": url, "text": text, "icon": icon}
                for label, url, text, icon in links
                if url
            ],
            "nav": "enablement",
        },
    )


def _entry_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in ("full_name", "email", "certification", "target_date", "note")}


def _plan_page(request: PartnerRequest, form: forms.Form | None = None, status: int = 200) -> HttpResponse:
    partner = request.partner
    may_edit = _is_admin(request)
    progress = svc.enablement_progress(partner)
    return render(
        request,
        "enablement/plan_portal.html",
        {
            "partner": partner,
            "progress": progress,
            "chart": svc.enablement_chart(progress),
            "form": (form or EntryForm()) if may_edit else None,
            "may_edit": may_edit,
            "nav": "enablement",
            "breadcrumbs": [_enablement_crumb(), {"label": _("Enablement plan")}],
        },
        status=status,
    )


add_entry = Action[PartnerRequest](
    load=lambda request: request.partner,
    allowed=_is_admin,
    not_allowed=NOT_PARTNER_ADMIN,
    form_class=EntryForm,
    perform=lambda request, partner, data: svc.enablement_plan_entry_add(
        partner=partner, by=request.user, **_entry_kwargs(data)
    ),
    success=lambda partner, entry: _("%(name)s was added to the plan.") % {"name": entry.full_name},
    redirect_to=lambda request, partner, entry: reverse("portal:enablement_plan"),
    on_invalid=lambda request, partner, form: _plan_page(request, form, status=400),
)
portal_enablement_plan = partner_required(page_or_action(_plan_page, add_entry))


def _own_entry(request: PartnerRequest, pk: int) -> EnablementPlanEntry:
    return get_object_or_404(
        EnablementPlanEntry.objects.visible_to(request.user).select_related("partner", "certification"), pk=pk
    )


def _entry_page(
    request: PartnerRequest, entry: EnablementPlanEntry, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    if form is None:
        form = EntryForm(
            initial={
                "full_name": entry.full_name,
                "email": entry.email,
                "certification": entry.certification_id,
                "target_date": entry.target_date,
                "note": entry.note,
            }
        )
    return render(
        request,
        "enablement/plan_entry_edit.html",
        {
            "partner": request.partner,
            "entry": entry,
            "form": form,
            "nav": "enablement",
            "breadcrumbs": [
                _enablement_crumb(),
                {"label": _("Enablement plan"), "url": reverse("portal:enablement_plan")},
                {"label": entry.full_name},
            ],
        },
        status=status,
    )


def _show_entry(request: PartnerRequest, pk: int) -> HttpResponse:
    entry = _own_entry(request, pk)
    _require_admin(request)
    return _entry_page(request, entry)


edit_entry = Action[PartnerRequest](
    load=_own_entry,
    allowed=_is_admin,
    not_allowed=NOT_PARTNER_ADMIN,
    form_class=EntryForm,
    perform=lambda request, entry, data: svc.enablement_plan_entry_update(
        entry=entry, by=request.user, **_entry_kwargs(data)
    ),
    success=_l("The plan row was saved."),
    redirect_to=lambda request, entry, result: reverse("portal:enablement_plan"),
    on_invalid=lambda request, entry, form: _entry_page(request, entry, form, status=400),
)
portal_enablement_plan_entry = partner_required(page_or_action(_show_entry, edit_entry))


remove_entry = Action[PartnerRequest](
    load=_own_entry,
    allowed=_is_admin,
    not_allowed=NOT_PARTNER_ADMIN,
    perform=lambda request, entry, data: svc.enablement_plan_entry_remove(entry=entry, by=request.user),
    success=lambda entry, result: _("%(name)s was removed from the plan.") % {"name": entry.full_name},
    redirect_to=lambda request, entry, result: reverse("portal:enablement_plan"),
)
portal_enablement_plan_entry_remove = partner_required(remove_entry.view)


def _editor_rows(plan: BusinessPlan | None, posted: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if posted is not None:
        rows = [dict(r) for r in posted]
    elif plan is not None:
        rows = [
            {
                "certification": str(t.certification_id),
                "people": str(t.people),
                "by_date": t.by_date.isoformat(),
            }
            for t in plan.targets.all()
        ]
    else:
        rows = []
    rows += [{"certification": "", "people": "", "by_date": ""} for _i in range(BLANK_TARGET_ROWS)]
    for i, r in enumerate(rows):
        r["i"] = i
    return rows


def _sections(plan: BusinessPlan | None) -> list[dict[str, Any]]:
    return [
        {"name": f, "label": label, "help": help_text, "value": getattr(plan, f) if plan is not None else ""}
        for f, label, help_text in BUSINESS_PLAN_SECTIONS
    ]


def _business_page(
    request: PartnerRequest, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    partner = request.partner
    versions = svc.business_plan_versions(partner)
    shown = svc.current_plan(versions)
    draft = next((p for p in versions if p.state == BusinessPlanState.DRAFT), None)
    base = draft or (versions[0] if versions else None)  # a new draft starts from the latest version
    may_edit = _is_admin(request)
    if form is None and may_edit:
        form = BusinessPlanForm(initial={f: getattr(base, f) for f in svc.SECTION_FIELDS} if base else None)
    actual = svc.certified_counts([partner.pk])
    return render(
        request,
        "enablement/plan_business.html",
        {
            "partner": partner,
            "versions": versions,
            "plan": shown,
            "draft": draft,
            "standing": business_plan_standing(shown, draft, is_admin=may_edit),
            "required": svc.business_plan_required(partner),
            "on_file": any(
                p.state in ("submitted", "accepted") and p.superseded_at is None for p in versions
            ),
            "chart": svc.business_plan_chart(shown, actual),
            "may_edit": may_edit,
            "form": form if may_edit else None,
            "target_rows": _editor_rows(
                base, target_rows(form.data) if form is not None and form.is_bound else None
            ),
            "certifications": Certification.objects.filter(active=True).order_by("name"),
            "nav": "enablement",
            "breadcrumbs": [_enablement_crumb(), {"label": _("Business plan")}],
        },
        status=status,
    )


def _save_business_plan(request: PartnerRequest, partner: Partner, data: dict[str, Any]) -> str:
    """Save the draft (and submit it when asked); a refused submit keeps the saved draft."""
    action = data["action"]
    if action in ("save", "submit"):
        svc.business_plan_save(
            partner=partner,
            by=request.user,
            sections={f: data[f] for f in svc.SECTION_FIELDS},
            targets=data["targets"],
        )
    if action == "submit":
        svc.business_plan_submit(partner=partner, by=request.user)
    return str(action)


save_business_plan = Action[PartnerRequest](
    load=lambda request: request.partner,
    allowed=_is_admin,
    not_allowed=NOT_PARTNER_ADMIN,
    form_class=BusinessPlanForm,
    perform=_save_business_plan,
    success=lambda partner, action: (
        _("Your business plan was submitted to your channel account manager.")
        if action == "submit"
        else _("The draft was saved.")
    ),
    redirect_to=lambda request, partner, action: reverse("portal:business_plan"),
    on_invalid=lambda request, partner, form: _business_page(request, form, status=400),
)
portal_business_plan = partner_required(page_or_action(_business_page, save_business_plan))


@partner_required
def portal_business_plan_version(request: PartnerRequest, version: int) -> HttpResponse:
    plan = get_object_or_404(
        BusinessPlan.objects.visible_to(request.user).prefetch_related("targets__certification"),
        version=version,
    )
    return render(
        request,
        "enablement/plan_business_version.html",
        {
            "partner": request.partner,
            "plan": plan,
            "sections": _sections(plan),
            "nav": "enablement",
            "breadcrumbs": [
                _enablement_crumb(),
                {"label": _("Business plan"), "url": reverse("portal:business_plan")},
                {"label": _("Version %(v)s") % {"v": plan.version}},
            ],
        },
    )


# === console =====================================================================================


def _require_view(request: StaffRequest) -> None:
    if not svc.may_view_plans(request.user):
        raise PermissionDenied(_("Your role does not allow seeing partner plans."))


def _plan_cell(r: Any) -> str:
    parts = [f"v{p.version} {p.get_state_display()}" for p in (r.plan, r.draft) if p is not None]
    return "; ".join(parts)


@method_decorator(staff_required, name="dispatch")
class ConsolePlans(OrderedListPage):
    """Partners with plans; each page's rows summarised with a constant number of queries
    (``plan_rows``)."""

    request: StaffRequest
    title = _l("Enablement and business plans")
    nav = "plans"
    default_ordering = ("legal_name", "pk")
    noun_plural = _l("partners")
    empty_title = _l("No partner has a plan yet")
    empty_text = _l("Partner admins write their enablement and business plans in the portal.")
    columns = [
        Column(
            "partner.legal_name",
            _l("Partner"),
            link=lambda r: reverse("console:plan_detail", args=[r.partner.pk]),
            sort="legal_name",
        ),
        Column("partner.cam.email", _l("CAM")),
        Column(
            "entries",
            _l("Enablement plan"),
            value=lambda r: (
                _("%(c)s of %(n)s certified") % {"c": r.entries_certified, "n": r.entries}
                if r.entries
                else None
            ),
        ),
        Column("entries_overdue", _l("Overdue"), value=lambda r: r.entries_overdue or None, numeric=True),
        Column("plan", _l("Business plan"), value=_plan_cell),
        Column(
            "targets",
            _l("Targets: certified / planned"),
            value=lambda r: f"{r.actual_people} / {r.target_people}" if r.target_people else None,
            numeric=True,
        ),
    ]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_view(self.request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return svc.partners_with_plans(self.request.user)

    def rows_html(self, rows: Any, columns: list[Column]) -> Any:
        return super().rows_html(svc.plan_rows(list(rows)), columns)


def _console_partner(request: StaffRequest, partner_id: int) -> Partner:
    _require_view(request)
    return get_object_or_404(Partner.objects.visible_to(request.user).select_related("cam"), pk=partner_id)


@staff_required
def console_plan_detail(request: StaffRequest, partner_id: int) -> HttpResponse:
    return _console_detail(request, _console_partner(request, partner_id))


def _console_detail(
    request: StaffRequest, partner: Partner, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    versions = svc.business_plan_versions(partner)
    shown = svc.current_plan(versions)
    progress = svc.enablement_progress(partner)
    actual = svc.certified_counts([partner.pk])
    return render(
        request,
        "enablement/plan_console_detail.html",
        {
            "partner": partner,
            "progress": progress,
            "entry_chart": svc.enablement_chart(progress),
            "versions": versions,
            "plan": shown,
            "sections": _sections(shown),
            "chart": svc.business_plan_chart(shown, actual),
            "required": svc.business_plan_required(partner),
            "can_review": svc.may_review(request.user)
            and shown is not None
            and shown.state == BusinessPlanState.SUBMITTED,
            "form": form or PlanReviewForm(),
            "nav": "plans",
            "breadcrumbs": [
                {"label": _("Partner plans"), "url": reverse("console:plans")},
                {"label": partner.legal_name},
            ],
        },
        status=status,
    )


def _decide(request: StaffRequest, partner: Partner, data: dict[str, Any], *, accept: bool) -> BusinessPlan:
    plan = svc.current_plan(svc.business_plan_versions(partner))
    if plan is None:
        raise Http404
    comment = data.get("comment", "")
    if accept:
        return svc.business_plan_accept(plan=plan, by=request.user, comment=comment)
    return svc.business_plan_return(plan=plan, by=request.user, comment=comment)


def _decision(*, accept: bool) -> Action[StaffRequest]:
    return Action[StaffRequest](
        load=_console_partner,
        allowed=lambda request, partner: svc.may_review(request.user),
        not_allowed=_l("Your role does not allow reviewing business plans."),
        form_class=PlanReviewForm,
        perform=lambda request, partner, data: _decide(request, partner, data, accept=accept),
        success=(
            _l("The business plan was accepted.")
            if accept
            else _l("The business plan was returned to the partner.")
        ),
        redirect_to=lambda request, partner, plan: reverse("console:plan_detail", args=[partner.pk]),
        on_invalid=lambda request, partner, form: _console_detail(request, partner, form, status=400),
    )


accept_plan = _decision(accept=True)
return_plan = _decision(accept=False)
console_plan_accept = staff_required(accept_plan.view)
console_plan_return = staff_required(return_plan.view)
