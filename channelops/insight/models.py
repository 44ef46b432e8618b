"""Rollups the program overview answers from (docs/insight.md).

``PartnerMonth`` holds one row per partner and calendar month (the partner existed by the month's
end): its status at the month's end, its region and tier, and what its people did that month
(summed from the daily engagement rollup). The overview's figures over 12 months are ``GROUP BY``
queries on this table (10,000 partners: 120,000 small rows), never scans of raw events.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from channelops.partners.models import Partner, PartnerStatus, Program, Region, Tier


class PartnerMonth(models.Model):
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status at the month's end"), max_length=12, choices=PartnerStatus.choices)
    active = models.BooleanField(
        _("active"),
        default=False,
        help_text=_("Any of the partner's people signed in or acted in the month."),
    )
    events = models.PositiveIntegerField(_("events"), default=0)
    sign_ins = models.PositiveIntegerField(_("sign-ins"), default=0)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)
    requests = models.PositiveIntegerField(_("requests"), default=0)
    points = models.PositiveIntegerField(_("engagement points"), default=0)
    active_users = models.PositiveIntegerField(
        _("active people"), default=0, help_text=_("The partner's people with at least one engagement event.")
    )
    page_views = models.PositiveIntegerField(_("portal page views"), default=0)

    class Meta:
        verbose_name = _("partner month")
        verbose_name_plural = _("partner months")
        constraints = [
            models.UniqueConstraint(fields=["month", "partner"], name="insight_partner_month_unique")
        ]
        indexes = [
            models.Index(fields=["month", "status"], name="insight_month_status"),
            # the totals of one region and tier in a month (the on-change refresh of one partner)
            models.Index(fields=["month", "region", "tier"], name="insight_month_region_tier"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.month:%Y-%m}"


class PortalViewDaily(models.Model):
    """Portal page views per partner and day: one counter row, so the table stays small
    (10,000 partners visiting daily: 3.65 million rows a year at most; in practice far fewer)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("page views"), default=0)

    class Meta:
        verbose_name = _("portal page views of a day")
        verbose_name_plural = _("portal page views per day")
        constraints = [models.UniqueConstraint(fields=["partner", "day"], name="insight_portal_view_unique")]
        indexes = [models.Index(fields=["day"], name="insight_portal_view_day")]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.day}: {self.views}"


class PartnerMonthTotal(models.Model):
    """``PartnerMonth`` summed per month, region, tier, program and status: what the overview's
    partner tables read (a few hundred rows a month instead of one per partner). Rows with
    ``program`` empty count every partner once; the others count the partners in that program
    (a partner in several programs counts once in each). Written by ``partner_months_refresh``
    for the months it refreshes, from the ``PartnerMonth`` rows it has just written."""

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    status = models.CharField(_("status at the month's end"), max_length=12, choices=PartnerStatus.choices)
    partners = models.PositiveIntegerField(_("partners"), default=0)
    active = models.PositiveIntegerField(
        _("monthly active partners"),
        default=0,
        help_text=_(
            "Partners active at the month's end any of whose people signed in or acted in the month."
        ),
    )

    class Meta:
        verbose_name = _("partner month total")
        verbose_name_plural = _("partner month totals")
        indexes = [models.Index(fields=["month", "program"], name="insight_total_month_program")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_id}/{self.tier_id}/{self.program_id} {self.status}: {self.partners}"
