"""The portal users' own log-in (not namespaced: settings.LOGIN_URL = "login")."""

from django.contrib.auth import views as auth_views
from django.urls import path

from users import views

urlpatterns = [
    path("signup/", views.SignupView.as_view(), name="signup"),
    path("signup/verify/<str:token>/", views.verify_email, name="verify_email"),
    path("signup/verify-again/", views.resend_verification, name="resend_verification"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", views.ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
