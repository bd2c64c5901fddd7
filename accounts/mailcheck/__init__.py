"""Mail login checks without Django: values in, a frozen result out.

    result = check_login(LoginCheck(...), timeout=20, ssl_context=ctx, policy=AddressPolicy())

Layout, arrows pointing down only: ``outcomes`` (the vocabulary) ← ``net``
(deadline, address policy, bounded reads) and ``diagnose`` (the reply table,
cleaning) ← ``attempts`` ← ``imap`` / ``smtp`` ← this module. Anything a server
or the network does becomes an Outcome; no exception escapes to the caller, and
no check outlives its deadline by more than a moment.
"""

from __future__ import annotations

import concurrent.futures
import ssl

from accounts.mailcheck.imap import probe_imap
from accounts.mailcheck.net import AddressPolicy, Deadline
from accounts.mailcheck.outcomes import (
    CheckResult,
    Credential,
    Hint,
    LoginCheck,
    Outcome,
    ProtocolResult,
    Security,
    ServerSpec,
)
from accounts.mailcheck.smtp import probe_smtp

__all__ = [
    "AddressPolicy",
    "CheckResult",
    "Credential",
    "Deadline",
    "Hint",
    "LoginCheck",
    "Outcome",
    "ProtocolResult",
    "Security",
    "ServerSpec",
    "check_login",
    "probe_imap",
    "probe_smtp",
]

# How long past its deadline a check may take to hand back its result: closing
# sockets and joining the two probe threads.
DEADLINE_MARGIN_SECONDS = 1.0


def check_login(
    login_check: LoginCheck,
    *,
    timeout: float,
    ssl_context: ssl.SSLContext,
    policy: AddressPolicy,
) -> CheckResult:
    """IMAP and SMTP at once, in two threads, under one deadline of ``timeout`` seconds."""
    deadline = Deadline(timeout)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="probe")
    try:
        imap = pool.submit(
            probe_imap,
            login_check.imap,
            login_check.imap_usernames,
            login_check.credential,
            deadline=deadline,
            ssl_context=ssl_context,
            policy=policy,
            send_id=login_check.send_imap_id,
        )
        smtp = pool.submit(
            probe_smtp,
            login_check.smtp,
            login_check.smtp_usernames,
            login_check.credential,
            deadline=deadline,
            ssl_context=ssl_context,
            policy=policy,
        )
        return CheckResult(
            imap=_result_of(imap, "imap", login_check.imap, deadline),
            smtp=_result_of(smtp, "smtp", login_check.smtp, deadline),
        )
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _result_of(
    future: concurrent.futures.Future[ProtocolResult], protocol: str, spec: ServerSpec, deadline: Deadline
) -> ProtocolResult:
    # The probes keep the deadline themselves; this is the backstop for a
    # blocking call that ignores socket timeouts.
    try:
        return future.result(timeout=max(0.0, deadline.remaining()) + DEADLINE_MARGIN_SECONDS)
    except concurrent.futures.TimeoutError:
        return ProtocolResult(
            protocol,
            Outcome.TIMEOUT,
            "no answer in time",
            int(deadline.seconds * 1000),
            hint=Hint.TIMEOUT,
            server=str(spec),
        )
