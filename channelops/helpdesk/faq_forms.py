"""Forms of the FAQ pages: the article form (console), the feedback buttons, the list's filters."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from channelops.accounts.models import User

from .faq_models import FaqArticle, FaqCategory, FaqStatus, FaqVisibility


class _OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


class FaqArticleForm(forms.Form):
    title = forms.CharField(label=_("Question"), max_length=200)
    slug = forms.SlugField(
        label=_("Web address"),
        max_length=80,
        required=False,
        help_text=_("The last part of the article's address; left empty, it is made from the question."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=FaqCategory.choices)
    visibility = forms.ChoiceField(
        label=_("Visible to"),
        choices=FaqVisibility.choices,
        initial=FaqVisibility.PARTNERS,
        help_text=_("Public articles are also on the public help page, for visitors who are not signed in."),
    )
    body = forms.CharField(
        label=_("Answer"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Markdown: **bold**, *italic*, lists, [links](https://…), headings with ##."),
    )
    owner = _OwnerField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("— you —")
    )
    related = forms.ModelMultipleChoiceField(
        label=_("Related articles"),
        queryset=FaqArticle.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, article: FaqArticle | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_staff=True, is_active=True).order_by(  # type: ignore[attr-defined]
            "full_name", "email"
        )
        related = FaqArticle.objects.order_by("title").only("pk", "title")
        if article is not None:
            related = related.exclude(pk=article.pk)
        self.fields["related"].queryset = related  # type: ignore[attr-defined]

    @classmethod
    def for_article(cls, article: FaqArticle) -> FaqArticleForm:
        return cls(
            article=article,
            initial={
                "title": article.title,
                "slug": article.slug,
                "category": article.category,
                "visibility": article.visibility,
                "body": article.body,
                "owner": article.owner_id,
                "related": [r.pk for r in article.related.all()],
            },
        )


class FeedbackForm(forms.Form):
    helpful = forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))])
    #: "question": the reader came from the question form's suggestions (a "yes" deflects the question)
    came_from = forms.CharField(required=False, max_length=20)


class FaqTranslationForm(forms.Form):
    """An article's version in another language: both fields, or neither to remove it."""

    language = forms.CharField(widget=forms.HiddenInput, max_length=10)
    title = forms.CharField(label=_("Question"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Answer"),
        max_length=50_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Markdown. Empty both fields to remove this version: its readers then see the English text."
        ),
    )


class FaqFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Question"))
    status = django_filters.ChoiceFilter(choices=FaqStatus.choices, label=_("Status"), empty_label=_("Any"))
    category = django_filters.ChoiceFilter(
        choices=FaqCategory.choices, label=_("Category"), empty_label=_("Any")
    )
    visibility = django_filters.ChoiceFilter(
        choices=FaqVisibility.choices, label=_("Visible to"), empty_label=_("Any")
    )

    class Meta:
        model = FaqArticle
        fields: list[str] = []
