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
