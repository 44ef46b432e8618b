"""Pages of announcements and special notices, the webcast calendar and portal notices (console),
the portal's webcasts page with its calendar files, and dismissing a portal notice (portal)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action
from channelops.core.forms import add_service_errors
from channelops.core.listing import Column, ListPage
from channelops.core.markup import markdown_html
from channelops.core.pages import staff_required
from channelops.partners.pages import PartnerRequest, partner_required

from . import announcements, notices, webcasts
from .forms_other import AnnouncementForm, EmptyForm, NoticeForm, WebcastForm, audience_summary
from .models import Mailing, MailingKind, PortalNotice, Webcast
from .querysets import MANAGE_MAILING, MANAGE_NOTICE, MANAGE_WEBCAST, OVERRIDE_NOTICE, VIEW_MAILING

VIEW_WEBCAST = "communications.view_webcast"
VIEW_NOTICE = "communications.view_portalnotice"


def _need(request: HttpRequest, *perms: str) -> None:
    if not any(request.user.has_perm(p) for p in perms):
        raise PermissionDenied(_("Your role does not allow this page."))


def may_view_webcasts(user: Any) -> bool:
    return user.has_perm(VIEW_WEBCAST) or user.has_perm(VIEW_MAILING) or user.has_perm(MANAGE_WEBCAST)


def may_view_notices(user: Any) -> bool:
    return user.has_perm(VIEW_NOTICE) or user.has_perm(MANAGE_NOTICE)


# --- announcements and special notices (console) -----------------------------------------------------------


def _ann_link(m: Mailing) -> str:
    return reverse("console:comms_announcement", args=[m.pk])


@method_decorator(staff_required, name="dispatch")
class ConsoleAnnouncements(ListPage):
    title = gettext_lazy("Announcements and special notices")
    nav = "comms_announcements"
    intro = gettext_lazy(
        "Pricing, product and program announcements (with 30 days' notice) and one-off special notices, "
        "each with its work item in the Partner Communication project."
    )
    default_sort = "-send_on"
    empty_title = gettext_lazy("No announcements yet.")
    empty_text = gettext_lazy("Request an announcement of a change, or a special notice such as a survey.")
    noun_plural = gettext_lazy("mailings")
    export_name = "announcements"
    columns = [
        Column("title", gettext_lazy("Title"), link=_ann_link, sort="title"),
        Column("kind", gettext_lazy("Kind"), value=lambda m: m.get_kind_display(), sort="kind"),
        Column("change_kind", gettext_lazy("Change"), value=lambda m: m.get_change_kind_display() or ""),
        Column("effective_on", gettext_lazy("Takes effect"), sort="effective_on"),
        Column("send_on", gettext_lazy("Send date"), sort="send_on"),
        Column("status", gettext_lazy("Status"), status="mailing", sort="status"),
        Column(
            "override",
            gettext_lazy("Less notice allowed"),
            value=lambda m: _("yes") if m.notice_override_at else "",
        ),
    ]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _need(request, VIEW_MAILING)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        return Mailing.objects.visible_to(self.request.user).filter(kind__in=announcements.KINDS)

    def get_actions(self) -> list[dict[str, Any]]:
        if not self.request.user.has_perm(MANAGE_MAILING):
            return []
        new = reverse("console:comms_announcement_new")
        return [
            {"label": _("Request an announcement"), "url": new, "primary": True, "icon": "plus"},
            {"label": _("New special notice"), "url": new + "?kind=special", "icon": "plus"},
        ]

    def get_empty_action(self) -> tuple[str, Any] | None:
        if self.request.user.has_perm(MANAGE_MAILING):
            return reverse("console:comms_announcement_new"), _("Request an announcement")
        return None


console_announcements = ConsoleAnnouncements.as_view()


def _kind_from(request: HttpRequest, mailing: Mailing | None = None) -> str:
    if mailing is not None:
        return mailing.kind
    return MailingKind.SPECIAL if request.GET.get("kind") == "special" else MailingKind.ANNOUNCEMENT


def _form_page(
    request: StaffRequest, *, form: AnnouncementForm, mailing: Mailing | None, status: int = 200
) -> HttpResponse:
    kind = form.kind
    crumbs = [
        {"label": _("Announcements and special notices"), "url": reverse("console:comms_announcements")}
    ]
    if mailing is not None:
        crumbs.append({"label": mailing.title, "url": _ann_link(mailing)})
        title = _("Edit %(title)s") % {"title": mailing.title}
    else:
        title = _("Request an announcement") if kind == MailingKind.ANNOUNCEMENT else _("New special notice")
    crumbs.append({"label": title})
    return render(
        request,
        "communications/other/announcement_form.html",
        {
            "form": form,
            "mailing": mailing,
            "kind": kind,
            "page_title": title,
            "notice_days": announcements.notice_days(),
            "nav": "comms_announcements",
            "breadcrumbs": crumbs,
        },
        status=status,
    )


@staff_required
def console_announcement_new(request: StaffRequest) -> HttpResponse:
    _need(request, MANAGE_MAILING)
    kind = _kind_from(request)
    may_override = request.user.has_perm(OVERRIDE_NOTICE)
    if request.method == "POST":
        form = AnnouncementForm(request.POST, kind=kind, may_override=may_override)
        if form.is_valid():
            try:
                mailing = announcements.announcement_request(
                    kind=kind,
                    data=form.data_for_service(),
                    by=request.user,
                    override_reason=form.cleaned_data.get("notice_override_reason", ""),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                from django.contrib import messages

                messages.success(
                    request,
                    _("Requested: the mailing is a draft and its work item is in Partner Communication."),
                )
                return HttpResponseRedirect(_ann_link(mailing))
        return _form_page(request, form=form, mailing=None, status=400)
    form = AnnouncementForm(kind=kind, may_override=may_override, initial={"signups": True})
    return _form_page(request, form=form, mailing=None)


def _console_mailing(request: StaffRequest, pk: int) -> Mailing:
    _need(request, VIEW_MAILING)
    return get_object_or_404(
        Mailing.objects.visible_to(request.user)
        .filter(kind__in=announcements.KINDS)
        .select_related("work_item", "notice_override_by", "created_by"),
        pk=pk,
    )


@staff_required
def console_announcement_edit(request: StaffRequest, pk: int) -> HttpResponse:
    mailing = _console_mailing(request, pk)
    _need(request, MANAGE_MAILING)
    if not announcements.may_edit(mailing):
        from django.contrib import messages

        messages.error(request, _("Only a draft can be edited: take it off the schedule first."))
        return HttpResponseRedirect(_ann_link(mailing))
    may_override = request.user.has_perm(OVERRIDE_NOTICE)
    if request.method == "POST":
        form = AnnouncementForm(request.POST, kind=mailing.kind, may_override=may_override)
        if form.is_valid():
            try:
                announcements.announcement_update(
                    mailing=mailing,
                    data=form.data_for_service(),
                    by=request.user,
                    override_reason=form.cleaned_data.get("notice_override_reason", ""),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                from django.contrib import messages

                messages.success(request, _("Saved."))
                return HttpResponseRedirect(_ann_link(mailing))
        return _form_page(request, form=form, mailing=mailing, status=400)
    initial = AnnouncementForm.initial_for(mailing.audience) | {
        f: getattr(mailing, f)
        for f in ("title", "subject", "preheader", "body", "send_on", "change_kind", "effective_on")
    }
    form = AnnouncementForm(initial=initial, kind=mailing.kind, may_override=may_override)
    return _form_page(request, form=form, mailing=mailing)


@staff_required
@require_safe
def console_announcement(request: StaffRequest, pk: int) -> HttpResponse:
    mailing = _console_mailing(request, pk)
    latest = announcements.latest_send_on(mailing.effective_on) if mailing.effective_on else None
    return render(
        request,
        "communications/other/announcement.html",
        {
            "mailing": mailing,
            "audience_lines": audience_summary(mailing.audience),
            "latest_send_on": latest,
            "notice_short": announcements.notice_short(mailing),
            "notice_days": announcements.notice_days(),
            # sanitised by nh3 in markdown_html: safe to show
            "body_html": mark_safe(markdown_html(mailing.body, heading_offset=2)) if mailing.body else "",  # noqa: S308
            "may_manage": request.user.has_perm(MANAGE_MAILING),
            "may_edit": announcements.may_edit(mailing),
            "send_zone": settings.COMMS_TIME_ZONE,
            "send_at_local": timezone.localtime(mailing.send_at, ZoneInfo(settings.COMMS_TIME_ZONE))
            if mailing.send_at
            else None,
            "nav": "comms_announcements",
            "breadcrumbs": [
                {
                    "label": _("Announcements and special notices"),
                    "url": reverse("console:comms_announcements"),
                },
                {"label": mailing.title},
            ],
        },
    )


def _manage_mailing(request: StaffRequest, pk: int) -> Mailing:
    mailing = _console_mailing(request, pk)
    return mailing


def _mailing_action(perform: Any, success: Any) -> Any:
    action = Action[StaffRequest](
        load=_manage_mailing,
        allowed=lambda request, m: request.user.has_perm(MANAGE_MAILING),
        not_allowed=gettext_lazy("Your role may not change announcements."),
        perform=perform,
        success=success,
        redirect_to=lambda request, m, result: _ann_link(m),
    )
    return staff_required(action.view)


console_announcement_schedule = _mailing_action(
    lambda request, m, d: announcements.announcement_schedule(mailing=m, by=request.user),
    gettext_lazy("Scheduled: the send starts on the send date at the send time."),
)
console_announcement_unschedule = _mailing_action(
    lambda request, m, d: announcements.announcement_unschedule(mailing=m, by=request.user),
    gettext_lazy("Taken off the schedule: it is a draft again."),
)
console_announcement_cancel = _mailing_action(
    lambda request, m, d: announcements.announcement_cancel(mailing=m, by=request.user),
    gettext_lazy("Cancelled: it will not be sent."),
)


# --- webcasts (console) ----------------------------------------------------------------------------------------


def _webcast_rows(qs: QuerySet) -> list[Webcast]:
    rows = list(qs.select_related("region"))
    for w in rows:
        zone = ZoneInfo(w.time_zone)
        w.local_start = timezone.localtime(w.starts_at, zone)
    return rows


@staff_required
@require_safe
def console_webcasts(request: StaffRequest) -> HttpResponse:
    if not may_view_webcasts(request.user):
        raise PermissionDenied(_("Your role does not allow this page."))
    now = timezone.now()
    all_ = Webcast.objects.visible_to(request.user)
    upcoming = _webcast_rows(all_.filter(starts_at__gte=now).order_by("starts_at", "pk"))
    past = _webcast_rows(all_.filter(starts_at__lt=now).order_by("-starts_at", "-pk")[:24])
    return render(
        request,
        "communications/other/webcasts_console.html",
        {
            "upcoming": upcoming,
            "past": past,
            "missing_quarters": webcasts.quarters_without_program(),
            "may_manage": request.user.has_perm(MANAGE_WEBCAST),
            "nav": "comms_webcasts",
        },
    )


def _webcast_page(
    request: StaffRequest, *, form: WebcastForm, webcast: Webcast | None, status: int = 200
) -> HttpResponse:
    crumbs = [{"label": _("Webcasts"), "url": reverse("console:comms_webcasts")}]
    title = webcast.title if webcast else _("New webcast session")
    crumbs.append({"label": title})
    return render(
        request,
        "communications/other/webcast_form.html",
        {
            "form": form,
            "webcast": webcast,
            "page_title": title,
            "may_manage": request.user.has_perm(MANAGE_WEBCAST),
            "invited": webcasts.invited_count(webcast) if webcast else 0,
            "audience_count": len(webcasts.invitees(webcast)) if webcast and not webcast.cancelled else 0,
            "local_start": timezone.localtime(webcast.starts_at, ZoneInfo(webcast.time_zone))
            if webcast
            else None,
            "is_past": bool(webcast and webcast.starts_at <= timezone.now()),
            "nav": "comms_webcasts",
            "breadcrumbs": crumbs,
        },
        status=status,
    )


def _save_webcast(request: StaffRequest, webcast: Webcast | None) -> HttpResponse:
    form = WebcastForm(request.POST)
    if form.is_valid():
        try:
            w = webcasts.webcast_save(webcast=webcast, data=form.data_for_service(), by=request.user)
        except ValidationError as exc:
            if "starts_at" in getattr(exc, "error_dict", {}):
                exc = ValidationError({"start": exc.error_dict.pop("starts_at")} | exc.error_dict)
            add_service_errors(form, exc)
        else:
            from django.contrib import messages

            messages.success(request, _("The session is saved."))
            return HttpResponseRedirect(reverse("console:comms_webcast", args=[w.pk]))
    return _webcast_page(request, form=form, webcast=webcast, status=400)


@staff_required
def console_webcast_new(request: StaffRequest) -> HttpResponse:
    _need(request, MANAGE_WEBCAST)
    if request.method == "POST":
        return _save_webcast(request, None)
    form = WebcastForm(initial={"time_zone": settings.COMMS_TIME_ZONE, "duration_minutes": 60})
    return _webcast_page(request, form=form, webcast=None)


def _console_webcast(request: StaffRequest, pk: int) -> Webcast:
    if not may_view_webcasts(request.user):
        raise PermissionDenied(_("Your role does not allow this page."))
    return get_object_or_404(Webcast.objects.visible_to(request.user).select_related("region"), pk=pk)


@staff_required
def console_webcast(request: StaffRequest, pk: int) -> HttpResponse:
    webcast = _console_webcast(request, pk)
    if request.method == "POST":
        _need(request, MANAGE_WEBCAST)
        return _save_webcast(request, webcast)
    return _webcast_page(request, form=WebcastForm(initial=WebcastForm.initial_for(webcast)), webcast=webcast)


def _webcast_action(perform: Any, success: Any) -> Any:
    action = Action[StaffRequest](
        load=_console_webcast,
        allowed=lambda request, w: request.user.has_perm(MANAGE_WEBCAST),
        not_allowed=gettext_lazy("Your role may not change the webcast calendar."),
        form_class=EmptyForm,
        perform=perform,
        success=success,
        redirect_to=lambda request, w, result: reverse("console:comms_webcast", args=[w.pk]),
    )
    return staff_required(action.view)


console_webcast_invite = _webcast_action(
    lambda request, w, d: webcasts.webcast_invite(webcast=w, by=request.user),
    lambda w, n: _("Invitations queued: %(n)s.") % {"n": n},
)
console_webcast_cancel = _webcast_action(
    lambda request, w, d: webcasts.webcast_cancel(webcast=w, by=request.user),
    lambda w, n: _("The session is cancelled; %(n)s cancellations were queued.") % {"n": n},
)


# --- webcasts (portal) -----------------------------------------------------------------------------------------


def _viewer_zone(request: PartnerRequest) -> str:
    wanted = request.GET.get("tz", "")
    if wanted in webcasts.time_zones():
        return wanted
    return webcasts.zone_for_country(request.partner.country)


@partner_required
@require_safe
def portal_webcasts(request: PartnerRequest) -> HttpResponse:
    """Upcoming sessions for the partner's region (and every region), in the person's time and the
    session's; past sessions with their recordings."""
    zone_name = _viewer_zone(request)
    zone = ZoneInfo(zone_name)
    now = timezone.now()
    visible = Webcast.objects.visible_to(request.user)
    upcoming = _webcast_rows(visible.filter(starts_at__gte=now).order_by("starts_at", "pk"))
    past = _webcast_rows(
        visible.filter(starts_at__lt=now).exclude(recording_url="").order_by("-starts_at")[:12]
    )
    for w in upcoming:
        w.viewer_start = timezone.localtime(w.starts_at, zone)  # type: ignore[attr-defined]
    return render(
        request,
        "communications/other/webcasts_portal.html",
        {
            "upcoming": upcoming,
            "past": past,
            "zone": zone_name,
            "zones": webcasts.time_zones(),
            "nav": "comms_webcasts",
        },
    )


@partner_required
@require_safe
def portal_webcast_ics(request: PartnerRequest, pk: int) -> HttpResponse:
    webcast = get_object_or_404(Webcast.objects.visible_to(request.user).select_related("region"), pk=pk)
    response = HttpResponse(
        webcasts.ics(webcast, method="PUBLISH"), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="webcast-{webcast.pk}.ics"'
    return response


# --- portal notices (console) ---------------------------------------------------------------------------------


@method_decorator(staff_required, name="dispatch")
class ConsoleNotices(ListPage):
    title = gettext_lazy("Portal notices")
    nav = "comms_notices"
    intro = gettext_lazy(
        "Notices on the portal home for all partner people or some, between two dates, until each dismisses it."
    )
    default_sort = "-starts_on"
    empty_title = gettext_lazy("No portal notices yet.")
    noun_plural = gettext_lazy("notices")
    columns = [
        Column(
            "title",
            gettext_lazy("Title"),
            link=lambda n: reverse("console:comms_notice", args=[n.pk]),
            sort="title",
        ),
        Column("starts_on", gettext_lazy("Shown from"), sort="starts_on"),
        Column("ends_on", gettext_lazy("Shown until"), sort="ends_on"),
        Column("urgent", gettext_lazy("Urgent"), value=lambda n: _("yes") if n.urgent else ""),
        Column("dismissed", gettext_lazy("Dismissed by"), value=lambda n: n.dismissed, numeric=True),
    ]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_view_notices(request.user):
            raise PermissionDenied(_("Your role does not allow this page."))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        from django.db.models import Count

        return PortalNotice.objects.visible_to(self.request.user).annotate(dismissed=Count("dismissals"))

    def get_actions(self) -> list[dict[str, Any]]:
        if not self.request.user.has_perm(MANAGE_NOTICE):
            return []
        return [
            {
                "label": _("New portal notice"),
                "url": reverse("console:comms_notice_new"),
                "primary": True,
                "icon": "plus",
            }
        ]


console_notices = ConsoleNotices.as_view()


def _notice_page(
    request: StaffRequest, *, form: NoticeForm, notice: PortalNotice | None, status: int = 200
) -> HttpResponse:
    title = notice.title if notice else _("New portal notice")
    return render(
        request,
        "communications/other/notice_form.html",
        {
            "form": form,
            "notice": notice,
            "page_title": title,
            "may_manage": request.user.has_perm(MANAGE_NOTICE),
            "nav": "comms_notices",
            "breadcrumbs": [
                {"label": _("Portal notices"), "url": reverse("console:comms_notices")},
                {"label": title},
            ],
        },
        status=status,
    )


def _save_notice(request: StaffRequest, notice: PortalNotice | None) -> HttpResponse:
    _need(request, MANAGE_NOTICE)
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            n = notices.notice_save(notice=notice, data=form.data_for_service(), by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            from django.contrib import messages

            messages.success(request, _("The notice is saved."))
            return HttpResponseRedirect(reverse("console:comms_notice", args=[n.pk]))
    return _notice_page(request, form=form, notice=notice, status=400)


@staff_required
def console_notice_new(request: StaffRequest) -> HttpResponse:
    _need(request, MANAGE_NOTICE)
    if request.method == "POST":
        return _save_notice(request, None)
    today = timezone.localdate()
    return _notice_page(
        request,
        form=NoticeForm(initial={"starts_on": today, "ends_on": today + dt.timedelta(days=14)}),
        notice=None,
    )


def _console_notice(request: StaffRequest, pk: int) -> PortalNotice:
    if not may_view_notices(request.user):
        raise PermissionDenied(_("Your role does not allow this page."))
    return get_object_or_404(PortalNotice.objects.visible_to(request.user), pk=pk)


@staff_required
def console_notice(request: StaffRequest, pk: int) -> HttpResponse:
    notice = _console_notice(request, pk)
    if request.method == "POST":
        return _save_notice(request, notice)
    initial = NoticeForm.initial_for(notice.audience) | {
        f: getattr(notice, f)
        for f in ("title", "body", "link_url", "link_label", "urgent", "starts_on", "ends_on")
    }
    return _notice_page(request, form=NoticeForm(initial=initial), notice=notice)


_delete_notice = Action[StaffRequest](
    load=_console_notice,
    allowed=lambda request, n: request.user.has_perm(MANAGE_NOTICE),
    not_allowed=gettext_lazy("Your role may not publish portal notices."),
    perform=lambda request, n, d: notices.notice_delete(notice=n, by=request.user),
    success=gettext_lazy("The notice is deleted."),
    redirect_to=lambda request, n, result: reverse("console:comms_notices"),
)
console_notice_delete = staff_required(_delete_notice.view)


# --- portal notices (portal) ----------------------------------------------------------------------------------


@partner_required
def portal_notice_dismiss(request: PartnerRequest, pk: int) -> HttpResponse:
    """POST: hide the notice for this person; back to the page it was dismissed on (the portal home)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    notice = PortalNotice.objects.filter(pk=pk).first()
    if notice is None or not notices.addressed_to(notice, request.user):
        raise Http404
    notices.notice_dismiss(notice=notice, user=request.user)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith(
        "/portal/"
    ):
        back = reverse("portal:dashboard")
    if getattr(request, "htmx", False):
        return HttpResponse("")
    return HttpResponseRedirect(back)
