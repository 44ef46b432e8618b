"""Console pages of account reviews: the calendar (due, overdue, completion rates), a review, its actions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_safe

from channelops.accounts.models import User
from channelops.accounts.pages import StaffRequest
from channelops.accounts.roles import PHD
from channelops.core.actions import Action
from channelops.core.pages import staff_required
from channelops.work.models import Occurrence

from .defaults import CADENCE_KINDS
from .forms import CheckForm, CompleteForm
from .models import AccountReview, ReviewItem, ReviewStatus
from .selection import month_end, quarter_bounds
from .services import lead_days, may_work_on, review_complete, review_item_check, review_remind

CALENDAR_LIMIT = 2000
DUE_LIMIT = 200


def _specialist_filter(request: HttpRequest) -> tuple[str, Q, Q]:
    """The chosen specialist ("me", "all", "unassigned" or a user id) and the filters it means for
    reviews and for cadence occurrences."""
    user = request.user
    default = "me" if PHD in user.staff_roles else "all"  # type: ignore[union-attr]
    choice = request.GET.get("specialist") or default
    if choice == "all":
        return choice, Q(), Q()
    if choice == "unassigned":
        return choice, Q(specialist__isnull=True), Q(cadence__region__routing__phd_specialist__isnull=True)
    pk: Any = int(choice) if choice.isdigit() else user.pk
    if not choice.isdigit():
        choice = "me"
    return choice, Q(specialist_id=pk), Q(cadence__region__routing__phd_specialist_id=pk)


def _with_counts(qs: Any) -> Any:
    return qs.select_related("partner__region", "specialist").annotate(
        n_items=Count("items"),
        n_failed=Count("items", filter=Q(items__status="failed")),
        n_checked=Count("items", filter=Q(items__checked=True)),
    )


def completion_by_region(today: date) -> list[dict[str, Any]]:
    """This quarter's reviews due up to today, per region: how many were done by their due date."""
    start, end, _m = quarter_bounds(today)
    rows = (
        AccountReview.objects.filter(due_date__gte=start, due_date__lte=min(today, end - timedelta(days=1)))
        .values("partner__region__code", "partner__region__name")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=Q(status=ReviewStatus.DONE, completed_at__date__lte=F("due_date"))),
            done=Count("id", filter=Q(status=ReviewStatus.DONE)),
        )
        .order_by("partner__region__code")
    )
    out = []
    for r in rows:
        out.append(
            {
                "code": r["partner__region__code"],
                "name": r["partner__region__name"],
                "due": r["due"],
                "done": r["done"],
                "on_time": r["on_time"],
                "rate": round(100 * r["on_time"] / r["due"]) if r["due"] else None,
            }
        )
    return out


@staff_required
@require_safe
def calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    first = today.replace(day=1)
    last = month_end(month_end(today) + timedelta(days=1))
    choice, review_q, occurrence_q = _specialist_filter(request)
    visible = AccountReview.objects.visible_to(request.user).filter(review_q)
    reviews = list(
        _with_counts(visible.filter(due_date__gte=first, due_date__lte=last)).order_by(
            "due_date", "priority", "pk"
        )[:CALENDAR_LIMIT]
    )
    occurrences = list(
        Occurrence.objects.filter(
            occurrence_q,
            date__gte=first,
            date__lte=last,
            cadence__active=True,
            cadence__kind__in=list(CADENCE_KINDS),
        )
        .select_related("cadence__region")
        .annotate(n_reviews=Count("account_reviews"))
        .filter(n_reviews=0)
        .order_by("date", "cadence__slug")
    )
    days: dict[date, dict[str, list[Any]]] = defaultdict(lambda: {"reviews": [], "occurrences": []})
    for r in reviews:
        days[r.due_date]["reviews"].append(r)
    for o in occurrences:
        days[o.date]["occurrences"].append(o)
    months = []
    for month_start in (first, month_end(first) + timedelta(days=1)):
        month_days = [
            {"date": d, **days[d]}
            for d in sorted(days)
            if (d.year, d.month) == (month_start.year, month_start.month)
        ]
        months.append({"start": month_start, "days": month_days})
    due_qs = visible.due(today)
    due = list(_with_counts(due_qs).order_by("due_date", "priority", "pk")[:DUE_LIMIT])
    specialists = list(
        User.objects.filter(is_staff=True, is_active=True)
        .filter(Q(groups__name=PHD) | Q(routed_regions__isnull=False))
        .distinct()
        .order_by("email")
        .values_list("pk", "email", "full_name")
    )
    return render(
        request,
        "helpdesk/calendar.html",
        {
            "nav": "reviews",
            "today": today,
            "choice": choice,
            "specialists": specialists,
            "months": months,
            "truncated": len(reviews) >= CALENDAR_LIMIT,
            "due": due,
            "due_count": due_qs.count(),
            "completion": completion_by_region(today),
            "quarter": quarter_bounds(today),
            "lead_days": lead_days(),
        },
    )


def _review_or_404(request: HttpRequest, pk: int) -> AccountReview:
    return get_object_or_404(
        AccountReview.objects.visible_to(request.user).select_related(
            "partner__region",
            "partner__tier",
            "partner__cam",
            "specialist",
            "completed_by",
            "occurrence__cadence",
        ),
        pk=pk,
    )


def _render_review(
    request: HttpRequest, review: AccountReview, form: CompleteForm, status: int = 200
) -> HttpResponse:
    items = list(review.items.select_related("checked_by", "reminder_sent_by").order_by("position", "pk"))
    earlier = list(
        review.partner.account_reviews.exclude(pk=review.pk)
        .select_related("completed_by")
        .order_by("-due_date", "-pk")[:10]
    )
    return render(
        request,
        "helpdesk/review.html",
        {
            "nav": "reviews",
            "review": review,
            "items": items,
            "form": form,
            "earlier": earlier,
            "may_work": may_work_on(review, request.user),
            "today": timezone.localdate(),
            "breadcrumbs": [
                {"label": _("Account reviews"), "url": reverse("console:reviews")},
                {"label": review.partner.legal_name},
            ],
        },
        status=status,
    )


@staff_required
@require_safe
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_or_404(request, pk)
    return _render_review(request, review, CompleteForm())


def _item_or_404(request: HttpRequest, pk: int, item_pk: int) -> ReviewItem:
    return get_object_or_404(ReviewItem.objects.visible_to(request.user), pk=item_pk, review_id=pk)


def _review_url(pk: int) -> str:
    return reverse("console:review", args=[pk])


def _item_url(request: HttpRequest, item: ReviewItem, result: Any) -> str:
    return f"{_review_url(item.review_id)}#item-{item.pk}"


def _ticked(item: ReviewItem, result: Any) -> str:
    return (_("Ticked: %(t)s") if result.checked else _("Unticked: %(t)s")) % {"t": item.text}


# The services decide who may work on a review (NotAllowed: a 403 page); a refusal for another
# reason (the review is done) is a flash message on the review's page.
check = Action[StaffRequest](
    load=_item_or_404,
    form_class=CheckForm,
    perform=lambda request, item, data: review_item_check(
        item=item,
        checked=data["checked"] in ("1", "on", "true"),
        by=request.user,
    ),
    success=_ticked,
    redirect_to=_item_url,
)
remind = Action[StaffRequest](
    load=_item_or_404,
    perform=lambda request, item, data: review_remind(item=item, by=request.user),
    success=_l("The reminder is on its way to the partner's admins."),
    redirect_to=_item_url,
)
finish = Action[StaffRequest](
    load=_review_or_404,
    form_class=CompleteForm,
    perform=lambda request, review, data: review_complete(
        review=review,
        notes=data["notes"],
        by=request.user,
    ),
    success=_l("Review completed; the partner's Last PHD Review and Account Notes are set."),
    redirect_to=lambda request, review, result: _review_url(review.pk),
    on_invalid=lambda request, review, form: _render_review(request, review, form, status=400),  # type: ignore[arg-type]
)

item_check = staff_required(check.view)
item_remind = staff_required(remind.view)
complete = staff_required(finish.view)
