"""Forms of the notification pages. They only parse input: rules live in services."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import How, Scope, When
from .registry import watchables_for


class NotificationRuleForm(forms.Form):
    watch = forms.ChoiceField(label=_("Watch"))
    when = forms.ChoiceField(label=_("Notify me when"), choices=When.choices, widget=forms.RadioSelect)
    how = forms.ChoiceField(label=_("Notify me with"), choices=How.choices, widget=forms.RadioSelect)
    scope = forms.ChoiceField(
        label=_("For"),
        choices=Scope.choices,
        required=False,  # (a form posted without it: every partner)
        widget=forms.RadioSelect,
        help_text=_(
            "Partners in my regions: the regions routed to you as PHD specialist. "
            "Partners I manage: the partners you are the CAM of."
        ),
    )

    def __init__(self, *args: Any, user: Any, exclude: Collection[str] = (), **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"when": When.ANY_CHANGE, "how": How.DIGEST, "scope": Scope.ALL})
        super().__init__(*args, **kwargs)
        self.fields["watch"].choices = [  # type: ignore[attr-defined]
            (w.key, w.label) for w in watchables_for(user) if w.key not in exclude
        ]
        if not user.is_staff:  # partner people only ever watch their own partner's items
            del self.fields["scope"]
