from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("The two passwords differ."))
        if p1:
            password_validation.validate_password(p1, self.user)
        return data


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, initial="API token")


def _privilege_choices() -> list[tuple[str, str]]:
    from .privileges import privileges

    return [(p.perm, f"{p.label} ({p.perm})") for p in privileges().values()]


class AccessRequestForm(forms.Form):
    """Ask for a privileged permission (the service checks the rules and the length)."""

    perm = forms.ChoiceField(label=_("Privilege"), choices=())
    justification = forms.CharField(
        label=_("Justification"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("Why you need it, for which work (at least 20 characters). Your manager decides."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["perm"].choices = _privilege_choices()


class AccessApproveForm(forms.Form):
    granted_until = forms.DateField(
        label=_("Granted until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for the default length."),
    )
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000)


class AccessRejectForm(forms.Form):
    note = forms.CharField(
        label=_("Why is it rejected?"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class AccessRevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class AccessEventFilterForm(forms.Form):
    user = forms.CharField(label=_("Person (e-mail contains)"), required=False, max_length=254)
    perm = forms.CharField(label=_("Privilege"), required=False, max_length=150)
    kind = forms.ChoiceField(label=_("Event"), required=False, choices=())

    def __init__(self, *args, **kwargs):
        from .models import AccessEventKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("any")), *AccessEventKind.choices]


def _language_choices() -> list[tuple[str, str]]:
    from django.conf import settings

    return [(code, name) for code, name in settings.LANGUAGES]


class LanguageSettingsForm(forms.Form):
    """The person's settings page: the language of pages and e-mails."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_(
            "Pages and the e-mails you receive are in this language. Automatic: your browser's "
            "language, else the language of your partner's country, else English."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Automatic")), *_language_choices()]


class LanguageSwitchForm(forms.Form):
    """The switcher in the top bar: one button per language, back to the page it was on."""

    language = forms.ChoiceField()
    next = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _language_choices()
