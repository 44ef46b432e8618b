"""Console pages of the editable e-mail templates (``MessageTemplate``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.core.forms import add_service_errors
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required

from ..forms import MessageTemplateForm
from ..messages import PLACEHOLDERS, message_template_reset, message_template_update, render_message
from ..models import MessageTemplate


def _require_template_view(request: HttpRequest) -> None:
    if not request.user.has_perm("licensing.view_messagetemplate"):
        raise PermissionDenied(_("Your role does not allow seeing e-mail templates."))


@method_decorator(staff_required, name="dispatch")
class ConsoleMessageTemplates(ListPage):
    """The e-mails licensing sends, each editable by staff with the privilege."""

    title = gettext_lazy("E-mail templates")
    nav = "nfr"
    intro = gettext_lazy(
        "The e-mails sent when NFR requests are decided and licenses are issued, renewed or revoked."
    )
    default_sort = "name"
    empty_title = gettext_lazy("No templates.")
    empty_text = gettext_lazy("The shipped templates are created when the database is migrated.")
    noun_plural = gettext_lazy("templates")
    columns = [
        Column(
            "name",
            gettext_lazy("Template"),
            link=lambda t: reverse("console:nfr_message_template", args=[t.key]),
            sort="name",
        ),
        Column("subject", gettext_lazy("Subject")),
        Column("updated_at", gettext_lazy("Updated"), sort="updated_at"),
        Column(
            "updated_by",
            gettext_lazy("Updated by"),
            value=lambda t: (t.updated_by.get_full_name() or t.updated_by.email) if t.updated_by else "",
        ),
    ]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_template_view(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        return MessageTemplate.objects.select_related("updated_by")

    def get_breadcrumbs(self) -> list[dict[str, Any]]:
        return [
            {"label": _("NFR requests"), "url": reverse("console:nfr_requests")},
            {"label": _("E-mail templates")},
        ]


console_message_templates = ConsoleMessageTemplates.as_view()


@staff_required
def console_message_template(request: HttpRequest, key: str) -> HttpResponse:
    _require_template_view(request)
    tpl = get_object_or_404(MessageTemplate, key=key)
    can_edit = request.user.has_perm("licensing.change_messagetemplate")
    status = 200
    form = MessageTemplateForm(request.POST or None, initial={"subject": tpl.subject, "body": tpl.body})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Your role does not allow editing e-mail templates."))
        status = 400
        if "reset" in request.POST:
            message_template_reset(template=tpl, by=request.user)
            messages.success(request, _("The template is back to the shipped text."))
            return redirect("console:nfr_message_template", tpl.key)
        if form.is_valid():
            try:
                message_template_update(
                    template=tpl,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    by=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Template saved: the next e-mails use it."))
                return redirect("console:nfr_message_template", tpl.key)
    preview = render_message(tpl.subject, tpl.body, PLACEHOLDERS)
    return render(
        request,
        "licensing/console_template.html",
        {
            "tpl": tpl,
            "form": form if can_edit else None,
            "preview": preview,
            "history": tpl.history.select_related("history_user").order_by("-history_date")[:20],
            "nav": "nfr",
            "breadcrumbs": [
                {"label": _("NFR requests"), "url": reverse("console:nfr_requests")},
                {"label": _("E-mail templates"), "url": reverse("console:nfr_message_templates")},
                {"label": tpl.name},
            ],
        },
        status=status,
    )
