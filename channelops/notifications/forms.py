"""Forms of the notification pages. They only parse input: rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import How, When
from .registry import watchables_for


class NotificationRuleForm(forms.Form):
    watch = forms.ChoiceField(label=_("Watch"))
    when = forms.ChoiceField(label=_("Notify me when"), choices=When.choices, widget=forms.RadioSelect)
    how = forms.ChoiceField(label=_("Notify me with"), choices=How.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"when": When.ANY_CHANGE, "how": How.DIGEST})
        super().__init__(*args, **kwargs)
        self.fields["watch"].choices = [(w.key, w.label) for w in watchables_for(user)]  # type: ignore[attr-defined]
