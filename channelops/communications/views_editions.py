"""Console pages of Partner Flash editions (/console/communications/editions/…): the list with
deadlines, warnings, figures and the targets; an edition's editor with its send date, test send,
schedule and lock; the preview at desktop and phone width."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action, page_or_action
from channelops.core.pages import staff_required

from . import editions, schedule
from .forms_editions import EditionForm, NewEditionForm, ReasonForm, SendDateForm, TestSendForm
from .links import personalise
from .models import Mailing, MailingKind, MailingStatus, Recipient, RecipientStatus
from .querysets import VIEW_MAILING

NAV = "comms_editions"
NOT_MANAGER = gettext_lazy("Only channel marketing and leadership author Partner Flash editions.")


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_MAILING):
        raise PermissionDenied(_("Your role does not allow seeing partner communications."))


def _crumbs(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"label": _("Partner Flash"), "url": reverse("console:comms_editions")}, *extra]


# --- the list --------------------------------------------------------------------------------------


def _list_page(request: StaffRequest, form: NewEditionForm | None = None, status: int = 200) -> HttpResponse:
    _require_view(request)
    rows = list(
        Mailing.objects.visible_to(request.user)
        .filter(kind=MailingKind.FLASH)
        .select_related("work_item")
        .order_by("-month", "-pk")[:60]
    )
    counts = {
        r["mailing_id"]: r
        for r in Recipient.objects.filter(mailing_id__in=[m.pk for m in rows])
        .values("mailing_id")
        .annotate(
            recipients=Count("pk"),
            delivered=Count("pk", filter=Q(status=RecipientStatus.SENT)),
            opened=Count("pk", filter=Q(opened_at__isnull=False)),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        )
        .order_by()
    }
    now = timezone.now()
    for m in rows:
        c: dict[str, Any] = dict(counts.get(m.pk) or {})
        delivered = c.get("delivered") or 0
        m.figures = {
            "recipients": c.get("recipients") or 0,
            "delivered": delivered,
            "open_rate": round(100.0 * c["opened"] / delivered, 1) if delivered else None,
            "click_rate": round(100.0 * c["clicked"] / delivered, 1) if delivered else None,
        }
        m.deadlines = editions.deadlines(m)
        m.warnings = editions.edition_warnings(m, now)
    return render(
        request,
        "communications/editions/list.html",
        {
            "editions": rows,
            "targets": editions.targets_summary(),
            "may_manage": editions.may_manage(request.user),
            "form": form or NewEditionForm(),
            "comms_tz": settings.COMMS_TIME_ZONE,
            "nav": NAV,
            "breadcrumbs": _crumbs(),
        },
        status=status,
    )


open_action = Action[StaffRequest](
    load=lambda request: None,
    allowed=lambda request, obj: editions.may_manage(request.user),
    not_allowed=NOT_MANAGER,
    form_class=NewEditionForm,
    perform=lambda request, obj, d: editions.edition_open(month=d["month"], by=request.user),
    success=lambda obj, result: _("%(title)s is open.") % {"title": result.title},
    redirect_to=lambda request, obj, result: reverse("console:comms_edition", args=[result.pk]),
    on_invalid=lambda request, obj, form: _list_page(request, form, status=400),  # type: ignore[arg-type]
)

console_editions = staff_required(lambda request: _list_page(request))
console_edition_new = staff_required(open_action.view)


# --- an edition ------------------------------------------------------------------------------------


def _edition(request: HttpRequest, pk: int) -> Mailing:
    _require_view(request)
    return get_object_or_404(
        Mailing.objects.visible_to(request.user)
        .filter(kind=MailingKind.FLASH)
        .select_related("work_item", "featured_image", "content_unlocked_by", "created_by"),
        pk=pk,
    )


def _initial(edition: Mailing) -> dict[str, Any]:
    sections = edition.sections or {}
    return {
        "subject": edition.subject,
        "preheader": edition.preheader,
        "language": edition.language,
        "featured_image": edition.featured_image_id,
        "deal_video_url": edition.deal_video_url,
        "contributors": [u.pk for u in editions.contributors_of(edition)],
        **{key: sections.get(key, "") for key in editions.SECTION_KEYS},
    }


def edition_page(request: StaffRequest, edition: Mailing, *, status: int = 200, **forms: Any) -> HttpResponse:
    user = request.user
    d = editions.deadlines(edition)
    locked = editions.is_locked(edition)
    may_manage = editions.may_manage(user)
    context = {
        "edition": edition,
        "deadlines": d,
        "warnings": editions.edition_warnings(edition),
        "locked": locked,
        "after_cutoff": d is not None and timezone.now() >= d.feedback_cutoff,
        "may_manage": may_manage,
        "may_edit": may_manage and not locked,
        "may_unlock": editions.may_unlock(user) and edition.status == MailingStatus.DRAFT and locked,
        "rule_date": schedule.send_date_by_rule(edition.month) if edition.month else None,
        "form": forms.get("form") or EditionForm(initial=_initial(edition)),
        "date_form": forms.get("date_form")
        or SendDateForm(initial={"send_on": edition.send_on, "reason": edition.send_on_reason}),
        "test_form": forms.get("test_form") or TestSendForm(),
        "unlock_form": forms.get("unlock_form") or ReasonForm(),
        "reviewers": editions.reviewer_addresses(),
        "contributors": editions.contributors_of(edition),
        "figures": editions.edition_figures(edition) if edition.status == MailingStatus.SENT else None,
        "section_labels": editions.section_labels(),
        "comms_tz": settings.COMMS_TIME_ZONE,
        "nav": NAV,
        "breadcrumbs": _crumbs({"label": edition.title}),
    }
    return render(request, "communications/editions/edition.html", context, status=status)


def _back(request: StaffRequest, edition: Mailing, result: Any) -> str:
    return reverse("console:comms_edition", args=[edition.pk])


def _invalid(name: str) -> Any:
    return lambda request, edition, form: edition_page(request, edition, status=400, **{name: form})


def _save(request: StaffRequest, edition: Mailing, d: dict[str, Any]) -> Any:
    return editions.edition_update(edition=edition, by=request.user, data=d)


save_action = Action[StaffRequest](
    load=_edition,
    allowed=lambda request, e: editions.may_manage(request.user),
    not_allowed=NOT_MANAGER,
    form_class=EditionForm,
    perform=_save,
    success=gettext_lazy("The edition was saved."),
    redirect_to=_back,
    on_invalid=_invalid("form"),
)
send_date_action = Action[StaffRequest](
    load=_edition,
    allowed=lambda request, e: editions.may_manage(request.user),
    not_allowed=NOT_MANAGER,
    form_class=SendDateForm,
    perform=lambda request, e, d: editions.edition_set_send_on(
        edition=e,
        by=request.user,
        send_on=None if d.get("use_rule") else d.get("send_on"),
        reason=d.get("reason", ""),
    ),
    success=gettext_lazy("The send date was changed."),
    redirect_to=_back,
    on_invalid=_invalid("date_form"),
)


def _test_send(request: StaffRequest, e: Mailing, d: dict[str, Any]) -> Any:
    from django.contrib import messages

    to = editions.reviewer_addresses(list(d.get("reviewers") or []), d.get("addresses", ""))
    for _level, text in editions.edition_test_send(edition=e, to=to, by=request.user):
        messages.warning(request, text)
    return to


test_send_action = Action[StaffRequest](
    load=_edition,
    allowed=lambda request, e: editions.may_manage(request.user),
    not_allowed=NOT_MANAGER,
    form_class=TestSendForm,
    perform=_test_send,
    success=lambda e, to: _("The test e-mail goes to %(n)s reviewers.") % {"n": len(to)},
    redirect_to=_back,
    on_invalid=_invalid("test_form"),
)
schedule_action = Action[StaffRequest](
    load=_edition,
    allowed=lambda request, e: editions.may_manage(request.user),
    not_allowed=NOT_MANAGER,
    perform=lambda request, e, d: editions.edition_schedule(edition=e, by=request.user),
    success=gettext_lazy("The edition is scheduled: it is sent at its send time."),
    redirect_to=_back,
)
unschedule_action = Action[StaffRequest](
    load=_edition,
    allowed=lambda request, e: editions.may_manage(request.user),
    not_allowed=NOT_MANAGER,
    perform=lambda request, e, d: editions.edition_unschedule(edition=e, by=request.user),
    success=gettext_lazy("The edition is a draft again."),
    redirect_to=_back,
)
cancel_action = Action[StaffRequest](
    load=_edition,
    allowed=lambda request, e: editions.may_manage(request.user),
    not_allowed=NOT_MANAGER,
    perform=lambda request, e, d: editions.edition_cancel(edition=e, by=request.user),
    success=gettext_lazy("The edition was cancelled."),
    redirect_to=_back,
)
unlock_action = Action[StaffRequest](
    load=_edition,
    allowed=lambda request, e: editions.may_unlock(request.user),
    not_allowed=gettext_lazy("Only channel leadership and administrators unlock an edition."),
    form_class=ReasonForm,
    perform=lambda request, e, d: editions.edition_unlock(edition=e, by=request.user, reason=d["reason"]),
    success=gettext_lazy("The content is unlocked; the reason is in the work item."),
    redirect_to=_back,
    on_invalid=_invalid("unlock_form"),
)

console_edition = staff_required(
    page_or_action(lambda request, pk: edition_page(request, _edition(request, pk)), save_action)
)
console_edition_send_date = staff_required(send_date_action.view)
console_edition_test_send = staff_required(test_send_action.view)
console_edition_schedule = staff_required(schedule_action.view)
console_edition_unschedule = staff_required(unschedule_action.view)
console_edition_cancel = staff_required(cancel_action.view)
console_edition_unlock = staff_required(unlock_action.view)


# --- the preview -----------------------------------------------------------------------------------


@staff_required
@require_safe
def console_edition_preview(request: StaffRequest, pk: int) -> HttpResponse:
    """The preview page: the edition at desktop and at phone width (sandboxed frames)."""
    edition = _edition(request, pk)
    return render(
        request,
        "communications/editions/preview.html",
        {
            "edition": edition,
            "nav": NAV,
            "breadcrumbs": _crumbs(
                {"label": edition.title, "url": reverse("console:comms_edition", args=[edition.pk])},
                {"label": _("Preview")},
            ),
        },
    )


PREVIEW_CSP = (
    "default-src 'none'; img-src 'self' https: data: {site}; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox allow-popups"
)


def sample_values(rendered_links: list[tuple[int, str, str]], *, language: str) -> dict[str, Any]:
    """Placeholder values for a preview: a sample greeting, plain link addresses, no tracking."""
    from django.utils import translation

    with translation.override(language):
        greeting = _("Hello %(name)s,") % {"name": _("Alex")}
    values: dict[str, Any] = {
        "greeting": greeting,
        "unsubscribe_url": "#unsubscribe",
        "preferences_url": "#preferences",
        "open_url": "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
        "web_url": "",
        **{f"feedback_url:{n}": f"#rating-{n}" for n in range(1, 6)},
    }
    for position, url, _label in rendered_links:
        values[f"link:{position}"] = url
    return values


@staff_required
@require_safe
@xframe_options_sameorigin
def console_edition_preview_html(request: StaffRequest, pk: int) -> HttpResponse:
    """The rendered edition with sample values (tracking off), for the preview frames only."""
    from .render_flash import render_flash

    edition = _edition(request, pk)
    rendered = render_flash(edition)
    html = personalise(
        rendered.html,
        sample_values(rendered.links, language=edition.language or settings.LANGUAGE_CODE),
        html=True,
    )
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PREVIEW_CSP.format(site=_site_origin())
    response["Referrer-Policy"] = "no-referrer"
    return response


def _site_origin() -> str:
    """``SITE_URL``'s origin: the featured image's address (``https:`` covers it in production)."""
    from .links import site_url

    url = site_url()
    scheme, _sep, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}" if rest else "'self'"
