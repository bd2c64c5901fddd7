"""Security headers Django 5.2 does not set by itself, and the probe endpoints."""

from urllib.parse import urlsplit

from laifaxin import health, metrics

# Every asset is a local file and no page has inline script: anything else is
# an injection. The admin's own templates use a few inline style attributes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'{admin_styles}; script-src 'self'; "
    "form-action 'self'{form_origins}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def allow_form_posts_to(request, *urls: str) -> None:
    """Let this page's forms lead to ``urls``' origins too. Browsers apply
    form-action to the redirects after a submit: the "Sign in with …" and
    "Reconnect" buttons post to us, and we redirect to the provider's
    authorization page. Only the pages that show such a button name its origin."""
    origins = getattr(request, "form_action_origins", set())
    for url in urls:
        parts = urlsplit(url or "")
        if parts.scheme == "https" and parts.netloc:
            origins.add(f"https://{parts.netloc}")
    request.form_action_origins = origins


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        is_admin = request.path.startswith("/admin/")
        origins = sorted(getattr(request, "form_action_origins", ()))
        response.headers.setdefault(
            "Content-Security-Policy",
            CONTENT_SECURITY_POLICY.format(
                admin_styles=" 'unsafe-inline'" if is_admin else "",
                form_origins="".join(f" {origin}" for origin in origins),
            ),
        )
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        return response


class ProbeMiddleware:
    """Answers /healthz, /readyz and /metrics before every other middleware:
    load balancers probe by IP address and over plain HTTP, so neither
    ALLOWED_HOSTS nor the HTTPS redirect may stand in the way, and a probe
    needs no session, language or login. Metrics keep their own access check
    (laifaxin.metrics)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.routes = {"/healthz": health.healthz, "/readyz": health.readyz, "/metrics": metrics.metrics}

    def __call__(self, request):
        view = self.routes.get(request.path_info.rstrip("/"))
        if view is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        response = view(request)
        response.headers["Cache-Control"] = "no-store"
        return response
