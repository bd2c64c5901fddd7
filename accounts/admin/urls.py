"""Support pages beside the ModelAdmins, under /admin/ (included from laifaxin/urls.py)."""

from django.contrib import admin
from django.urls import path

from accounts.admin.health import provider_health_view

urlpatterns = [
    path("providers-health/", admin.site.admin_view(provider_health_view), name="provider_health"),
]
