"""The data console (Django admin) lists and shows every model of the licensing, enablement and
badges apps to an administrator, and refuses writes to the read-only ones."""

from __future__ import annotations

import pytest
from django.contrib import admin

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("license_key_dir")]

APPS = ("licensing", "enablement", "badges", "assets")


def test_every_model_of_the_new_apps_is_listed_and_shown(administrator, login):
    from channelops.demo.data import demo_people

    demo_people()  # one of (nearly) everything: requests, a license, records, plans, badges
    client = login(administrator)
    seen = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if meta.app_label not in APPS:
            continue
        base = f"/console/admin/{meta.app_label}/{meta.model_name}/"
        assert client.get(base).status_code == 200, base
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            response = client.get(f"{base}{obj.pk}/change/")
            assert response.status_code == 200, base
            seen.append(meta.label_lower)
    assert {"licensing.license", "enablement.practitionerrecord", "badges.badge"} <= set(seen)


def test_read_only_models_refuse_changes_but_the_catalog_is_editable(administrator, login):
    from channelops.enablement.models import Certification

    client = login(administrator)
    assert client.get("/console/admin/licensing/nfrrequest/add/").status_code == 403
    assert client.get("/console/admin/badges/badge/add/").status_code == 403
    cert = Certification.objects.get(slug="solution-architect-core")
    assert client.get(f"/console/admin/enablement/certification/{cert.pk}/change/").status_code == 200
    assert client.get(f"/console/admin/enablement/certification/{cert.pk}/delete/").status_code == 403
