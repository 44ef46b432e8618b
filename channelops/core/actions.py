"""The action building block: form → service call → message → redirect (or an htmx partial).

Every button that changes something on a portal or console page is one of these::

    reject = Action[StaffRequest](
        load=lambda request, pk: _console_request(request, pk),      # visible_to(user) + 404
        allowed=lambda request, obj: may_review(request.user),        # else 403 (NotAllowed)
        form_class=RejectForm,
        perform=lambda request, obj, data: nfr_request_reject(request=obj, by=request.user, reason=data["reason"]),
        success=_("%(obj)s rejected; the requester is told why."),
        redirect_to=lambda request, obj, result: reverse("console:nfr_request", args=[obj.pk]),
        on_invalid=lambda request, obj, form: _review_page(request, obj, status=400, reject_form=form),
    )
    urlpatterns = [path("nfr/<int:pk>/reject/", staff_required(reject.view), name="nfr_request_reject")]

- POST only (a GET answers 405, or shows ``confirm_template`` when given: the confirmation page
  of a destructive action that works without JavaScript).
- The form is validated; the service's ``ValidationError`` lands on the form's fields
  (:func:`add_service_errors`); ``NotAllowed`` gives 403; nothing is changed on any error.
- On success: a flash message and a redirect (302), or, for an htmx request with
  ``partial_template``, that partial rendered with ``{"obj": …, "result": …}``; ``show_result``
  answers with a page instead (a result shown only once, never stored: a new API token).

A page whose form posts to the page's own URL is ``page_or_action(page, action)``: GET shows the
page, POST runs the action (:func:`page_or_action`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.functional import Promise

from .exceptions import NotAllowed
from .forms import add_service_errors


class _EmptyForm(forms.Form):
    """For actions with no input (approve, withdraw): only the CSRF token."""


RequestT = TypeVar("RequestT", bound=HttpRequest)


@dataclass(frozen=True)
class Action(Generic[RequestT]):
    """``Action[StaffRequest](…)`` / ``Action[PartnerRequest](…)`` types the callables' ``request``
    (``request.user`` is a ``User``, ``request.partner`` is set), so no ``# type: ignore``."""

    load: Callable[..., Any]
    perform: Callable[[RequestT, Any, dict[str, Any]], Any]
    success: str | Promise | Callable[[Any, Any], str]
    redirect_to: Callable[[RequestT, Any, Any], str]
    on_invalid: Callable[[RequestT, Any, forms.Form], HttpResponse] | None = None
    allowed: Callable[[RequestT, Any], bool] | None = None
    not_allowed: str | Promise = ""
    form_class: type[forms.Form] = _EmptyForm
    form_kwargs: Callable[[RequestT, Any], dict[str, Any]] | None = None
    confirm_template: str = ""
    partial_template: str = ""
    #: Answer a success with this page (status 200) instead of a redirect: for a result shown once
    #: that must be neither stored nor put in a URL, such as a new API token's clear text.
    show_result: Callable[[RequestT, Any, Any], HttpResponse] | None = None

    def view(self, request: RequestT, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.load(request, *args, **kwargs)
        if self.allowed is not None and not self.allowed(request, obj):
            raise NotAllowed(self.not_allowed or None)
        if request.method == "GET" and self.confirm_template:
            return render(
                request, self.confirm_template, {"obj": obj, "form": self._form(request, obj, None)}
            )
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        form = self._form(request, obj, request.POST)
        if form.is_valid():
            try:
                result = self.perform(request, obj, form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                text = (
                    self.success(obj, result) if callable(self.success) else str(self.success) % {"obj": obj}
                )
                if self.partial_template and getattr(request, "htmx", False):
                    return render(
                        request, self.partial_template, {"obj": obj, "result": result, "message": text}
                    )
                messages.success(request, text)
                if self.show_result is not None:
                    return self.show_result(request, obj, result)
                return HttpResponseRedirect(self.redirect_to(request, obj, result))
        if self.on_invalid is not None:
            return self.on_invalid(request, obj, form)
        for error in form.non_field_errors():
            messages.error(request, str(error))
        for field in form:
            for error in field.errors:
                messages.error(request, f"{field.label}: {error}")
        return HttpResponseRedirect(self.redirect_to(request, obj, None))

    def _form(self, request: RequestT, obj: Any, data: Any) -> forms.Form:
        kwargs = self.form_kwargs(request, obj) if self.form_kwargs else {}
        return self.form_class(data, **kwargs)


def page_or_action(
    page: Callable[..., HttpResponseBase],
    action: Action[Any] | Callable[[Any], Action[Any] | None],
) -> Callable[..., HttpResponseBase]:
    """One URL that shows a page (GET, HEAD) and performs its form's action (POST).

    ``action`` is the :class:`Action`, or, for a page with several forms posting to it, a function
    of the request that picks the action (from a hidden ``action`` field, the clicked button's
    name…); ``None`` (nothing to do) shows the page again with status 400."""

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            chosen = action if isinstance(action, Action) else action(request)
            if chosen is not None:
                return chosen.view(request, *args, **kwargs)
            response = page(request, *args, **kwargs)
            response.status_code = 400
            return response
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
        return page(request, *args, **kwargs)

    view.__name__ = getattr(page, "__name__", "view")
    view.__doc__ = page.__doc__
    return view
