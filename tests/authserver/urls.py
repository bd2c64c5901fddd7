from django.contrib.auth import views as auth_views
from django.urls import include, path

from tests.authserver import views

urlpatterns = [
    # Ahead of DOT's own /o/token/: the same view, counted and switchable.
    path("o/token/", views.TokenView.as_view(), name="token"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("test-control/<slug:action>/", views.control, name="test-control"),
]
