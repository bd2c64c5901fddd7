from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from accounts.admin import provider_health_view
from accounts.urls import auth_urlpatterns

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "admin/providers-health/",
        admin.site.admin_view(provider_health_view),
        name="provider_health",
    ),
    path("admin/", admin.site.urls),
    path("", include("providers.urls")),
    path("", include("accounts.urls")),
    path("", include(auth_urlpatterns)),
]
