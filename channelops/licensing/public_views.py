"""Public verification material (no sign-in): the signing keys and the revocations."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from .keys import public_jwks
from .models import License


@require_safe
@cache_control(public=True, max_age=300)
def license_keys(request: HttpRequest) -> JsonResponse:
    """``/licenses/keys.json``: the JWKS of every license signing key, public halves only."""
    return JsonResponse(public_jwks(), content_type="application/jwk-set+json")


def revoked_document() -> dict:
    rows = License.objects.filter(revoked_at__isnull=False).order_by("revoked_at", "id")
    return {
        "updated": timezone.now().isoformat(),
        "revoked": [
            {"id": str(pk), "revoked_at": at.isoformat() if at else None}
            for pk, at in rows.values_list("id", "revoked_at")
        ],
    }


@require_safe
@cache_control(public=True, max_age=60)
def license_revocations(request: HttpRequest) -> JsonResponse:
    """``/licenses/revoked.json``: ids of revoked licenses with their revocation time."""
    return JsonResponse(revoked_document())
