"""RACI matrices (S5): team columns, deliverable rows and the letters of each cell."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.accounts.models import StaffTeam


class RaciMatrix(models.Model):
    """Deliverables × teams → any of R, A, C, I (S5); routes work for a deliverable."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    teams = models.ManyToManyField(StaffTeam, through="RaciColumn", related_name="raci_matrices")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("RACI matrix")
        verbose_name_plural = _("RACI matrices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RaciColumn(models.Model):
    """A team column of a matrix, in order."""

    matrix = models.ForeignKey(RaciMatrix, on_delete=models.CASCADE, related_name="columns")
    team = models.ForeignKey(StaffTeam, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["matrix", "position"]
        constraints = [models.UniqueConstraint(fields=["matrix", "team"], name="raci_column_once")]

    def __str__(self) -> str:
        return f"{self.matrix}: {self.team}"


class Deliverable(models.Model):
    """A row of a RACI matrix."""

    matrix = models.ForeignKey(RaciMatrix, on_delete=models.CASCADE, related_name="deliverables")
    section = models.CharField(_("section"), max_length=150, blank=True)
    name = models.CharField(_("deliverable"), max_length=300)
    position = models.PositiveIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        ordering = ["matrix", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class RaciCell(models.Model):
    """The letters a team holds for a deliverable, stored in R, A, C, I order (e.g. "RA")."""

    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="cells")
    team = models.ForeignKey(StaffTeam, on_delete=models.PROTECT, related_name="+")
    letters = models.CharField(_("R, A, C, I"), max_length=4, blank=True)
    note = models.CharField(_("note"), max_length=100, blank=True, help_text=_('E.g. "prelim vetting".'))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("RACI cell")
        verbose_name_plural = _("RACI cells")
        constraints = [models.UniqueConstraint(fields=["deliverable", "team"], name="raci_cell_once")]

    def __str__(self) -> str:
        return f"{self.deliverable} / {self.team}: {self.letters}"
