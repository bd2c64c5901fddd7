"""The production profile, started as an operator would: deploy/Procfile's
processes — gunicorn with two processes, two Celery workers, one beat — on
PostgreSQL (a database of its own) and the suite's Redis, DEBUG off, static
files through WhiteNoise, JSON logs, behind a (simulated) TLS proxy. Then,
over HTTP only: sign up, open the verification link, bind a mailbox on the
suite's Dovecot/Postfix with the wizard, wait for the scheduled re-check, and
read /readyz and /metrics. `check --deploy` is clean with the example
environment (deploy/laifaxin.env.example)."""

from __future__ import annotations

import email
import email.policy
import gzip
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest
import redis
from cryptography.fernet import Fernet
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from tests.mailservers import free_ports
from tests.worker import ROOT

pytestmark = [pytest.mark.production, pytest.mark.mailserver]

PROCFILE = ROOT / "deploy" / "Procfile"
EXAMPLE_ENV = ROOT / "deploy" / "laifaxin.env.example"
# Built at run time: no source line a log might quote contains it.
MAILBOX_PASSWORD = "-".join(["prod"] * 4)
PORTAL_PASSWORD = "a long production passphrase 42"
CLIENT = "203.0.113.7"  # the user's address, as the TLS proxy reports it


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip().removeprefix('"').removesuffix('"')
    return values


def procfile() -> dict[str, str]:
    return dict(line.split(": ", 1) for line in PROCFILE.read_text().splitlines() if line and not line.startswith("#"))


def production_environment(**overrides) -> dict[str, str]:
    """The process environment of a production host: none of the test run's
    own switches, the virtualenv first on PATH (as a platform's image has it)."""
    dropped = {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_TASK_ALWAYS_EAGER"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith(("PYTEST", "REDIS_URL"))}
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}"
    env.update(overrides)
    return env


def secrets_for_production() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "METRICS_TOKEN": secrets.token_urlsafe(32),
    }


def test_check_deploy_is_clean_with_the_example_environment(tmp_path):
    # As the operator runs it: deploy/manage.sh sources the environment file
    # (the same file systemd reads), here with the secrets filled in.
    env_file = tmp_path / "laifaxin.env"
    filled = secrets_for_production()
    lines = [
        f"{line.partition('=')[0]}={filled[line.partition('=')[0]]}" if line.partition("=")[0] in filled else line
        for line in EXAMPLE_ENV.read_text().splitlines()
    ]
    env_file.write_text("\n".join(lines) + "\n")
    result = subprocess.run(
        [str(ROOT / "deploy" / "manage.sh"), "check", "--deploy", "--fail-level", "WARNING"],
        cwd=tmp_path,
        env=production_environment(LAIFAXIN_ENV=str(env_file)),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_example_environment_names_only_settings_the_portal_reads():
    documented = set(read_env_file(ROOT / ".env.example"))
    assert set(read_env_file(EXAMPLE_ENV)) <= documented


# -- the running profile ---------------------------------------------------------


class Browser:
    """HTTP only, like a user's browser behind the TLS proxy: cookies, CSRF
    tokens from the forms, and the proxy's X-Forwarded-* headers."""

    def __init__(self, port: int):
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method, path, *, form=None, headers=None, proxy=True):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Host": self.host, "Accept-Language": "zh-hans", **(headers or {})}
        if proxy:
            sent.update({"X-Forwarded-For": CLIENT, "X-Forwarded-Proto": "https"})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = f"https://{self.host}"
            sent["Referer"] = f"https://{self.host}{path}"
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        content = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        assert response.status < 500, (method, path, response.status, content[:2000])
        return response, content

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def open(self, path) -> tuple[str, str]:
        """GET a page, following redirects: where it ended, and its text."""
        response, content = self.get(path)
        while response.status in (301, 302):
            path = response.getheader("Location")
            response, content = self.get(path)
        assert response.status == 200, (path, response.status)
        return path, content.decode()

    def page(self, path) -> str:
        return self.open(path)[1]

    def post(self, path, form) -> str:
        """Fill in the form of the page at ``path`` and send it, as a browser
        does: its hidden fields (CSRF token, the wizard's step) included; then
        follow the redirect. The resulting page's text."""
        page = self.page(path)
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
        response, content = self.request("POST", path, form={**hidden, **form})
        if response.status in (301, 302):
            return self.page(response.getheader("Location"))
        return content.decode()


class Profile:
    def __init__(self, directory: Path, env: dict[str, str]):
        self.dir = directory
        self.env = env
        self.commands = procfile()
        self.processes: dict[str, subprocess.Popen] = {}

    def run(self, name: str) -> None:
        result = subprocess.run(
            ["bash", "-c", self.commands[name]], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def start(self, name: str, command: str, **env) -> None:
        log = (self.dir / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            ["bash", "-c", self.commands[command]],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self, name: str) -> str:
        return (self.dir / f"{name}.log").read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(self.log(name) for name in self.processes)

    def stop(self) -> dict[str, int | None]:
        codes = {}
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                codes[name] = process.wait(timeout=10)
        return codes


def wait_for(predicate, timeout, what, diagnostics=lambda: ""):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{diagnostics()}")
        time.sleep(0.5)


@pytest.fixture
def production_database(django_db_setup, django_db_blocker):
    """A database of this run's own, next to the test database (never a fixed name)."""
    settings_dict = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.fail("the production profile runs on PostgreSQL: set DATABASE_URL")
    name = f"{settings_dict['NAME']}_prod_{uuid.uuid4().hex[:8]}"
    params = {
        "host": settings_dict["HOST"] or "127.0.0.1",
        "port": settings_dict["PORT"] or 5432,
        "user": settings_dict["USER"],
        "password": settings_dict["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    credentials = settings_dict["USER"] + (f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else "")
    try:
        yield f"postgres://{credentials}@{params['host']}:{params['port']}/{name}"
    finally:
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def profile(production_database, mail_servers):
    from django.conf import settings

    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        pytest.fail("the production profile runs on Redis: set REDIS_URL")
    directory = Path(tempfile.mkdtemp(prefix="laifaxin-production-"))
    (directory / "mail").mkdir()
    (port,) = free_ports(1)
    queue = f"production-{uuid.uuid4().hex[:8]}"
    env = production_environment(
        **secrets_for_production(),
        DEBUG="False",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=production_database,
        CELERY_BROKER_URL=broker,
        CELERY_QUEUE=queue,
        CACHE_URL=broker,
        EMAIL_URL=f"filemail:///{directory / 'mail'}",
        SITE_URL=f"https://127.0.0.1:{port}",
        STATIC_ROOT=str(directory / "static"),
        TRUSTED_PROXY_COUNT="1",
        LOG_FORMAT="json",
        PORT=str(port),
        WEB_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        WORKER_CONCURRENCY="4",
        BEAT_SCHEDULE_FILE=str(directory / "celerybeat-schedule"),
        MAILBOX_CA_FILE=mail_servers.ca_file,
        MAILBOX_ALLOW_PRIVATE_HOSTS="True",
        # A re-check right after the first one, and the clocks of the test's minutes.
        MAILBOX_CHECK_INTERVAL_MINUTES="0",
        MAILBOX_CHECK_JITTER_MINUTES="0",
        MAILBOX_DISPATCH_EVERY_SECONDS="2",
        MAILBOX_NOTIFY_EVERY_SECONDS="2",
        HEARTBEAT_SECONDS="2",
    )
    running = Profile(directory, env)
    client = redis.Redis.from_url(broker)
    # The profile's cache (Django's ":1:" keys) shares the suite's Redis DB,
    # where nothing else keeps a cache: the hourly sign-up limit of an earlier
    # run must not refuse this one.
    clear_cache = lambda: [client.delete(key) for key in client.scan_iter(":1:*")]  # noqa: E731
    clear_cache()
    try:
        running.run("release")
        running.start("web", "web")
        running.start("worker1", "worker", WORKER_NAME="w1")
        running.start("worker2", "worker", WORKER_NAME="w2")
        running.start("beat", "beat")
        yield running
    finally:
        running.codes = running.stop()
        client.delete(queue)
        clear_cache()
        shutil.rmtree(directory, ignore_errors=True)


def verification_link(directory: Path) -> str:
    for path in (directory / "mail").iterdir():
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if raw.strip():
                message = email.message_from_bytes(raw, policy=email.policy.default)
                text = message.get_body(("plain",)).get_content()
                found = re.search(r"https://[^\s]+/signup/verify/[^\s/]+/", text)
                if found:
                    return urlsplit(found.group(0)).path
    return ""


def scrape(browser: Browser, token: str) -> dict:
    response, content = browser.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200, content
    samples = {}
    for family in text_string_to_metric_families(content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_the_production_profile_serves_checks_and_reports_on_itself(profile, mail_servers):
    browser = Browser(int(profile.env["PORT"]))
    wait_for(
        lambda: _answers(browser, "/healthz"),
        timeout=90,
        what="gunicorn to answer",
        diagnostics=lambda: profile.log("web"),
    )
    # Two gunicorn processes serve, by the master's own account.
    wait_for(lambda: profile.log("web").count("Booting worker with pid") >= 2, 30, "two web processes", profile.logs)

    # Static files: hashed names, compressed, cached for good, from the web process.
    home = browser.page("/")
    assert "来发信" in home
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', home).group(1)
    response, body = browser.get(stylesheet, headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert "immutable" in response.getheader("Cache-Control")
    assert b"{" in gzip.decompress(body)

    # Sign up, then open the link of the verification email.
    username = f"prod{uuid.uuid4().hex[:6]}"
    page = browser.post(
        "/signup/",
        {
            "username": username,
            "email": f"{username}@example.org",
            "password1": PORTAL_PASSWORD,
            "password2": PORTAL_PASSWORD,
        },
    )
    assert "添加" in page
    link = wait_for(lambda: verification_link(profile.dir), 30, "the verification email")
    assert f"{username}@example.org 已确认" in browser.page(link)

    # Bind a mailbox on the suite's Dovecot/Postfix, typed by hand in the wizard.
    address = mail_servers.unique_address("prod")
    mail_servers.add_user(address, MAILBOX_PASSWORD)
    # "Add a mailbox" leads to the wizard's first step; the others are beside it.
    first, _ = browser.open(re.search(r'href="(/mailboxes/add/[^"]*)"', browser.page("/mailboxes/")).group(1))
    first = urlsplit(first).path
    assert first.endswith("/address/"), first
    base = first.removesuffix("address/")

    def step(name, data):
        return browser.post(f"{base}{name}/", {f"{name}-{k}": v for k, v in data.items()})

    step("address", {"address": address})
    step("provider", {"provider": "other"})
    step(
        "servers",
        {
            "imap_host": mail_servers.host,
            "imap_port": mail_servers.imap_port,
            "imap_security": "ssl",
            "smtp_host": mail_servers.host,
            "smtp_port": mail_servers.smtp_ssl_port,
            "smtp_security": "ssl",
            "username": "",
        },
    )
    step("prerequisites", {"confirmed": "on"})
    step("generate", {"confirmed": "on"})
    page = browser.post(f"{base}check/", {"password": MAILBOX_PASSWORD})
    assert f"{address} 已接入，状态正常。" in page
    account_path = re.search(r'href="(/mailboxes/\d+/)"', page).group(1)

    # The beat dispatches, a worker re-checks: the history shows a scheduled check.
    wait_for(lambda: "定时检查" in browser.page(account_path), 90, "a scheduled re-check", profile.logs)

    # /readyz: everything answers, both workers beat, the beat dispatches.
    response, content = browser.get("/readyz", proxy=False)
    ready = json.loads(content)
    assert response.status == 200, ready
    assert ready["checks"]["worker"]["alive"] == 2
    assert ready["checks"]["beat"]["ok"] is True
    assert ready["checks"]["migrations"] == {"ok": True, "pending": 0}

    # /metrics: refused without the token from the user's address, counted with it.
    assert browser.get("/metrics")[0].status == 403
    metrics = scrape(browser, profile.env["METRICS_TOKEN"])
    assert metrics[("laifaxin_checks", (("outcome", "ok"), ("provider", "other"), ("trigger", "wizard")))] == 1
    assert metrics[("laifaxin_checks", (("outcome", "ok"), ("provider", "other"), ("trigger", "schedule")))] >= 1
    assert metrics[("laifaxin_workers_alive", ())] == 2
    assert 0 <= metrics[("laifaxin_beat_last_dispatch_seconds", ())] < 30
    assert metrics[("laifaxin_claims_expired", ())] == 0

    # Every process stops cleanly on SIGTERM, and no log holds a password or an error.
    codes = profile.stop()
    assert codes == {"web": 0, "worker1": 0, "worker2": 0, "beat": 0}, profile.logs()
    logs = profile.logs()
    for secret in (MAILBOX_PASSWORD, MAILBOX_PASSWORD.replace("-", ""), PORTAL_PASSWORD):
        assert secret not in logs
    # JSON logs: every line of gunicorn and the portal is one object; Celery's
    # start-up banner (stdout, before logging starts) is the only text.
    web_lines = [line for line in profile.log("web").splitlines() if line.strip()]
    assert web_lines and all(line.startswith("{") for line in web_lines), web_lines[:5]
    records = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert records and not [r for r in records if r["level"] in ("ERROR", "CRITICAL")]
    assert "Traceback" not in logs


def _answers(browser: Browser, path: str) -> bool:
    try:
        return browser.get(path, proxy=False)[0].status == 200
    except OSError:
        return False
