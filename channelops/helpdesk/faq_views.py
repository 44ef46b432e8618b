"""FAQ pages: the portal's Help (index, search, article with feedback), the public help page for
visitors who are not signed in (public articles only), and the console's list and article pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action, page_or_action
from channelops.core.exceptions import NotAllowed
from channelops.core.listing import Column, ListPage
from channelops.core.markup import markdown_html
from channelops.core.pages import staff_required
from channelops.partners.pages import partner_required

from .faq_forms import FaqArticleForm, FaqFilter, FaqTranslationForm, FeedbackForm
from .faq_models import FaqArticle, FaqCategory, review_days
from .faq_querysets import may_manage_faq
from .faq_search import faq_search_counted, faq_suggest, parse, reader_language, with_translation
from .faq_services import (
    faq_article_create,
    faq_article_mark_reviewed,
    faq_article_publish,
    faq_article_unpublish,
    faq_article_update,
    faq_deflection_record,
    faq_feedback_give,
    faq_translation_save,
    translation_languages,
)

NAV = "faq"
HELP_NAV = "help"
INDEX_LIMIT = 500  # articles listed on an index page (the FAQ is a few hundred at most)
PAGE_RESULTS = 20  # search results on a page: the best ones, with the number found in all
FROM_QUESTION = "question"  # ?from=question: an article suggested while a question is written


# --- the help pages (portal and public share their templates) -----------------------------------


def _help_context(
    request: HttpRequest, reader: Any, visible: Any, article_url: Callable[[FaqArticle], str]
) -> dict[str, Any]:
    """The index by category, or the search results of ``?q=`` for ``reader`` (None: public only)."""
    from_question = request.GET.get("from") == FROM_QUESTION and reader is not None
    language = reader_language()
    if from_question:  # suggestions while a question is written: its subject, loosened
        query = parse(request.GET.get("q") or request.GET.get("subject"))
        plain_url = article_url
        article_url = lambda a: plain_url(a) + "?from=" + FROM_QUESTION  # noqa: E731
        hits = faq_suggest(reader, query.text, language=language) if query.ok else []
        total = len(hits)
    else:
        query = parse(request.GET.get("q"))
        hits, total = faq_search_counted(reader, query, limit=PAGE_RESULTS, language=language)
    for hit in hits:
        hit.article.url = article_url(hit.article)  # type: ignore[attr-defined]
    categories = []
    if not query.text and not from_question:
        articles = list(
            with_translation(visible.only("pk", "slug", "title", "category"), language).order_by("title")[
                :INDEX_LIMIT
            ]
        )
        by_category: dict[str, list[FaqArticle]] = {}
        for a in articles:
            a.url = article_url(a)
            a.reader_title = a.title_for(language)
            by_category.setdefault(a.category, []).append(a)
        categories = [
            {"key": key, "label": label, "articles": by_category[key]}
            for key, label in FaqCategory.choices
            if key in by_category
        ]
    return {
        "query": query,
        "hits": hits,
        "total": total,
        "categories": categories,
        "from_question": from_question,
    }


def _render_index(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only the results while a question is typed (htmx; without JavaScript the
    search box is a plain GET form)."""
    partial = bool(getattr(request, "htmx", False))
    response = render(
        request, "helpdesk/_faq_results.html" if partial else "helpdesk/faq_index.html", context
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def _public_visible() -> Any:
    return FaqArticle.objects.public()


@partner_required
@require_safe
def portal_help(request: HttpRequest) -> HttpResponse:
    """``/portal/help/``: the FAQ by category, and search."""
    visible = FaqArticle.objects.visible_to(request.user)
    context = _help_context(
        request, request.user, visible, lambda a: reverse("portal:help_article", args=[a.slug])
    )
    context |= {"base_template": "portal/base.html", "nav": HELP_NAV, "search_url": reverse("portal:help")}
    return _render_index(request, context)


@require_safe
def public_help(request: HttpRequest) -> HttpResponse:
    """``/help/``: the public articles, for anyone (not signed in included)."""
    context = _help_context(
        request, None, _public_visible(), lambda a: reverse("help:article", args=[a.slug])
    )
    context |= {"base_template": "base.html", "search_url": reverse("help:index"), "public": True}
    return _render_index(request, context)


def _article_page(
    request: HttpRequest, article: FaqArticle, *, base_template: str, url_name: str, related: Any
) -> HttpResponse:
    language = reader_language()
    related_articles = list(
        with_translation(
            related.filter(pk__in=article.related.values("pk")).only("pk", "slug", "title"), language
        )
    )
    for r in related_articles:
        r.url = reverse(url_name, args=[r.slug])
        r.reader_title = r.title_for(language)
    title, body, translated = article.for_language(language)
    from_question = url_name.startswith("portal") and request.GET.get("from") == FROM_QUESTION
    crumbs_url = reverse("portal:help") if url_name.startswith("portal") else reverse("help:index")
    return render(
        request,
        "helpdesk/faq_article.html",
        {
            "article": article,
            "title": title,
            "body_html": markdown_html(body, heading_offset=1),
            "translated": translated,
            "english_only": language != settings.LANGUAGE_CODE and not translated,
            "related": related_articles,
            "base_template": base_template,
            "nav": HELP_NAV,
            "feedback_url": request.path,
            "from_question": from_question,
            "answered_url": reverse("portal:help_answered", args=[article.slug]) if from_question else "",
            "breadcrumbs": [
                {"label": _("Help"), "url": crumbs_url},
                {"label": article.get_category_display()},
            ],
            "index_url": crumbs_url,
        },
    )


def _portal_article(request: HttpRequest, slug: str) -> FaqArticle:
    return get_object_or_404(
        with_translation(FaqArticle.objects.visible_to(request.user).published(), reader_language()),
        slug=slug,
    )


def _public_article(request: HttpRequest, slug: str) -> FaqArticle:
    return get_object_or_404(with_translation(_public_visible(), reader_language()), slug=slug)


def _session_key(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return ""
    if request.session.session_key is None:
        request.session.save()
    return request.session.session_key or ""


def _give_feedback(request: HttpRequest, article: FaqArticle, data: dict[str, Any]) -> Any:
    """The answer to "did this answer your question?"; a "yes" from a partner person who came from
    the question form's suggestions also counts the question as deflected."""
    helpful = data["helpful"] == "yes"
    feedback = faq_feedback_give(
        article=article,
        helpful=helpful,
        user=request.user if request.user.is_authenticated else None,
        session_key=_session_key(request),
    )
    if helpful and data.get("came_from") == FROM_QUESTION and request.path.startswith("/portal/"):
        faq_deflection_record(article=article, user=request.user)
    return feedback


def _feedback_redirect(request: HttpRequest, article: FaqArticle, result: Any) -> str:
    if request.POST.get("came_from") == FROM_QUESTION and request.path.startswith("/portal/"):
        return request.path + "?from=" + FROM_QUESTION + "#feedback"
    return request.path + "#feedback"


def _feedback_action(load: Callable[..., FaqArticle]) -> Action[Any]:
    return Action[Any](
        load=load,
        form_class=FeedbackForm,
        perform=_give_feedback,
        success=lambda article, result: str(
            _("Thank you: glad it helped.")
            if result.helpful
            else _("Thank you: we will improve this answer.")
        ),
        redirect_to=_feedback_redirect,
    )


portal_feedback = _feedback_action(_portal_article)
public_feedback = _feedback_action(_public_article)

portal_article = partner_required(
    page_or_action(
        lambda request, slug: _article_page(
            request,
            _portal_article(request, slug),
            base_template="portal/base.html",
            url_name="portal:help_article",
            related=FaqArticle.objects.visible_to(request.user).published(),
        ),
        portal_feedback,
    )
)
answered = Action[Any](
    load=_portal_article,
    perform=lambda request, article, data: faq_deflection_record(article=article, user=request.user),
    success=gettext_lazy(
        "Good: your question is answered, so there is no need to send it. You may close the draft."
    ),
    redirect_to=lambda request, article, result: reverse("portal:help"),
)
portal_answered = partner_required(answered.view)

public_article = page_or_action(
    lambda request, slug: _article_page(
        request,
        _public_article(request, slug),
        base_template="base.html",
        url_name="help:article",
        related=_public_visible(),
    ),
    public_feedback,
)


# --- console -----------------------------------------------------------------------------------


def _stale_cell(a: FaqArticle) -> Any:
    text = format_html(
        '<time datetime="{}">{}</time>', a.last_reviewed.isoformat(), a.last_reviewed.strftime("%Y-%m-%d")
    )
    if a.is_stale():
        return format_html('{} <span class="badge bg-orange-lt">{}</span>', text, _("review due"))
    return text


@method_decorator(staff_required, name="dispatch")
class ConsoleFaq(ListPage):
    """Every article the person may see, with its state, owner, review date and feedback counts."""

    title = gettext_lazy("FAQ")
    nav = NAV
    intro = gettext_lazy(
        "The help desk's first stop: partners find these articles in the portal's Help and, when public, "
        "on the public help page. Articles not reviewed for a while are marked for review."
    )
    filterset_class = FaqFilter
    default_sort = "title"
    noun_plural = gettext_lazy("articles")
    empty_title = gettext_lazy("No FAQ article yet.")
    empty_text = gettext_lazy("Write the answers partners ask for most often.")
    export_name = "faq-articles"

    def get_queryset(self) -> Any:
        return FaqArticle.objects.visible_to(self.request.user).select_related("owner")

    def get_actions(self) -> list[dict[str, Any]]:
        if not may_manage_faq(self.request.user):
            return []
        return [
            {
                "label": _("Write an article"),
                "url": reverse("console:faq_new"),
                "icon": "plus",
                "primary": True,
            }
        ]

    def get_empty_action(self) -> tuple[str, Any] | None:
        return (
            (reverse("console:faq_new"), gettext_lazy("Write an article"))
            if may_manage_faq(self.request.user)
            else None
        )

    def get_columns(self) -> list[Column]:
        return [
            Column(
                "title",
                gettext_lazy("Question"),
                link=lambda a: reverse("console:faq_article", args=[a.pk]),
                sort="title",
            ),
            Column(
                "category",
                gettext_lazy("Category"),
                value=lambda a: a.get_category_display(),
                sort="category",
            ),
            Column("status", gettext_lazy("Status"), status="faq", sort="status"),
            Column("visibility", gettext_lazy("Visible to"), value=lambda a: a.get_visibility_display()),
            Column("owner", gettext_lazy("Owner"), value=lambda a: a.owner.full_name or a.owner.email),
            Column(
                "last_reviewed",
                gettext_lazy("Last reviewed"),
                html=_stale_cell,
                sort="last_reviewed",
                export_value=lambda a: a.last_reviewed,
            ),
            Column("helpful_count", gettext_lazy("Helpful"), numeric=True, sort="helpful_count"),
            Column("not_helpful_count", gettext_lazy("Not helpful"), numeric=True, sort="not_helpful_count"),
            Column(
                "deflected_count", gettext_lazy("Questions deflected"), numeric=True, sort="deflected_count"
            ),
        ]


console_list = ConsoleFaq.as_view()

NOT_ALLOWED = gettext_lazy("Only PHD specialists, channel leadership and administrators write FAQ articles.")


def _crumbs(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"label": _("FAQ"), "url": reverse("console:faq")}, *extra]


def _console_article(request: HttpRequest, pk: int) -> FaqArticle:
    return get_object_or_404(
        FaqArticle.objects.visible_to(request.user)
        .select_related("owner")
        .prefetch_related(
            Prefetch("related", queryset=FaqArticle.objects.only("pk", "title", "status")), "translations"
        ),
        pk=pk,
    )


def _translations(
    request: HttpRequest, article: FaqArticle, form: FaqTranslationForm | None
) -> list[dict[str, Any]]:
    """Per language besides English: the article's version (or None) and, for FAQ writers, its form
    (``form``: the one refused, with its errors)."""
    have = {t.language: t for t in article.translations.all()}
    out = []
    for code, name in translation_languages():
        t = have.get(code)
        lang_form = None
        if may_manage_faq(request.user):
            if form is not None and form.prefix == f"tr-{code}":
                lang_form = form
            else:
                lang_form = FaqTranslationForm(
                    initial={"language": code, "title": t.title if t else "", "body": t.body if t else ""},
                    prefix=f"tr-{code}",
                )
        out.append({"code": code, "name": name, "translation": t, "form": lang_form})
    return out


def _article_console_page(
    request: HttpRequest,
    article: FaqArticle,
    form: FaqArticleForm | None = None,
    status: int = 200,
    translation_form: FaqTranslationForm | None = None,
) -> HttpResponse:
    may_manage = may_manage_faq(request.user)
    return render(
        request,
        "helpdesk/faq_console_article.html",
        {
            "article": article,
            "form": (form or FaqArticleForm.for_article(article)) if may_manage else None,
            "may_manage": may_manage,
            "stale": article.is_stale(),
            "translations": _translations(request, article, translation_form),
            "review_days": review_days(),
            "today": timezone.localdate(),
            "nav": NAV,
            "breadcrumbs": _crumbs({"label": article.title}),
        },
        status=status,
    )


def _new_page(request: HttpRequest, form: FaqArticleForm | None = None, status: int = 200) -> HttpResponse:
    if not may_manage_faq(request.user):
        raise NotAllowed(NOT_ALLOWED)
    return render(
        request,
        "helpdesk/faq_console_new.html",
        {
            "form": form or FaqArticleForm(),
            "nav": NAV,
            "breadcrumbs": _crumbs({"label": _("Write an article")}),
        },
        status=status,
    )


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": data["title"],
        "slug": data["slug"],
        "category": data["category"],
        "visibility": data["visibility"],
        "body": data["body"],
        "owner": data["owner"],
        "related": list(data["related"]),
    }


def _allowed(request: StaffRequest, obj: Any) -> bool:
    return may_manage_faq(request.user)


create = Action[StaffRequest](
    load=lambda request: None,
    allowed=_allowed,
    not_allowed=NOT_ALLOWED,
    form_class=FaqArticleForm,
    perform=lambda request, obj, data: faq_article_create(**_fields(data), by=request.user),
    success=gettext_lazy("Draft saved. Publish it when it is ready."),
    redirect_to=lambda request, obj, result: reverse("console:faq_article", args=[result.pk]),
    on_invalid=lambda request, obj, form: _new_page(request, form, status=400),  # type: ignore[arg-type]
)
change = Action[StaffRequest](
    load=_console_article,
    allowed=_allowed,
    not_allowed=NOT_ALLOWED,
    form_class=FaqArticleForm,
    form_kwargs=lambda request, obj: {"article": obj},
    perform=lambda request, obj, data: faq_article_update(article=obj, **_fields(data), by=request.user),
    success=gettext_lazy("Article saved."),
    redirect_to=lambda request, obj, result: reverse("console:faq_article", args=[obj.pk]),
    on_invalid=lambda request, obj, form: _article_console_page(request, obj, form, status=400),  # type: ignore[arg-type]
)


def _button(service: Callable[..., Any], success: Any) -> Action[StaffRequest]:
    return Action[StaffRequest](
        load=_console_article,
        allowed=_allowed,
        not_allowed=NOT_ALLOWED,
        perform=lambda request, obj, data: service(article=obj, by=request.user),
        success=success,
        redirect_to=lambda request, obj, result: reverse("console:faq_article", args=[obj.pk]),
    )


publish = _button(faq_article_publish, gettext_lazy("Published."))
unpublish = _button(faq_article_unpublish, gettext_lazy("Back to draft: only FAQ writers see it now."))
reviewed = _button(faq_article_mark_reviewed, gettext_lazy("Marked as reviewed today."))


def _translation_saved(article: FaqArticle, result: Any) -> str:
    if result is None:
        return _("The translation is removed: its readers see the English article.")
    return _("The %(language)s version is saved: its readers see it from now on.") % {
        "language": dict(translation_languages()).get(result.language, result.language)
    }


def _translation_form(request: HttpRequest, article: FaqArticle) -> dict[str, Any]:
    code = next(
        (k.split("-")[1] for k in request.POST if k.startswith("tr-") and k.endswith("-language")), ""
    )
    return {"prefix": f"tr-{code}"}


translate = Action[StaffRequest](
    load=_console_article,
    allowed=_allowed,
    not_allowed=NOT_ALLOWED,
    form_class=FaqTranslationForm,
    form_kwargs=_translation_form,
    perform=lambda request, obj, data: faq_translation_save(
        article=obj, language=data["language"], title=data["title"], body=data["body"], by=request.user
    ),
    success=_translation_saved,
    redirect_to=lambda request, obj, result: (
        reverse("console:faq_article", args=[obj.pk]) + "#translations-h"
    ),
    on_invalid=lambda request, obj, form: _article_console_page(
        request,
        obj,
        status=400,
        translation_form=form,  # type: ignore[arg-type]
    ),
)
console_translation = staff_required(translate.view)

console_new = staff_required(page_or_action(lambda request: _new_page(request), create))
console_article = staff_required(
    page_or_action(lambda request, pk: _article_console_page(request, _console_article(request, pk)), change)
)
console_publish = staff_required(publish.view)
console_unpublish = staff_required(unpublish.view)
console_reviewed = staff_required(reviewed.view)
