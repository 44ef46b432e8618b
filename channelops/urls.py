from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

from channelops.api import api
from channelops.badges.urls import public_patterns as public_badge_patterns
from channelops.core import views as core_views
from channelops.enablement.views.records import learning_webhook
from channelops.helpdesk.urls import public_patterns as public_help_patterns
from channelops.inbound.urls import public_patterns as inbound_webhook_patterns
from channelops.partners.urls import register_patterns

admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_url = "/console/"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("csp-report", core_views.csp_report, name="csp_report"),
    path("webhooks/learning-system", learning_webhook, name="learning_webhook"),
    path("inbound/", include((inbound_webhook_patterns, "inbound"), namespace="inbound")),
    path("readyz", core_views.readyz, name="readyz"),
    path("accounts/", include("channelops.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("register/", include(register_patterns)),
    path("licenses/", include("channelops.licensing.public_urls")),
    path("badges/", include((public_badge_patterns, "badges"), namespace="badges")),
    path("help/", include((public_help_patterns, "help"), namespace="help")),
    path(
        "newsletter/",
        include(("channelops.communications.public_urls", "newsletter"), namespace="newsletter"),
    ),
    path("portal/", include("channelops.portal.urls")),
    path("console/admin/", admin.site.urls),
    path("console/", include("channelops.console.urls")),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("api/openapi.json", RedirectView.as_view(url="/api/v1/openapi.json", permanent=False)),
]
