"""The admin pages cost a fixed number of queries, however many accounts and attempts there are.

50 accounts with 10 attempts each is enough to catch a query per row (the
limits below are far under 50); bench/admin_pages.py measures 10,000 / 100,000.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import admin_data

# Measured for a support user: account list 7, account page 10, health 9,
# attempts 7 (session, user, permissions and the page's own queries). A query
# per row would add 50.
MAX_QUERIES = 12


@pytest.fixture
def many_accounts(db):
    return admin_data.build(accounts=50, attempts_per_account=10)


@pytest.fixture
def support_client(client, support):
    client.force_login(support)
    return client


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_the_account_list_does_not_query_per_row(support_client, many_accounts, django_assert_max_num_queries):
    url = reverse("admin:accounts_mailboxaccount_changelist")
    with django_assert_max_num_queries(MAX_QUERIES):
        response = support_client.get(url)

    assert len(response.context["cl"].result_list) == 50


def test_the_filtered_and_searched_account_list_stays_bounded(
    support_client, many_accounts, django_assert_max_num_queries
):
    url = reverse("admin:accounts_mailboxaccount_changelist") + "?failing=any&not_checked=day&q=bulk"
    with django_assert_max_num_queries(MAX_QUERIES):
        support_client.get(url)


def test_an_account_page_with_a_long_history_stays_bounded(
    support_client, many_accounts, django_assert_max_num_queries
):
    from accounts.models import OutcomeChoice, Trigger, VerificationAttempt

    account = many_accounts[0]
    VerificationAttempt.objects.bulk_create(
        VerificationAttempt(account=account, trigger=Trigger.SCHEDULE, outcome=OutcomeChoice.OK) for _ in range(500)
    )
    url = reverse("admin:accounts_mailboxaccount_change", args=[account.pk])
    with django_assert_max_num_queries(MAX_QUERIES):
        response = support_client.get(url)

    assert len(response.context["attempts_page"].object_list) == 20


def test_the_health_page_stays_bounded(support_client, many_accounts, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        response = support_client.get(reverse("provider_health"))

    assert sum(row.accounts_total for row in response.context["report"]) == 50


def test_the_attempt_list_does_not_query_per_row(support_client, many_accounts, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        response = support_client.get(reverse("admin:accounts_verificationattempt_changelist"))

    assert len(response.context["cl"].result_list) == 50


def test_the_query_count_does_not_grow_with_the_number_of_rows(support_client, db):
    """Same page, ten times the rows: the same number of queries."""
    url = reverse("admin:accounts_mailboxaccount_changelist") + "?o=1"
    admin_data.build(accounts=5, attempts_per_account=2, prefix="few")
    few = count_queries(support_client, url)
    admin_data.build(accounts=45, attempts_per_account=2, prefix="more")
    many = count_queries(support_client, url)

    assert many == few
