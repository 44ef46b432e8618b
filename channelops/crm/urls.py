from django.urls import path

from channelops.core.pages import staff_required

from . import views

# Under /console/ (included by channelops/console/urls.py).
console_patterns = [
    path("crm/", staff_required(views.crm_home), name="crm"),
    path("crm/conflicts/<int:pk>/resolve/", staff_required(views.resolve.view), name="crm_conflict_resolve"),
]
