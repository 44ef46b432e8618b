from django.urls import include, path

from channelops.accounts.urls import console_patterns as access_patterns
from channelops.agreements.urls import console_patterns as agreement_patterns
from channelops.assets.urls import console_patterns as asset_patterns
from channelops.badges.urls import console_patterns as badge_patterns
from channelops.communications.console_urls import urlpatterns as communications_patterns
from channelops.crm.urls import console_patterns as crm_patterns
from channelops.enablement.urls import console_patterns as enablement_patterns
from channelops.inbound.urls import console_patterns as inbound_patterns
from channelops.insight.urls import console_patterns as insight_patterns
from channelops.licensing.urls import console_patterns as nfr_patterns
from channelops.licensing.urls import license_console_patterns
from channelops.mdf.budget_urls import console_patterns as mdf_budget_patterns
from channelops.mdf.claim_urls import console_patterns as mdf_claim_patterns
from channelops.mdf.urls import console_patterns as mdf_patterns
from channelops.notifications.urls import console_patterns as notification_patterns
from channelops.partners.urls import console_patterns as application_patterns
from channelops.webhooks.urls import console_patterns as webhook_patterns
from channelops.work.urls import console_patterns as work_patterns

from . import views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("partners/", views.directory, name="directory"),
    path("partners/export.<str:fmt>", views.directory_export, name="directory_export"),
    path("partners/search", views.partner_search, name="partner_search"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit/", views.partner_edit, name="partner_edit"),
    path("", include(agreement_patterns)),
    path("", include(application_patterns)),
    path("", include(work_patterns)),
    path("", include(nfr_patterns)),
    path("", include(license_console_patterns)),
    path("", include(notification_patterns)),
    path("", include(access_patterns)),
    path("", include(enablement_patterns)),
    path("", include(badge_patterns)),
    path("", include(insight_patterns)),
    path("", include("channelops.helpdesk.urls")),
    path("", include(webhook_patterns)),
    path("", include(asset_patterns)),
    path("", include(mdf_patterns)),
    path("mdf/claims/", include(mdf_claim_patterns)),
    path("communications/", include(communications_patterns)),
    path("", include(crm_patterns)),
    path("", include(inbound_patterns)),
    path("", include(mdf_budget_patterns)),
    path("search/", views.search, name="search"),
    path("queues/", views.queues, name="queues"),
    path("queues/<slug:key>/", views.queue_detail, name="queue_detail"),
    path("outbox/dead/", views.dead_letters, name="dead_letters"),
    path("outbox/dead/<int:pk>/retry/", views.dead_letter_retry, name="dead_letter_retry"),
]
