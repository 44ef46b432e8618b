"""What the enablement pages share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.utils.functional import Promise

from channelops.core.actions import Action
from channelops.core.listing import ListPage

T = TypeVar("T")


class OrderedListPage(ListPage):
    """A list page whose default order has several keys (``default_ordering``); a column sort
    (``?sort=``) replaces it."""

    default_ordering: ClassVar[tuple[str, ...]] = ()

    def ordering(self) -> list[str]:
        sortable = {c.key for c in self.get_columns() if c.sort}
        if self.request.GET.get("sort", "").lstrip("-") in sortable or not self.default_ordering:
            return super().ordering()
        return list(self.default_ordering)


def page_or_action(page: Callable[..., HttpResponse], action: Action[Any]) -> Callable[..., HttpResponse]:
    """One URL that shows a page (GET, HEAD) and performs its form's action (POST)."""

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            return action.view(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
        return page(request, *args, **kwargs)

    view.__name__ = getattr(page, "__name__", "view")
    view.__doc__ = page.__doc__
    return view


def one_refusal(call: Callable[[], T]) -> T:
    """Run a service call; a ``ValidationError`` becomes one message (its messages joined), which
    the action puts on top of the form rather than on a field."""
    try:
        return call()
    except ValidationError as exc:
        raise ValidationError(" ".join(exc.messages)) from exc


def flash_refusal(
    redirect_to: Callable[[Any, Any], str], incomplete: str | Promise = ""
) -> Callable[[Any, Any, forms.Form], HttpResponse]:
    """An ``on_invalid`` for a button without a page of its own: back to the page it is on, with the
    service's refusal (the form's errors on top, joined) or, when the form itself is incomplete,
    ``incomplete`` as the message."""

    def on_invalid(request: Any, obj: Any, form: forms.Form) -> HttpResponse:
        reasons = [str(e) for e in form.non_field_errors()]
        messages.error(request, " ".join(reasons) if reasons or not incomplete else str(incomplete))
        return HttpResponseRedirect(redirect_to(request, obj))

    return on_invalid
