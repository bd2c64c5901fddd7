"""The provider health page: is one provider failing, and since when?"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutcomeChoice, Status, Trigger, VerificationAttempt
from tests.factories import MailboxAccountFactory, ProviderFactory, UserFactory
from users.models import Profile

HEALTH = reverse("provider_health")


@pytest.fixture
def support_client(client, support):
    # A support engineer who reads the admin in English (stored, as a switch stores it).
    Profile.objects.filter(user=support).update(language="en")
    client.force_login(support)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def row_of(html: str, slug: str) -> str:
    match = re.search(rf'<tr class="[^"]*" id="provider-{slug}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {slug}"
    return match.group(0)


def attempts(account, outcome, count, ago):
    VerificationAttempt.objects.bulk_create(
        VerificationAttempt(account=account, started_at=timezone.now() - ago, trigger=Trigger.SCHEDULE, outcome=outcome)
        for _ in range(count)
    )


def test_it_counts_accounts_by_status_and_checks_by_outcome_per_window(support_client):
    provider = ProviderFactory(slug="icloudish")
    ok = MailboxAccountFactory(provider=provider, status=Status.ACTIVE)
    MailboxAccountFactory(provider=provider, status=Status.ACTIVE)
    flagged = MailboxAccountFactory(provider=provider, status=Status.AUTH_FAILED)
    attempts(ok, OutcomeChoice.OK, 4, timedelta(hours=2))
    attempts(flagged, OutcomeChoice.AUTH_FAILED, 2, timedelta(hours=3))
    attempts(ok, OutcomeChoice.TIMEOUT, 5, timedelta(days=3))
    attempts(ok, OutcomeChoice.OK, 9, timedelta(days=9))  # outside both windows

    row = row_of(support_client.get(HEALTH).content.decode(), "icloudish")

    assert "3 accounts" in row
    assert "Active: 2" in row and "Password no longer works: 1" in row
    day, week = re.findall(r"<td>\s*(\d+ checks.*?)</td>", row, re.S)
    assert "6 checks" in day and "2 failed (33%)" in day and "Credential rejected: 2" in day
    assert "Timed out" not in day
    assert "11 checks" in week and "7 failed (64%)" in week and "Timed out: 5" in week


def test_a_degraded_provider_is_highlighted_first(support_client):
    MailboxAccountFactory(provider=ProviderFactory(slug="healthy", position=1))
    ProviderFactory(slug="sick", position=2, degraded_since=timezone.now() - timedelta(minutes=30))

    html = support_client.get(HEALTH).content.decode()

    assert 'class="degraded" id="provider-sick"' in html
    assert "Degraded since" in row_of(html, "sick")
    assert "Degraded since" not in row_of(html, "healthy")
    assert html.index('id="provider-sick"') < html.index('id="provider-healthy"')


def test_the_charts_are_inline_svg_with_a_red_bar_for_failures(support_client):
    provider = ProviderFactory(slug="charted")
    account = MailboxAccountFactory(provider=provider)
    attempts(account, OutcomeChoice.OK, 3, timedelta(minutes=5))
    attempts(account, OutcomeChoice.AUTH_FAILED, 1, timedelta(minutes=5))

    html = support_client.get(HEALTH).content.decode()
    row = row_of(html, "charted")

    assert row.count("<svg") == 2
    assert 'class="failed"' in row and "4 checks, 1 failed" in row
    assert "<script src" not in html.replace('src="/static/', "")  # nothing from a CDN


def test_hand_entered_servers_get_their_own_row(support_client):
    MailboxAccountFactory(provider=None, imap_host="imap.self.test", smtp_host="smtp.self.test")

    row = row_of(support_client.get(HEALTH).content.decode(), "other")

    assert "1 account" in row


def test_the_admin_index_links_to_the_health_page(support_client):
    html = support_client.get(reverse("admin:index")).content.decode()

    assert f'href="{HEALTH}"' in html


def test_staff_without_the_view_right_are_refused(client, db):
    client.force_login(UserFactory(username="bare-staff", is_staff=True))

    assert client.get(HEALTH).status_code == 403


def test_users_who_are_not_staff_are_sent_to_the_admin_login(client, stranger):
    client.force_login(stranger)

    response = client.get(HEALTH)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_providers_without_accounts_or_checks_share_one_line(support_client):
    ProviderFactory(slug="unused", name_en="Unused Mail", name_zh="没人用")
    MailboxAccountFactory(provider=ProviderFactory(slug="used"))

    html = support_client.get(HEALTH).content.decode()

    assert 'id="provider-unused"' not in html
    assert 'id="provider-used"' in html
    idle = re.search(r'<p id="idle-providers">(.*?)</p>', html, re.S).group(1)
    assert "Unused Mail" in idle
