from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from users.language import set_language

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    # Before Django's own i18n URLs: switching also stores the choice on the profile.
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", include("accounts.admin.urls")),
    path("admin/", admin.site.urls),
    path("", include("providers.urls")),
    path("", include("accounts.urls")),
    path("", include("users.urls")),
]
