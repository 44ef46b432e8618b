"""Console pages of the editable e-mail templates (``MessageTemplate``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action, page_or_action
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


EDIT_PERM = "licensing.change_messagetemplate"


def _template(request: StaffRequest, key: str) -> MessageTemplate:
    _require_template_view(request)
    return get_object_or_404(MessageTemplate, key=key)


def _template_page(
    request: StaffRequest, tpl: MessageTemplate, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    can_edit = request.user.has_perm(EDIT_PERM)
    if can_edit and form is None:
        german = (tpl.translations or {}).get("de", {})
        form = MessageTemplateForm(
            initial={
                "subject": tpl.subject,
                "body": tpl.body,
                "subject_de": german.get("subject", ""),
                "body_de": german.get("body", ""),
            }
        )
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


def _may_edit(request: StaffRequest, tpl: MessageTemplate) -> bool:
    return request.user.has_perm(EDIT_PERM)


def _back(request: StaffRequest, tpl: MessageTemplate, result: Any) -> str:
    return reverse("console:nfr_message_template", args=[tpl.key])


NOT_EDITOR = gettext_lazy("Your role does not allow editing e-mail templates.")

save_action = Action[StaffRequest](
    load=_template,
    allowed=_may_edit,
    not_allowed=NOT_EDITOR,
    form_class=MessageTemplateForm,
    perform=lambda request, tpl, data: message_template_update(
        template=tpl,
        subject=data["subject"],
        body=data["body"],
        by=request.user,
        translations={"de": {"subject": data.get("subject_de", ""), "body": data.get("body_de", "")}},
    ),
    success=gettext_lazy("Template saved: the next e-mails use it."),
    redirect_to=_back,
    on_invalid=lambda request, tpl, form: _template_page(request, tpl, form=form, status=400),
)

# "Back to the shipped text" (the form's second button, ``name="reset"``): the fields are ignored.
reset_action = Action[StaffRequest](
    load=_template,
    allowed=_may_edit,
    not_allowed=NOT_EDITOR,
    perform=lambda request, tpl, data: message_template_reset(template=tpl, by=request.user),
    success=gettext_lazy("The template is back to the shipped text."),
    redirect_to=_back,
)

console_message_template = staff_required(
    page_or_action(
        lambda request, key: _template_page(request, _template(request, key)),
        lambda request: reset_action if "reset" in request.POST else save_action,
    )
)
