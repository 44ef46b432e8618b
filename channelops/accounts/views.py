"""Invitation acceptance and personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import InvitationAcceptForm, TokenCreateForm
from .models import ApiToken
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


@login_required
def tokens_view(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _row, new_token = api_token_create(user=request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
    tokens = ApiToken.objects.visible_to(request.user).filter(user=request.user)
    return render(request, "accounts/tokens.html", {"form": form, "tokens": tokens, "new_token": new_token})


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.visible_to(request.user).filter(user=request.user), pk=pk)
    if token.revoked_at:
        raise Http404
    api_token_revoke(token=token, by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")
