"""Enablement pages: ``portal_patterns`` (under /portal/enablement/), ``console_patterns`` (under /console/)."""

from django.urls import path  # noqa: F401

from channelops.core.pages import staff_required

from .views import awards as views_awards
from .views import plans as views_plans
from .views import records as views_records

portal_patterns: list = [
    # plans (views/plans.py)
    path("", views_plans.portal_enablement_home, name="enablement_home"),
    path("plan/", views_plans.portal_enablement_plan, name="enablement_plan"),
    path("plan/<int:pk>/", views_plans.portal_enablement_plan_entry, name="enablement_plan_entry"),
    path(
        "plan/<int:pk>/remove/",
        views_plans.portal_enablement_plan_entry_remove,
        name="enablement_plan_entry_remove",
    ),
    path("business-plan/", views_plans.portal_business_plan, name="business_plan"),
    path(
        "business-plan/v<int:version>/",
        views_plans.portal_business_plan_version,
        name="business_plan_version",
    ),
    # practitioners (views/records.py)
    path("people/", views_records.PortalPractitioners.as_view(), name="practitioners"),
    # partner certifications (views/awards.py)
    path("certifications/", views_awards.portal_partner_certifications, name="partner_certifications"),
    path(
        "certifications/<slug:slug>/join/",
        views_awards.portal_partner_certification_join,
        name="partner_certification_join",
    ),
    path(
        "certifications/<slug:slug>/candidates/",
        views_awards.portal_trainer_candidate_add,
        name="ctp_candidate_add",
    ),
]

console_patterns: list = [
    # plans (views/plans.py)
    path("enablement/plans/", views_plans.ConsolePlans.as_view(), name="plans"),
    path("enablement/plans/<int:partner_id>/", views_plans.console_plan_detail, name="plan_detail"),
    path("enablement/plans/<int:partner_id>/accept/", views_plans.console_plan_accept, name="plan_accept"),
    path("enablement/plans/<int:partner_id>/return/", views_plans.console_plan_return, name="plan_return"),
    # certification catalog and practitioner imports (views/records.py); "import" before "<slug>"
    path("certifications/", views_records.ConsoleCertifications.as_view(), name="certifications"),
    path("certifications/import/", views_records.console_import, name="certification_import"),
    path(
        "certifications/import/<int:pk>/", views_records.console_import_run, name="certification_import_run"
    ),
    path(
        "certifications/import/<int:pk>/valid-rows/",
        staff_required(views_records.import_valid_rows.view),
        name="certification_import_valid_rows",
    ),
    path("certifications/<slug:slug>/", views_records.console_certification, name="certification"),
    # partner certifications (views/awards.py)
    path(
        "partner-certifications/",
        views_awards.ConsolePartnerCertifications.as_view(),
        name="partner_certifications",
    ),
    path(
        "partner-certifications/partners/<int:partner_id>/",
        views_awards.console_partner_certifications_partner,
        name="partner_certifications_partner",
    ),
    path(
        "partner-certifications/partners/<int:partner_id>/<slug:slug>/invite/",
        views_awards.console_partner_certification_invite,
        name="partner_certification_invite",
    ),
    path(
        "partner-certifications/status/<int:pk>/review/",
        views_awards.console_partner_certification_review,
        name="partner_certification_review",
    ),
]
