"""MDF pages: the portal's under /portal/mdf/ (``portal_patterns``), the console's under
/console/mdf/ (``console_patterns``). Proposals (views_portal.py, views_console.py); the claims and
budgets pages add their own patterns to these lists."""

from django.urls import path

from . import views_console, views_portal

portal_patterns = [
    path("", views_portal.portal_proposals, name="mdf"),
    path("new/", views_portal.portal_proposal_new, name="mdf_proposal_new"),
    path("<int:pk>/", views_portal.portal_proposal, name="mdf_proposal"),
    path("<int:pk>/edit/", views_portal.portal_proposal_edit, name="mdf_proposal_edit"),
    path("<int:pk>/send/", views_portal.portal_proposal_send, name="mdf_proposal_send"),
    path("<int:pk>/withdraw/", views_portal.portal_proposal_withdraw, name="mdf_proposal_withdraw"),
]

console_patterns = [
    path("mdf/", views_console.console_proposals, name="mdf"),
    path("mdf/<int:pk>/", views_console.console_proposal, name="mdf_proposal"),
    path("mdf/<int:pk>/align/", views_console.console_proposal_align, name="mdf_proposal_align"),
    path(
        "mdf/<int:pk>/cam-changes/", views_console.console_proposal_cam_return, name="mdf_proposal_cam_return"
    ),
    path("mdf/<int:pk>/comment/", views_console.console_proposal_comment, name="mdf_proposal_comment"),
    path("mdf/<int:pk>/changes/", views_console.console_proposal_changes, name="mdf_proposal_changes"),
    path("mdf/<int:pk>/approve/", views_console.console_proposal_approve, name="mdf_proposal_approve"),
    path("mdf/<int:pk>/reject/", views_console.console_proposal_reject, name="mdf_proposal_reject"),
]
