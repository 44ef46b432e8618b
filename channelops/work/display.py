"""Cells of the work list pages, built in Python like the rest of :mod:`channelops.core.listing`
(every value escaped with ``format_html``). Same words as the templates' ``work/_when.html``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _d(day: date | None) -> str:
    return day.isoformat() if day else ""


def when_html(item: Any, today: date) -> SafeString:
    """Due date, or the next best action with its date; overdue ones in red."""
    open_ = item.is_open
    if item.due_date:
        if open_ and item.due_date < today:
            out = format_html(
                '<strong class="overdue">{}</strong>', _("Overdue: due %(d)s") % {"d": _d(item.due_date)}
            )
        else:
            out = format_html("{}", _("Due %(d)s") % {"d": _d(item.due_date)})
        if item.next_action:
            extra = f" ({_d(item.next_action_date)})" if item.next_action_date else ""
            out = format_html(
                '{}<br><span class="text-secondary">{}{}</span>',
                out,
                _("Next: %(a)s") % {"a": item.next_action},
                extra,
            )
        return out
    if item.next_action:
        if open_ and item.next_action_date and item.next_action_date < today:
            return format_html(
                '<strong class="overdue">{}</strong>',
                _("Overdue next action: %(a)s by %(d)s")
                % {"a": item.next_action, "d": _d(item.next_action_date)},
            )
        text = _("Next: %(a)s") % {"a": item.next_action}
        if item.next_action_date:
            text += " " + _("by %(d)s") % {"d": _d(item.next_action_date)}
        return format_html("{}", text)
    return mark_safe("—")


def labels_html(item: Any) -> SafeString:
    labels = list(item.labels.all())
    if not labels:
        return mark_safe("—")
    return format_html_join(
        " ", '<span class="badge badge-outline text-secondary">{}</span>', ((lb.name,) for lb in labels)
    )


def space_html(item: Any) -> SafeString:
    if item.shared_with_partner and item.partner_id:
        return format_html(
            '<span class="badge bg-green-lt text-wrap text-start">{}</span>',
            _("Shared with %(name)s") % {"name": item.partner.legal_name},
        )
    return format_html('<span class="badge bg-secondary-lt">{}</span>', _("Internal"))


def progress_html(item: Any) -> SafeString:
    done, total = item.tasks_done, item.tasks_total
    return format_html(
        '<div class="d-flex align-items-center gap-2"><progress class="work-progress" max="{}" value="{}" '
        'aria-label="{}"></progress><span class="text-nowrap">{}</span></div>',
        total or 1,
        done,
        _("Progress of %(title)s") % {"title": item.title},
        _("%(d)s of %(t)s tasks") % {"d": done, "t": total},
    )


def tasks_done_html(item: Any) -> SafeString:
    out = format_html("{}", _("%(d)s of %(t)s") % {"d": item.tasks_done, "t": item.tasks_total})
    if item.tasks_overdue:
        out = format_html(
            '{}<br><strong class="overdue">{}</strong>',
            out,
            ngettext("%(n)d overdue", "%(n)d overdue", item.tasks_overdue) % {"n": item.tasks_overdue},
        )
    return out


def item_title_html(item: Any) -> SafeString:
    sub = item.project.name + (f" · {item.milestone.title}" if item.milestone_id else "")
    return format_html(
        '<div class="work-title"><a href="{}">{}</a><div class="text-secondary small">{}</div></div>',
        reverse("console:work_item", args=[item.pk]),
        item.title,
        sub,
    )


def partner_html(item: Any) -> SafeString:
    if not item.partner_id:
        return mark_safe("—")
    return format_html(
        '<a href="{}">{}</a><div>{}</div>',
        reverse("console:partner_detail", args=[item.partner_id]),
        item.partner.legal_name,
        space_html(item),
    )
