from django.urls import include, path

from channelops.agreements.urls import portal_patterns as agreement_patterns
from channelops.assets.urls import portal_patterns as asset_patterns
from channelops.badges.urls import portal_patterns as badge_patterns
from channelops.communications.portal_urls import urlpatterns as communications_patterns
from channelops.enablement.urls import portal_patterns as enablement_patterns
from channelops.helpdesk.urls import portal_patterns as help_patterns
from channelops.licensing.urls import license_portal_patterns
from channelops.licensing.urls import portal_patterns as nfr_patterns
from channelops.mdf.budget_urls import portal_patterns as mdf_budget_patterns
from channelops.mdf.claim_urls import portal_patterns as mdf_claim_patterns
from channelops.mdf.urls import portal_patterns as mdf_patterns
from channelops.notifications.urls import portal_patterns as notification_patterns
from channelops.work.urls import portal_patterns as work_patterns

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("agreements/", include(agreement_patterns)),
    path("work/", include(work_patterns)),
    path("nfr/", include(nfr_patterns)),
    path("licenses/", include(license_portal_patterns)),
    path("enablement/", include(enablement_patterns)),
    path("badges/", include(badge_patterns)),
    path("help/", include(help_patterns)),
    path("assets/", include(asset_patterns)),
    path("mdf/", include(mdf_patterns)),
    path("", include(mdf_budget_patterns)),
    path("mdf/claims/", include(mdf_claim_patterns)),
    path("communications/", include(communications_patterns)),
    path("", include(notification_patterns)),
    path("search/", views.search, name="search"),
    path("company/", views.company, name="company"),
    path("users/", views.users, name="users"),
    path("users/invite/", views.user_invite, name="user_invite"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/invitation/resend/", views.user_invitation_resend, name="user_invitation_resend"),
    path("users/<int:pk>/invitation/cancel/", views.user_invitation_cancel, name="user_invitation_cancel"),
]
