"""Enablement plan and business plan pages: the portal (partner people; admins edit) and the console
(staff with the view permission; accept/return with the change permission)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from channelops.core.forms import add_service_errors
from channelops.core.listing import Column
from channelops.core.pages import staff_required
from channelops.partners.models import Partner
from channelops.partners.pages import partner_required

from ..forms import EntryForm, PlanReviewForm
from ..models import BusinessPlan, BusinessPlanState, Certification, EnablementPlanEntry
from ..models.plans import BUSINESS_PLAN_SECTIONS
from ..services import plans as svc
from ._common import OrderedListPage

TARGET_ROWS_MAX = 30
BLANK_TARGET_ROWS = 3


def _is_admin(request: HttpRequest) -> bool:
    return bool(request.membership.is_admin)  # type: ignore[attr-defined]


def _require_admin(request: HttpRequest) -> None:
    if not _is_admin(request):
        raise PermissionDenied(_("Only your company's partner admins can change the plans."))


def _optional_url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


# === portal ======================================================================================


@partner_required
def portal_enablement_home(request: HttpRequest) -> HttpResponse:
    links = [
        (_("People and certifications"), _optional_url("portal:practitioners")),
        (_("Partner certifications"), _optional_url("portal:partner_certifications")),
        (_("Enablement plan"), reverse("portal:enablement_plan")),
        (_("Business plan"), reverse("portal:business_plan")),
    ]
    return render(
        request,
        "enablement/plan_index.html",
        {
            "partner": request.partner,  # type: ignore[attr-defined]
            "links": [(label, url) for label, url in links if url],
            "nav": "enablement",
        },
    )


def _entry_kwargs(form: EntryForm) -> dict[str, Any]:
    return {k: form.cleaned_data[k] for k in ("full_name", "email", "certification", "target_date", "note")}


@partner_required
def portal_enablement_plan(request: HttpRequest) -> HttpResponse:
    partner = request.partner  # type: ignore[attr-defined]
    form = EntryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        _require_admin(request)
        status = 400
        if form.is_valid():
            try:
                svc.enablement_plan_entry_add(partner=partner, by=request.user, **_entry_kwargs(form))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("%(name)s was added to the plan.") % {"name": form.cleaned_data["full_name"]}
                )
                return redirect("portal:enablement_plan")
    progress = svc.enablement_progress(partner)
    return render(
        request,
        "enablement/plan_portal.html",
        {
            "partner": partner,
            "progress": progress,
            "chart": svc.enablement_chart(progress),
            "form": form if _is_admin(request) else None,
            "may_edit": _is_admin(request),
            "nav": "enablement",
        },
        status=status,
    )


def _own_entry(request: HttpRequest, pk: int) -> EnablementPlanEntry:
    return get_object_or_404(
        EnablementPlanEntry.objects.visible_to(request.user).select_related("partner", "certification"), pk=pk
    )


@partner_required
def portal_enablement_plan_entry(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _own_entry(request, pk)
    _require_admin(request)
    initial = {
        "full_name": entry.full_name,
        "email": entry.email,
        "certification": entry.certification_id,
        "target_date": entry.target_date,
        "note": entry.note,
    }
    form = EntryForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                svc.enablement_plan_entry_update(entry=entry, by=request.user, **_entry_kwargs(form))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The plan row was saved."))
                return redirect("portal:enablement_plan")
    return render(
        request,
        "enablement/plan_entry_edit.html",
        {"partner": request.partner, "entry": entry, "form": form, "nav": "enablement"},  # type: ignore[attr-defined]
        status=status,
    )


@require_POST
@partner_required
def portal_enablement_plan_entry_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _own_entry(request, pk)
    _require_admin(request)
    name = entry.full_name
    svc.enablement_plan_entry_remove(entry=entry, by=request.user)
    messages.success(request, _("%(name)s was removed from the plan.") % {"name": name})
    return redirect("portal:enablement_plan")


def _target_rows(post: Any) -> list[dict[str, Any]]:
    rows = []
    for i in range(TARGET_ROWS_MAX):
        cert = (post.get(f"t-{i}-certification") or "").strip()
        people = (post.get(f"t-{i}-people") or "").strip()
        by_date = (post.get(f"t-{i}-by_date") or "").strip()
        if not (cert or people or by_date):
            continue
        rows.append({"certification": cert, "people": people, "by_date": by_date})
    return rows


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


def _sections(plan: BusinessPlan | None, post: Any = None) -> list[dict[str, Any]]:
    out = []
    for f, label, help_text in BUSINESS_PLAN_SECTIONS:
        value = post.get(f, "") if post is not None else (getattr(plan, f) if plan is not None else "")
        out.append({"name": f, "label": label, "help": help_text, "value": value})
    return out


@partner_required
def portal_business_plan(request: HttpRequest) -> HttpResponse:
    partner = request.partner  # type: ignore[attr-defined]
    errors: dict[str, list[str]] = {}
    posted_rows = None
    post = None
    status = 200
    if request.method == "POST":
        _require_admin(request)
        action = request.POST.get("action", "save")
        post = request.POST
        posted_rows = _target_rows(request.POST)
        try:
            if action in ("save", "submit"):
                svc.business_plan_save(
                    partner=partner,
                    by=request.user,
                    sections={f: request.POST.get(f, "") for f in svc.SECTION_FIELDS},
                    targets=posted_rows,
                )
            if action == "submit":
                svc.business_plan_submit(partner=partner, by=request.user)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            status = 400
        else:
            if action == "submit":
                messages.success(
                    request, _("Your business plan was submitted to your channel account manager.")
                )
            else:
                messages.success(request, _("The draft was saved."))
            return redirect("portal:business_plan")
    versions = svc.business_plan_versions(partner)
    shown = svc.current_plan(versions)
    draft = next((p for p in versions if p.state == BusinessPlanState.DRAFT), None)
    base = draft or (versions[0] if versions else None)  # a new draft starts from the latest version
    actual = svc.certified_counts([partner.pk])
    editor_sections = _sections(base, post)
    for s in editor_sections:
        s["errors"] = errors.get(s["name"], [])
    return render(
        request,
        "enablement/plan_business.html",
        {
            "partner": partner,
            "versions": versions,
            "plan": shown,
            "draft": draft,
            "required": svc.business_plan_required(partner),
            "on_file": any(
                p.state in ("submitted", "accepted") and p.superseded_at is None for p in versions
            ),
            "chart": svc.business_plan_chart(shown, actual),
            "may_edit": _is_admin(request),
            "sections": editor_sections,
            "target_rows": _editor_rows(base, posted_rows),
            "certifications": Certification.objects.filter(active=True).order_by("name"),
            "errors": errors,
            "target_errors": errors.get("targets", []) + errors.get("__all__", []),
            "nav": "enablement",
        },
        status=status,
    )


@partner_required
def portal_business_plan_version(request: HttpRequest, version: int) -> HttpResponse:
    plan = get_object_or_404(
        BusinessPlan.objects.visible_to(request.user).prefetch_related("targets__certification"),
        version=version,
    )
    return render(
        request,
        "enablement/plan_business_version.html",
        {
            "partner": request.partner,  # type: ignore[attr-defined]
            "plan": plan,
            "sections": _sections(plan),
            "base": "portal/base.html",
            "nav": "enablement",
        },
    )


# === console =====================================================================================


def _require_view(request: HttpRequest) -> None:
    if not svc.may_view_plans(request.user):
        raise PermissionDenied(_("Your role does not allow seeing partner plans."))


def _plan_cell(r: Any) -> str:
    parts = [f"v{p.version} {p.get_state_display()}" for p in (r.plan, r.draft) if p is not None]
    return "; ".join(parts)


@method_decorator(staff_required, name="dispatch")
class ConsolePlans(OrderedListPage):
    """Partners with plans; each page's rows summarised with a constant number of queries
    (``plan_rows``)."""

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
        _require_view(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return svc.partners_with_plans(self.request.user)

    def rows_html(self, rows: Any, columns: list[Column]) -> Any:
        return super().rows_html(svc.plan_rows(list(rows)), columns)


def _console_partner(request: HttpRequest, partner_id: int) -> Partner:
    _require_view(request)
    return get_object_or_404(Partner.objects.visible_to(request.user).select_related("cam"), pk=partner_id)


@staff_required
def console_plan_detail(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = _console_partner(request, partner_id)
    return _console_detail(request, partner, PlanReviewForm())


def _console_detail(
    request: HttpRequest, partner: Partner, form: PlanReviewForm, status: int = 200
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
            "form": form,
            "nav": "plans",
        },
        status=status,
    )


def _decide(request: HttpRequest, partner_id: int, accept: bool) -> HttpResponse:
    partner = _console_partner(request, partner_id)
    if not svc.may_review(request.user):
        raise PermissionDenied(_("Your role does not allow reviewing business plans."))
    plan = svc.current_plan(svc.business_plan_versions(partner))
    if plan is None:
        raise Http404
    form = PlanReviewForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    try:
        if accept:
            svc.business_plan_accept(plan=plan, by=request.user, comment=comment)
        else:
            svc.business_plan_return(plan=plan, by=request.user, comment=comment)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _console_detail(request, partner, form, status=400)
    messages.success(
        request,
        _("The business plan was accepted.")
        if accept
        else _("The business plan was returned to the partner."),
    )
    return redirect("console:plan_detail", partner.pk)


@require_POST
@staff_required
def console_plan_accept(request: HttpRequest, partner_id: int) -> HttpResponse:
    return _decide(request, partner_id, accept=True)


@require_POST
@staff_required
def console_plan_return(request: HttpRequest, partner_id: int) -> HttpResponse:
    return _decide(request, partner_id, accept=False)
