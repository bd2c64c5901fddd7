"""A test-only OAuth2 / OpenID Connect authorization server (django-oauth-toolkit).

Its own Django project (settings module ``tests.authserver.settings``, its own
SQLite database in a temporary directory, never the portal's), run by gunicorn
over HTTPS on 127.0.0.1 by the ``oauth_server`` fixture of tests/oauthserver.py,
which documents how the suite uses it. Nothing here is imported by the test
process itself, apart from the plain-Python constants in ``tests.authserver.env``.

Endpoints (under ``https://127.0.0.1:<port>``):

``/o/authorize/``  authorization code grant, PKCE required and ``S256`` only.
``/o/token/``      token endpoint (code, refresh_token); outages switchable.
``/o/revoke_token/``  RFC 7009, client authentication required.
``/o/introspect/``    RFC 7662, for Dovecot (HTTP basic auth of the "dovecot" client).
``/o/.well-known/openid-configuration``, ``/o/.well-known/jwks.json``, ``/o/userinfo/``.
``/accounts/login/``  the sign-in page (email address + password).
``/test-control/<action>/``  the suite's control API (header ``X-Test-Control``).
"""
