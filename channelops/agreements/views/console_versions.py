"""Console pages: agreement templates (list and page: create a draft) and versions (edit, publish)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action, page_or_action
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required

from ..forms import PublishForm, TranslationForm, VersionForm
from ..models import AgreementTemplate, AgreementVersion, VersionStatus
from ..querysets import reaccept_report
from ..services import (
    MANAGE_PERM,
    TRANSLATE_PERM,
    translation_languages,
    version_create,
    version_publish,
    version_translation_save,
    version_update_draft,
)
from ._common import NOT_YOUR_ROLE, has_perm


class ConsoleTemplates(ListPage):
    """Every agreement template with its current version and how many partners still have to act."""

    title = gettext_lazy("Agreements")
    nav = "agreements"
    default_sort = "position"
    noun_plural = gettext_lazy("agreements")
    empty_title = gettext_lazy("No agreement templates yet.")
    empty_text = gettext_lazy("An administrator sets up agreement templates in the data console.")

    def get_queryset(self) -> Any:
        return AgreementTemplate.objects.prefetch_related("programs", "regions")

    @cached_property
    def summary(self) -> tuple[dict[int, AgreementVersion], dict[int, int], dict[int, Counter[str]]]:
        """Latest general version, number of drafts and partners per report state, per template."""
        latest: dict[int, AgreementVersion] = {}
        for v in (
            AgreementVersion.objects.published().filter(partner__isnull=True).defer("body").order_by("number")
        ):
            latest[v.template_id] = v
        drafts = dict(
            AgreementVersion.objects.filter(status=VersionStatus.DRAFT)
            .values("template_id")
            .annotate(n=Count("pk"))
            .values_list("template_id", "n")
        )
        counts: dict[int, Counter[str]] = {}
        for r in reaccept_report():
            counts.setdefault(r.template.pk, Counter())[r.state] += 1
        return latest, drafts, counts

    def get_actions(self) -> list[dict[str, Any]]:
        return [
            {
                "label": _("Who has not (re-)accepted"),
                "url": reverse("console:agreement_report"),
                "primary": True,
            },
            {
                "label": _("Region exceptions"),
                "url": reverse("console:region_exceptions") + "?status=pending",
            },
            {"label": _("Legal requests"), "url": reverse("console:legal_requests") + "?status=open"},
        ]

    def get_columns(self) -> list[Column]:
        def agreement(t: AgreementTemplate) -> SafeString:
            inactive = format_html(' <span class="badge bg-secondary-lt">{}</span>', _("inactive"))
            return format_html(
                '<a href="{}">{}</a>{}<div class="text-secondary small">{}</div>',
                reverse("console:agreement_template", args=[t.pk]),
                t.name,
                "" if t.active else inactive,
                t.get_kind_display(),
            )

        def applies_to(t: AgreementTemplate) -> str:
            who = (
                _("Every partner")
                if t.required_for_all
                else ", ".join(p.name for p in t.programs.all()) or _("Nobody")
            )
            regions = ", ".join(g.code for g in t.regions.all())
            return f"{who} · {regions}" if regions else who

        def current(t: AgreementTemplate) -> SafeString:
            v = self.summary[0].get(t.pk)
            if v is None:
                return format_html("—")
            deadline = (
                format_html(
                    '<div class="text-secondary small">{}</div>',
                    _("re-accept by %(d)s") % {"d": date_format(v.reaccept_by, "DATE_FORMAT")},
                )
                if v.reaccept_by
                else ""
            )
            return format_html(
                '<a href="{}">{}</a> <span class="text-secondary">({})</span>{}',
                reverse("console:agreement_version", args=[v.pk]),
                v.label,
                date_format(timezone.localtime(v.published_at), "DATE_FORMAT") if v.published_at else "—",
                deadline,
            )

        def count(state: str) -> Any:
            def cell(t: AgreementTemplate) -> SafeString:
                n = self.summary[2].get(t.pk, Counter()).get(state, 0)
                url = f"{reverse('console:agreement_report')}?template={t.pk}&state={state}"
                return format_html('<a href="{}">{}</a>', url, n)

            return cell

        return [
            Column("name", _("Agreement"), html=agreement, sort="name"),
            Column("applies", _("Applies to"), value=applies_to),
            Column("current", _("Current version"), html=current),
            Column("drafts", _("Drafts"), value=lambda t: self.summary[1].get(t.pk, 0), numeric=True),
            Column("due", _("Re-acceptance due"), html=count("due"), numeric=True),
            Column("overdue", _("Overdue"), html=count("overdue"), numeric=True),
            Column("required", _("Never accepted"), html=count("required"), numeric=True),
            Column("negotiating", _("Negotiating"), html=count("negotiating"), numeric=True),
        ]


console_templates = staff_required(ConsoleTemplates.as_view())


def _with_diff_base(versions: list[AgreementVersion]) -> list[AgreementVersion]:
    """Set ``diff_base`` on each version: the version to compare it with (ascending list)."""
    previous_general = None
    for v in versions:
        if v.partner_id is not None and v.legal_request_id:
            v.diff_base = v.legal_request.version_id  # type: ignore[attr-defined,union-attr]
        else:
            v.diff_base = previous_general.pk if previous_general else None  # type: ignore[attr-defined]
        if v.partner_id is None:
            previous_general = v
    return versions


def _agreements_crumb() -> dict[str, Any]:
    return {"label": _("Agreements"), "url": reverse("console:agreements")}


def _template_crumb(template: AgreementTemplate) -> dict[str, Any]:
    return {"label": template.name, "url": reverse("console:agreement_template", args=[template.pk])}


def _console_template(request: HttpRequest, pk: int) -> AgreementTemplate:
    return get_object_or_404(AgreementTemplate.objects.prefetch_related("programs", "regions"), pk=pk)


def _template_page(
    request: HttpRequest, template: AgreementTemplate, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    can_manage = request.user.has_perm(MANAGE_PERM)
    if can_manage and form is None:
        latest_body = (
            template.versions.filter(partner__isnull=True)
            .order_by("-number")
            .values_list("body", flat=True)
            .first()
        )
        form = VersionForm(initial={"body": latest_body or ""})
    versions = _with_diff_base(
        list(
            template.versions.select_related("partner", "legal_request", "created_by", "published_by")
            .defer("body")
            .order_by("number")
        )
    )
    versions.reverse()
    return render(
        request,
        "agreements/console_template.html",
        {
            "template": template,
            "versions": versions,
            "form": form if can_manage else None,
            "nav": "agreements",
            "breadcrumbs": [_agreements_crumb(), {"label": template.name}],
        },
        status=status,
    )


create_version = Action[StaffRequest](
    load=_console_template,
    allowed=has_perm(MANAGE_PERM),
    not_allowed=NOT_YOUR_ROLE,
    form_class=VersionForm,
    perform=lambda request, template, data: version_create(
        template=template,
        body=data["body"],
        change_summary=data["change_summary"],
        by=request.user,
    ),
    success=lambda template, version: _("Draft %(v)s created.") % {"v": version.label},
    redirect_to=lambda request, template, version: reverse("console:agreement_version", args=[version.pk]),
    on_invalid=lambda request, template, form: _template_page(request, template, form=form, status=400),
)
console_template = staff_required(
    page_or_action(
        lambda request, pk: _template_page(request, _console_template(request, pk)), create_version
    )
)


def _translations(
    request: HttpRequest, version: AgreementVersion, form: forms.Form | None
) -> list[dict[str, Any]]:
    """Per language a version may be translated into: its convenience translation (or None) and,
    for staff who may translate, the form (``form``: the one refused, with its errors)."""
    can_translate = request.user.has_perm(TRANSLATE_PERM)
    have = {t.language: t for t in version.translations.select_related("updated_by")}
    out = []
    for code, name in translation_languages():
        t = have.get(code)
        lang_form = None
        if can_translate:
            if form is not None and form.data.get("language") == code:
                lang_form = form
            else:
                lang_form = TranslationForm(initial={"language": code, "body": t.body if t else ""})
        out.append({"code": code, "name": name, "translation": t, "form": lang_form})
    return out


def _version_page(
    request: HttpRequest,
    version: AgreementVersion,
    *,
    edit_form: forms.Form | None = None,
    publish_form: forms.Form | None = None,
    translation_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    can_manage = request.user.has_perm(MANAGE_PERM)
    is_draft = version.status == VersionStatus.DRAFT
    if can_manage and is_draft:
        edit_form = edit_form or VersionForm(
            initial={"body": version.body, "change_summary": version.change_summary}
        )
        publish_form = publish_form or PublishForm()
    else:
        edit_form = publish_form = None
    has_earlier = AgreementVersion.objects.filter(
        template_id=version.template_id, partner__isnull=True, status=VersionStatus.PUBLISHED
    ).exists()
    ascending = _with_diff_base(
        list(version.template.versions.select_related("legal_request").defer("body").order_by("number"))
    )
    diff_base = next((v.diff_base for v in ascending if v.pk == version.pk), None)  # type: ignore[attr-defined]
    return render(
        request,
        "agreements/console_version.html",
        {
            "version": version,
            "template": version.template,
            "edit_form": edit_form,
            "publish_form": publish_form,
            "needs_deadline": has_earlier and version.partner_id is None,
            "diff_base": diff_base,
            "acceptances": version.acceptances.count(),
            "translations": _translations(request, version, translation_form),
            "nav": "agreements",
            "breadcrumbs": [_agreements_crumb(), _template_crumb(version.template), {"label": version.label}],
        },
        status=status,
    )


def _console_version(request: HttpRequest, pk: int) -> AgreementVersion:
    return get_object_or_404(
        AgreementVersion.objects.select_related(
            "template", "partner", "legal_request", "created_by", "published_by"
        ),
        pk=pk,
    )


def _draft_refused(form_name: str) -> Any:
    """A refused edit or publication: a version published meanwhile says so on top; otherwise the
    form shows its errors."""

    def on_invalid(request: HttpRequest, version: AgreementVersion, form: forms.Form) -> HttpResponse:
        if version.status != VersionStatus.DRAFT:
            for error in form.non_field_errors():
                messages.error(request, str(error))
            return _version_page(request, version, status=400)
        return _version_page(request, version, status=400, **{form_name: form})

    return on_invalid


update_draft = Action[StaffRequest](
    load=_console_version,
    allowed=has_perm(MANAGE_PERM),
    not_allowed=NOT_YOUR_ROLE,
    form_class=VersionForm,
    perform=lambda request, version, data: version_update_draft(
        version=version,
        body=data["body"],
        change_summary=data["change_summary"],
        by=request.user,
    ),
    success=gettext_lazy("Draft saved."),
    redirect_to=lambda request, version, result: reverse("console:agreement_version", args=[version.pk]),
    on_invalid=_draft_refused("edit_form"),
)
console_version = staff_required(
    page_or_action(lambda request, pk: _version_page(request, _console_version(request, pk)), update_draft)
)

publish = Action[StaffRequest](
    load=_console_version,
    allowed=has_perm(MANAGE_PERM),
    not_allowed=NOT_YOUR_ROLE,
    form_class=PublishForm,
    perform=lambda request, version, data: version_publish(
        version=version,
        by=request.user,
        reaccept_by=data["reaccept_by"],
    ),
    success=lambda version, result: (
        _("%(v)s is published; affected partners are being asked to re-accept.") % {"v": version.label}
    ),
    redirect_to=lambda request, version, result: reverse("console:agreement_version", args=[version.pk]),
    on_invalid=_draft_refused("publish_form"),
)
console_version_publish = staff_required(publish.view)


def _translation_saved(version: AgreementVersion, result: Any) -> str:
    if result is None:
        return _("The translation of %(v)s is removed: its readers see the English text.") % {
            "v": version.label
        }
    return _(
        "The %(language)s translation of %(v)s is saved (for convenience; the English text stays binding)."
    ) % {
        "language": dict(translation_languages()).get(result.language, result.language),
        "v": version.label,
    }


translate = Action[StaffRequest](
    load=_console_version,
    allowed=has_perm(TRANSLATE_PERM),
    not_allowed=NOT_YOUR_ROLE,
    form_class=TranslationForm,
    perform=lambda request, version, data: version_translation_save(
        version=version, language=data["language"], body=data["body"], by=request.user
    ),
    success=_translation_saved,
    redirect_to=lambda request, version, result: (
        reverse("console:agreement_version", args=[version.pk]) + "#translations-h"
    ),
    on_invalid=lambda request, version, form: _version_page(
        request, version, translation_form=form, status=400
    ),
)
console_version_translation = staff_required(translate.view)
