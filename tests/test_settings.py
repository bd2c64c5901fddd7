import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    # A production process: none of the test run's own switches (the browser
    # tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright in this process).
    dropped = {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in dropped}
    full_env.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True)


PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "s" * 20 + "-a-long-random-production-secret-key-0123456789",
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "portal.laifaxin.example",
    "DATABASE_URL": "sqlite:////tmp/laifaxin-deploy-check.sqlite3",
}


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_an_encryption_key():
    env = dict(PRODUCTION)
    del env["FIELD_ENCRYPTION_KEY"]
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = dict(PRODUCTION)
    del env["SECRET_KEY"]
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_malformed_encryption_key_is_reported_clearly():
    result = _manage("check", **{**PRODUCTION, "FIELD_ENCRYPTION_KEY": "not-a-key"})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is malformed" in result.stderr


def test_debug_is_off_unless_set():
    env = {k: v for k, v in PRODUCTION.items() if k != "DEBUG"}
    result = _manage("shell", "-c", "from django.conf import settings; print('DEBUG', settings.DEBUG)", **env)
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout


def test_without_debug_there_is_no_development_secret_key():
    result = _manage(
        "check",
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        DATABASE_URL="sqlite:////tmp/laifaxin-deploy-check.sqlite3",
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_the_debug_page_blanks_passwords_even_in_unmarked_functions(rf):
    import sys as _sys

    from django.views.debug import technical_500_response

    def careless_view(new_password, app_password, token):
        raise RuntimeError("boom")

    # Built at run time, so the page's source excerpts can't contain them.
    secrets = ["-".join([word] * 4) for word in ("qrst", "wxyz")] + ["ya29." + "t" * 12]
    request = rf.post("/mailboxes/add/check/", {"password": secrets[0]})
    try:
        careless_view(*secrets)
    except RuntimeError:
        page = technical_500_response(request, *_sys.exc_info()).content.decode()
    assert "boom" in page and "careless_view" in page
    for secret in secrets:
        assert secret not in page


def _oauth2_clients(**env):
    script = "import json; from django.conf import settings; print(json.dumps(settings.OAUTH2_CLIENTS))"
    result = _manage("shell", "-c", script, **PRODUCTION, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_oauth2_app_configured_means_no_clients():
    assert _oauth2_clients() == {}


def test_oauth2_clients_are_keyed_by_the_catalogs_issuers_and_only_when_an_id_is_set():
    microsoft = {"OAUTH2_MICROSOFT_CLIENT_ID": "ms-id", "OAUTH2_MICROSOFT_CLIENT_SECRET": "ms-secret"}
    google = {"OAUTH2_GOOGLE_CLIENT_ID": "g-id", "OAUTH2_GOOGLE_CLIENT_SECRET": "g-secret"}

    assert _oauth2_clients(**microsoft, OAUTH2_GOOGLE_CLIENT_SECRET="orphan secret") == {
        "login.microsoftonline.com": {"client_id": "ms-id", "client_secret": "ms-secret"}
    }
    assert _oauth2_clients(**microsoft, **google) == {
        "login.microsoftonline.com": {"client_id": "ms-id", "client_secret": "ms-secret"},
        "accounts.google.com": {"client_id": "g-id", "client_secret": "g-secret"},
    }
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **microsoft, **google)
    assert result.returncode == 0, result.stdout + result.stderr
