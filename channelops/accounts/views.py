"""Invitation acceptance and personal API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.core.actions import Action, page_or_action

from .forms import InvitationAcceptForm, TokenCreateForm
from .models import ApiToken
from .pages import SignedInRequest
from .services import api_token_create, api_token_revoke, invitation_accept, invitation_for_token


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
