from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", include("accounts.admin.urls")),
    path("admin/", admin.site.urls),
    path("", include("providers.urls")),
    path("", include("accounts.urls")),
    path("", include("users.urls")),
]
