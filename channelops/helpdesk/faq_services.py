"""Writes of the FAQ (S9): create, edit, publish, unpublish, mark reviewed; feedback.

Writing articles needs ``helpdesk.manage_faq`` (PHD specialists, channel leadership,
administrators; channelops/accounts/roles.py). Feedback is given by anyone who sees the article:
once per person, or per browser session for anonymous visitors; answering again changes the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed

from .faq_models import (
    FaqArticle,
    FaqCategory,
    FaqDeflection,
    FaqFeedback,
    FaqStatus,
    FaqTranslation,
    FaqVisibility,
)
from .faq_querysets import may_manage_faq

MAX_RELATED = 10
RESERVED_SLUGS = {"questions"}  # /portal/help/questions/ is the question pages'


def _require_manager(by: Any) -> None:
    if not may_manage_faq(by):
        raise NotAllowed(_("Only PHD specialists, channel leadership and administrators write FAQ articles."))


def _clean(
    *,
    article: FaqArticle | None,
    title: str,
    slug: str,
    category: str,
    body: str,
    visibility: str,
    owner: Any,
    related: Iterable[FaqArticle],
) -> tuple[str, str, str, list[FaqArticle]]:
    errors: dict[str, list[str]] = {}
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if not title:
        errors.setdefault("title", []).append(_("Write the question."))
    elif len(title) > 200:
        errors.setdefault("title", []).append(_("A question is at most 200 characters long."))
    if not body:
        errors.setdefault("body", []).append(_("Write the answer."))
    if category not in FaqCategory.values:
        errors.setdefault("category", []).append(_("Choose a category."))
    if visibility not in FaqVisibility.values:
        errors.setdefault("visibility", []).append(_("Choose who sees the article."))
    if owner is None or not owner.is_active or not owner.is_staff:
        errors.setdefault("owner", []).append(_("The owner is an active staff person."))
    slug = slugify(slug or title)[:80].strip("-")
    if not slug and "title" not in errors:
        errors.setdefault("slug", []).append(_("Give the article a web address made of letters or digits."))
    elif slug in RESERVED_SLUGS:
        errors.setdefault("slug", []).append(
            _("This web address is taken by the help pages; choose another.")
        )
    elif slug:
        taken = FaqArticle.objects.filter(slug=slug)
        if article is not None:
            taken = taken.exclude(pk=article.pk)
        if taken.exists():
            errors.setdefault("slug", []).append(_("Another article has this web address."))
    related_list = list(dict.fromkeys(related or ()))
    if article is not None and any(r.pk == article.pk for r in related_list):
        errors.setdefault("related", []).append(_("An article is not related to itself."))
    if len(related_list) > MAX_RELATED:
        errors.setdefault("related", []).append(_("At most %(n)d related articles.") % {"n": MAX_RELATED})
    if errors:
        raise ValidationError(errors)
    return title, slug, body, related_list


@transaction.atomic
def faq_article_create(
    *,
    title: str,
    category: str,
    body: str,
    visibility: str = FaqVisibility.PARTNERS,
    slug: str = "",
    owner: User | None = None,
    related: Iterable[FaqArticle] = (),
    by: User,
) -> FaqArticle:
    """Write a new article, as a draft (publish it with :func:`faq_article_publish`)."""
    _require_manager(by)
    owner = owner or by
    title, slug, body, related_list = _clean(
        article=None,
        title=title,
        slug=slug,
        category=category,
        body=body,
        visibility=visibility,
        owner=owner,
        related=related,
    )
    article = FaqArticle(
        title=title,
        slug=slug,
        category=category,
        body=body,
        visibility=visibility,
        owner=owner,
        last_reviewed=timezone.localdate(),
    )
    article._history_user = by  # type: ignore[attr-defined]
    article.save()
    article.related.set(related_list)
    return article


@transaction.atomic
def faq_article_update(
    *,
    article: FaqArticle,
    title: str,
    category: str,
    body: str,
    visibility: str,
    slug: str = "",
    owner: User | None = None,
    related: Iterable[FaqArticle] = (),
    by: User,
) -> FaqArticle:
    """Change an article (a published article stays published). Editing counts as a review."""
    _require_manager(by)
    locked = FaqArticle.objects.select_for_update().get(pk=article.pk)
    owner = owner or locked.owner
    title, slug, body, related_list = _clean(
        article=locked,
        title=title,
        slug=slug or locked.slug,
        category=category,
        body=body,
        visibility=visibility,
        owner=owner,
        related=related,
    )
    locked.title, locked.slug, locked.category, locked.body = title, slug, category, body
    locked.visibility, locked.owner = visibility, owner
    locked.last_reviewed = timezone.localdate()
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save()
    locked.related.set(related_list)
    return locked


def _set_status(article: FaqArticle, status: str, by: User) -> FaqArticle:
    _require_manager(by)
    locked = FaqArticle.objects.select_for_update().get(pk=article.pk)
    if locked.status == status:
        raise ValidationError(
            _("This article is already published.")
            if status == FaqStatus.PUBLISHED
            else _("This article is already a draft.")
        )
    locked.status = status
    if status == FaqStatus.PUBLISHED:
        locked.published_at = timezone.now()
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save()
    return locked


@transaction.atomic
def faq_article_publish(*, article: FaqArticle, by: User) -> FaqArticle:
    """Publish a draft: its audience (public or partners) sees it at once."""
    return _set_status(article, FaqStatus.PUBLISHED, by)


@transaction.atomic
def faq_article_unpublish(*, article: FaqArticle, by: User) -> FaqArticle:
    """Take an article back to draft: only FAQ writers see it."""
    return _set_status(article, FaqStatus.DRAFT, by)


@transaction.atomic
def faq_article_mark_reviewed(*, article: FaqArticle, by: User, on: date | None = None) -> FaqArticle:
    """Record that the article was checked and is still right (clears the stale flag)."""
    _require_manager(by)
    locked = FaqArticle.objects.select_for_update().get(pk=article.pk)
    locked.last_reviewed = on or timezone.localdate()
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save()
    return locked


@transaction.atomic
def faq_feedback_give(
    *, article: FaqArticle, helpful: bool, user: Any = None, session_key: str = ""
) -> FaqFeedback:
    """ "Did this answer your question?": one answer per person (``user``) or anonymous browser
    session (``session_key``); a second answer replaces the first, so each giver counts once."""
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if not signed_in and not session_key:
        raise ValidationError(_("Your answer could not be recorded: allow cookies and try again."))
    if (
        not FaqArticle.objects.visible_to(user if signed_in else None)
        .published()
        .filter(pk=article.pk)
        .exists()
    ):
        raise NotAllowed(_("This article is not available."))
    who = {"user": user} if signed_in else {"user": None, "session_key": session_key}
    existing = FaqFeedback.objects.select_for_update().filter(article=article, **who).first()
    if existing is not None:
        if existing.helpful != helpful:
            existing.helpful = helpful
            existing.created_at = timezone.now()
            existing.save(update_fields=["helpful", "created_at"])
            _count(article, helpful, +1)
            _count(article, not helpful, -1)
        return existing
    try:
        with transaction.atomic():
            feedback = FaqFeedback.objects.create(article=article, helpful=helpful, **who)
    except IntegrityError:  # the same person's answer in a concurrent request
        return FaqFeedback.objects.get(article=article, **who)
    _count(article, helpful, +1)
    return feedback


def _count(article: FaqArticle, helpful: bool, delta: int) -> None:
    field = "helpful_count" if helpful else "not_helpful_count"
    FaqArticle.objects.filter(pk=article.pk).update(**{field: F(field) + delta})


def translation_languages() -> list[tuple[str, str]]:
    """The languages an article may have a version in besides English (code, name in the active
    language)."""
    return [
        (code, str(get_language_info(code)["name_translated"]))
        for code, _name in settings.LANGUAGES
        if code != settings.LANGUAGE_CODE
    ]


@transaction.atomic
def faq_translation_save(
    *, article: FaqArticle, language: str, title: str, body: str, by: User
) -> FaqTranslation | None:
    """Write (or, with both ``title`` and ``body`` empty, remove) the article's version in
    ``language``: its readers see it instead of the English text. Both or neither."""
    _require_manager(by)
    errors: dict[str, list[str]] = {}
    if language not in dict(translation_languages()):
        errors["language"] = [_("Choose a language.")]
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if title and not body:
        errors["body"] = [_("Write the answer in this language too, or empty both to remove the version.")]
    if body and not title:
        errors["title"] = [_("Write the question in this language too, or empty both to remove the version.")]
    if len(title) > 200:
        errors["title"] = [_("A question is at most 200 characters long.")]
    if errors:
        raise ValidationError(errors)
    locked = FaqArticle.objects.select_for_update().get(pk=article.pk)
    existing = FaqTranslation.objects.filter(article=locked, language=language).first()
    if not title:
        if existing is not None:
            existing._history_user = by  # type: ignore[attr-defined]
            existing.delete()
        return None
    translation = existing or FaqTranslation(article=locked, language=language)
    translation.title, translation.body = title, body
    translation.updated_by, translation.updated_at = by, timezone.now()
    translation._history_user = by  # type: ignore[attr-defined]
    translation.full_clean(exclude=["article", "updated_by"])
    translation.save()
    return translation


@transaction.atomic
def faq_deflection_record(*, article: FaqArticle, user: Any) -> bool:
    """A partner person writing a question followed this suggested article and says it answered the
    question: count a deflection (once per person and article). Returns whether it was counted now."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAllowed(_("Sign in to ask a question."))
    if not FaqArticle.objects.visible_to(user).published().filter(pk=article.pk).exists():
        raise NotAllowed(_("This article is not available."))
    try:
        with transaction.atomic():
            FaqDeflection.objects.create(article=article, user=user)
    except IntegrityError:  # counted before (or in a concurrent request)
        return False
    FaqArticle.objects.filter(pk=article.pk).update(deflected_count=F("deflected_count") + 1)
    return True
