"""Invitation acceptance and personal API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from channelops.core.actions import Action, page_or_action

from .forms import InvitationAcceptForm, LanguageSettingsForm, LanguageSwitchForm, TokenCreateForm
from .models import ApiToken
from .pages import SignedInRequest
from .services import (
    api_token_create,
    api_token_revoke,
    invitation_accept,
    invitation_for_token,
    user_set_language,
)


def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = InvitationAcceptForm(
        request.POST or None, user=invitation.user, initial={"full_name": invitation.user.full_name}
    )
    if request.method == "POST" and form.is_valid():
        invitation_accept(
            invitation=invitation,
            password=form.cleaned_data["password1"],
            full_name=form.cleaned_data["full_name"],
        )
        messages.success(
            request, _("Your account is ready. Sign in with your e-mail address and new password.")
        )
        return redirect("account_login")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})


def _tokens_page(
    request: SignedInRequest,
    obj: Any = None,
    *,
    form: forms.Form | None = None,
    new_token: str = "",
    status: int = 200,
) -> HttpResponse:
    tokens = ApiToken.objects.visible_to(request.user).filter(user=request.user)
    return render(
        request,
        "accounts/tokens.html",
        {"form": form or TokenCreateForm(), "tokens": tokens, "new_token": new_token},
        status=status,
    )


create_token = Action[SignedInRequest](
    load=lambda request: None,
    form_class=TokenCreateForm,
    perform=lambda request, nothing, data: api_token_create(user=request.user, name=data["name"]),
    success=lambda nothing, result: _("Token “%(name)s” created.") % {"name": result[0].name},
    redirect_to=lambda request, nothing, result: reverse("accounts:tokens"),
    # The clear token is shown on the answer to the POST itself: it is never stored, not even in
    # the session, so there is nothing to redirect to.
    show_result=lambda request, nothing, result: _tokens_page(request, new_token=result[1]),
    on_invalid=lambda request, nothing, form: _tokens_page(request, form=form, status=400),
)
# Your API tokens; the form creates one (a POST to this page) and shows it once.
tokens_view = login_required(page_or_action(_tokens_page, create_token))


def _own_active_token(request: SignedInRequest, pk: int) -> ApiToken:
    token = get_object_or_404(ApiToken.objects.visible_to(request.user).filter(user=request.user), pk=pk)
    if token.revoked_at:
        raise Http404
    return token


revoke_token = Action[SignedInRequest](
    load=_own_active_token,
    perform=lambda request, token, data: api_token_revoke(token=token, by=request.user),
    success=gettext_lazy("The token was revoked."),
    redirect_to=lambda request, token, result: reverse("accounts:tokens"),
)
token_revoke_view = login_required(revoke_token.view)


def _settings_page(
    request: SignedInRequest, obj: Any = None, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    form = form or LanguageSettingsForm(initial={"language": request.user.language})
    return render(request, "accounts/settings.html", {"form": form}, status=status)


def _language_response(response: HttpResponse, language: str) -> HttpResponse:
    """The switcher's cookie: remembers a choice made signed out, forgets it on "automatic"."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
    return response


def _save_settings(request: SignedInRequest, nothing: Any, data: dict[str, Any]) -> Any:
    user = user_set_language(user=request.user, language=data["language"], by=request.user)
    translation.activate(user.language or translation.get_language())
    return user


def _settings_saved(request: SignedInRequest, nothing: Any, user: Any) -> HttpResponse:
    return _language_response(redirect("accounts:settings"), user.language)


save_settings = Action[SignedInRequest](
    load=lambda request: None,
    form_class=LanguageSettingsForm,
    perform=_save_settings,
    # In the language just chosen (_save_settings activates it).
    success=lambda nothing, user: _("Your settings are saved."),
    redirect_to=lambda request, nothing, result: reverse("accounts:settings"),
    show_result=_settings_saved,
    on_invalid=lambda request, nothing, form: _settings_page(request, form=form, status=400),
)
# The person's own settings (today: the language of pages and e-mails).
settings_view = login_required(page_or_action(_settings_page, save_settings))


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """The language switcher (a POST form in the top bar, no JavaScript): saved on the profile of a
    signed-in person, in a cookie for a visitor; back to the page it was posted from."""
    form = LanguageSwitchForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose one of the languages offered."), status=400)
    language = form.cleaned_data["language"]
    user = request.user
    if user.is_authenticated:
        user_set_language(user=user, language=language, by=user)
    target = form.cleaned_data["next"] or request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return _language_response(HttpResponseRedirect(target), language)
