"""The portal's newsletter preferences (/portal/communications/preferences/): the signed-in partner
person's own subscription (their row is created, ``source=portal``, when missing), the same form as
the public preferences page and their consent records."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from channelops.core.views import client_ip
from channelops.partners.pages import PartnerRequest, partner_required

from . import consent as svc
from .forms_audience import PreferencesForm, preferences_initial
from .models import ConsentMethod
from .views_public_audience import _ua, preferences_context


def _page(request: PartnerRequest, sub: object, form: PreferencesForm, *, status: int = 200) -> HttpResponse:
    ctx = preferences_context(sub, form)  # type: ignore[arg-type]
    ctx.update(
        {
            "nav": "comms_preferences",
            "consents": list(sub.consents.select_related("by").order_by("-at", "-id")[:50]),  # type: ignore[attr-defined]
        }
    )
    return render(request, "communications/audience/portal_preferences.html", ctx, status=status)


@partner_required
@require_http_methods(["GET", "HEAD", "POST"])
def portal_preferences(request: PartnerRequest) -> HttpResponse:
    sub = svc.portal_subscriber(request.user)
    if request.method != "POST":
        return _page(request, sub, PreferencesForm(initial=preferences_initial(sub)))
    ip, ua = client_ip(request), _ua(request)
    action = request.POST.get("action", "save")
    if action == "unsubscribe":
        svc.unsubscribe(subscriber=sub, method=ConsentMethod.PORTAL, ip=ip, user_agent=ua, by=request.user)
        from django.contrib import messages

        messages.success(request, _("You are unsubscribed from every partner communication."))
        return redirect("portal:comms_preferences")
    if action == "resubscribe":
        svc.resubscribe(subscriber=sub, method=ConsentMethod.PORTAL, ip=ip, user_agent=ua, by=request.user)
        from django.contrib import messages

        messages.success(request, _("You are subscribed again."))
        return redirect("portal:comms_preferences")
    form = PreferencesForm(request.POST)
    if form.is_valid():
        try:
            svc.preferences_save(
                subscriber=sub,
                topics=list(form.cleaned_data["topics"]),
                language=form.cleaned_data["language"],
                method=ConsentMethod.PORTAL,
                ip=ip,
                user_agent=ua,
                by=request.user,
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            from django.contrib import messages

            messages.success(request, _("Your newsletter preferences are saved."))
            return redirect("portal:comms_preferences")
    return _page(request, sub, form, status=400)
