"""The shell's template components: ``{% load shell %}``.

- ``{% render_widget field %}``: a form field's widget with Tabler classes (forms use it through
  the form renderer; templates rarely call it directly).
- ``{% status_badge value label kind %}``: a status as colour plus text (core/status.py).
- ``{% icon "name" %}``: an icon from the vendored sprite.
- ``{% empty_state title text url action %}``: what to do when a list is empty.
- ``{% data_table table %}``: a short table in a card (core/listing.py ``Table``): its first
  rows, "Showing n of N" and a "See all N" link to the full list.
- ``{% pagination page querystring %}``: previous / page x of y / next.
- ``{% querystring_without request "page" %}``: the current query string minus some keys.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from channelops.core.forms import render_widget as _render_widget
from channelops.core.status import status_color

register = template.Library()


@register.simple_tag
def render_widget(field: BoundField) -> str:
    return _render_widget(field)


@register.simple_tag
def status_badge(value: object, label: object = None, kind: str = "") -> SafeString:
    return format_html(
        '<span class="badge status-badge status-{}">{}</span>',
        status_color(value, kind),
        label if label not in (None, "") else value,
    )


@register.simple_tag
def icon(name: str, label: str = "") -> SafeString:
    if label:
        return format_html(
            '<svg class="icon" role="img" aria-label="{}"><use href="{}#{}"></use></svg>',
            label,
            static("vendor/tabler-icons/sprite.svg"),
            name,
        )
    return format_html(
        '<svg class="icon" aria-hidden="true"><use href="{}#{}"></use></svg>',
        static("vendor/tabler-icons/sprite.svg"),
        name,
    )


@register.inclusion_tag("core/components/empty_state.html")
def empty_state(title: object, text: object = "", url: str = "", action: object = "") -> dict[str, Any]:
    return {"title": title, "text": text, "url": url, "action": action}


@register.inclusion_tag("core/components/table.html")
def data_table(table: Any) -> dict[str, Any]:
    return {"table": table}


@register.inclusion_tag("core/components/pagination.html")
def pagination(page: Any, querystring: str = "") -> dict[str, Any]:
    return {"page": page, "querystring": querystring}


@register.simple_tag
def querystring_without(request: Any, *keys: str) -> str:
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()
