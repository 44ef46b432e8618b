"""Claim pages: ``portal_patterns`` under /portal/mdf/claims/, ``console_patterns`` under
/console/mdf/claims/ (both included with that prefix)."""

from django.urls import path

from . import claim_views as views

portal_patterns = [
    path("", views.portal_claims, name="mdf_claims"),
    path("new/<str:number>/", views.portal_claim_new, name="mdf_claim_new"),
    path("<str:number>/", views.portal_claim, name="mdf_claim"),
    path("<str:number>/files/<int:file_id>/", views.portal_claim_file, name="mdf_claim_file"),
]

console_patterns = [
    path("", views.console_claims, name="mdf_claims"),
    path("<str:number>/", views.console_claim, name="mdf_claim"),
    path("<str:number>/approve/", views.console_claim_approve, name="mdf_claim_approve"),
    path("<str:number>/more-proof/", views.console_claim_more_proof, name="mdf_claim_more_proof"),
    path("<str:number>/reject/", views.console_claim_reject, name="mdf_claim_reject"),
    path("<str:number>/payment/", views.console_claim_payment, name="mdf_claim_payment"),
    path("<str:number>/files/<int:file_id>/", views.console_claim_file, name="mdf_claim_file"),
]
