"""The certification catalog: staff with the change permission edit a certification's fields."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ...models import Certification

CHANGE_CERT_PERM = "enablement.change_certification"
VIEW_CERT_PERM = "enablement.view_certification"


CERTIFICATION_FIELDS = (
    "name",
    "description",
    "exam_name",
    "requires_training",
    "validity_months",
    "grants_badge",
    "badge_criteria",
    "active",
)


@transaction.atomic
def certification_update(*, certification: Certification, by: Any, **changes: Any) -> Certification:
    """Edit a certification's fields (staff with the change permission)."""
    if by is None or not by.is_staff or not by.has_perm(CHANGE_CERT_PERM):
        raise PermissionDenied(
            _("Editing the certification catalog needs the change certification permission.")
        )
    unknown = set(changes) - set(CERTIFICATION_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    cert = Certification.objects.select_for_update().get(pk=certification.pk)
    errors: dict[str, str] = {}
    name = str(changes.get("name", cert.name)).strip()
    if not name:
        errors["name"] = _("A certification needs a name.")
    elif Certification.objects.exclude(pk=cert.pk).filter(name__iexact=name).exists():
        errors["name"] = _("Another certification is already called %(name)s.") % {"name": name}
    months = changes.get("validity_months", cert.validity_months)
    if months is not None and not 1 <= int(months) <= 240:
        errors["validity_months"] = _("Between 1 and 240 months, or empty for never.")
    if errors:
        raise ValidationError(errors)
    changes["name"] = name
    for f, value in changes.items():
        setattr(cert, f, value)
    cert._history_user = by  # type: ignore[attr-defined]
    cert.full_clean()
    cert.save()
    return cert
