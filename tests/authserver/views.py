"""The token endpoint with switchable outages, and the suite's control API."""

import hmac
import json
import logging
import os
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as dot_views
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken, set_token_value
from oauth2_provider.settings import oauth2_settings

from tests.authserver import env, state

log = logging.getLogger("tests.authserver")


class TokenView(dot_views.TokenView):
    """DOT's token endpoint, counted by grant type, and down when the suite says so."""

    def post(self, request, *args, **kwargs):
        grant_type = request.POST.get("grant_type", "")
        state.count(grant_type)
        with state.lock:
            outage, hang = state.outage, state.hang_seconds
        if outage == "503":
            response = JsonResponse(
                {"error": "temporarily_unavailable", "error_description": "The service is temporarily unavailable."},
                status=503,
            )
            response["Retry-After"] = "30"
            return response
        if outage == "429":
            response = JsonResponse(
                {"error": "temporarily_unavailable", "error_description": "Too many requests."}, status=429
            )
            response["Retry-After"] = "30"
            return response
        if outage == "500":
            return JsonResponse({"error": "server_error", "error_description": "Internal error."}, status=500)
        if outage == "502-html":
            return HttpResponse(
                "<html><body><h1>502 Bad Gateway</h1></body></html>", status=502, content_type="text/html"
            )
        if outage == "hang":
            time.sleep(hang)
        return super().post(request, *args, **kwargs)


# ---------------------------------------------------------------------------
# Control API
# ---------------------------------------------------------------------------


def _portal_application() -> Application:
    return Application.objects.get(client_id=os.environ[env.PORTAL_CLIENT_ID])


def _user(email: str):
    return get_user_model().objects.get(username=email.lower())


def _id_token(user, application: Application, nonce: str | None) -> str:
    from jwcrypto import jwk, jwt

    key = jwk.JWK.from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY.encode())
    now = int(time.time())
    claims = {
        "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
        "sub": str(user.pk),
        "aud": application.client_id,
        "iat": now,
        "auth_time": now,
        "exp": now + oauth2_settings.ID_TOKEN_EXPIRE_SECONDS,
        "email": user.email,
        "preferred_username": user.email,
    }
    if nonce:
        claims["nonce"] = nonce
    token = jwt.JWT(header={"alg": "RS256", "kid": key.thumbprint()}, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


def _create_user(data):
    email = data["email"].lower()
    user, _ = get_user_model().objects.update_or_create(username=email, defaults={"email": email})
    user.set_password(data["password"])
    user.save()
    return {"email": email}


def _revoke_user(data):
    """What "remove this app's access" does at Microsoft or Google: every token and grant goes."""
    user = _user(data["email"])
    counts = {
        "refresh_tokens": RefreshToken.objects.filter(user=user).delete()[0],
        "access_tokens": AccessToken.objects.filter(user=user).delete()[0],
        "grants": Grant.objects.filter(user=user).delete()[0],
        "id_tokens": IDToken.objects.filter(user=user).delete()[0],
    }
    return counts


def _outage(data):
    kind = data.get("kind")
    if kind is not None and kind not in state.OUTAGE_KINDS:
        raise ValueError(f"outage kind must be one of {state.OUTAGE_KINDS} or null")
    with state.lock:
        state.outage = kind
        state.hang_seconds = float(data.get("seconds", 30))
    return {"outage": kind}


def _expire_access_tokens(data):
    past = timezone.now() - timedelta(seconds=1)
    return {"expired": AccessToken.objects.filter(user=_user(data["email"])).update(expires=past)}


def _token_requests(data):
    with state.lock:
        return {"counts": dict(state.token_requests)}


def _mint_tokens(data):
    user = _user(data["email"])
    application = _portal_application()
    expires_in = int(data.get("expires_in") or state.access_token_seconds)
    scope = data.get("scope") or "openid email mail offline_access"
    length = int(data.get("token_length") or state.token_length)
    access_value, refresh_value = state.make_token(length), state.make_token(length)
    access = AccessToken(
        user=user, application=application, scope=scope, expires=timezone.now() + timedelta(seconds=expires_in)
    )
    set_token_value(access, access_value)
    access.save()
    refresh = RefreshToken(user=user, application=application, access_token=access)
    set_token_value(refresh, refresh_value)
    refresh.save()
    tokens = {
        "access_token": access_value,
        "refresh_token": refresh_value,
        "expires_in": expires_in,
        "token_type": "Bearer",
        "scope": scope,
    }
    if "openid" in scope.split():
        tokens["id_token"] = _id_token(user, application, data.get("nonce"))
    return tokens


def _redirect_uris(data):
    uris = list(data["uris"])
    Application.objects.filter(pk=_portal_application().pk).update(redirect_uris=" ".join(uris))
    return {"redirect_uris": uris}


def _settings(data):
    with state.lock:
        if "access_token_seconds" in data:
            state.access_token_seconds = int(data["access_token_seconds"])
        if "token_length" in data:
            state.token_length = int(data["token_length"] or state.DEFAULT_TOKEN_LENGTH)
        return {
            "access_token_seconds": state.access_token_seconds,
            "token_length": state.token_length,
        }


def _reset(data):
    state.reset(settings.ACCESS_TOKEN_SECONDS)
    return {"reset": True}


ACTIONS = {
    "ping": lambda data: {"ok": True},
    "users": _create_user,
    "revoke-user": _revoke_user,
    "outage": _outage,
    "expire-access-tokens": _expire_access_tokens,
    "token-requests": _token_requests,
    "mint-tokens": _mint_tokens,
    "redirect-uris": _redirect_uris,
    "settings": _settings,
    "reset": _reset,
}


@csrf_exempt
def control(request, action):
    secret = os.environ[env.CONTROL_SECRET]
    if not hmac.compare_digest(request.headers.get(env.CONTROL_HEADER, ""), secret):
        return JsonResponse({"error": "forbidden"}, status=403)
    handler = ACTIONS.get(action)
    if handler is None:
        return JsonResponse({"error": f"unknown action {action!r}"}, status=404)
    try:
        data = json.loads(request.body or b"{}")
        return JsonResponse(handler(data))
    except (KeyError, ValueError, TypeError, get_user_model().DoesNotExist, Application.DoesNotExist) as error:
        return JsonResponse({"error": f"{type(error).__name__}: {error}"}, status=400)
