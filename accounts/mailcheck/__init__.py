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

# How long past its deadline a check may take to hand back its SMTP half.
DEADLINE_MARGIN_SECONDS = 1.0

# The SMTP halves of checks run in these threads, started as needed and kept;
# the IMAP half runs in the caller's thread. Two threads started per check
# (each Thread.start() waits for the new thread to run, under the GIL) cost a
# check ~1.5 ms of CPU on top of its ~4 ms of protocol work, and kept the probe
# at 0.83x a bare imapclient + smtplib loop (bench/checks_pipeline.py); reused
# threads and one hand-off per check bring it level. The cap is far above any
# worker's logins in flight (a half queued past it would only time out).
MAX_SMTP_HALVES = 1024
_smtp_halves = concurrent.futures.ThreadPoolExecutor(max_workers=MAX_SMTP_HALVES, thread_name_prefix="smtp-probe")


def check_login(
    login_check: LoginCheck,
    *,
    timeout: float,
    ssl_context: ssl.SSLContext,
    policy: AddressPolicy,
) -> CheckResult:
    """IMAP and SMTP at once under one deadline of ``timeout`` seconds: SMTP in
    a thread of the process's pool, IMAP in the caller's thread. Every blocking
    call of either half gets at most the time left (accounts.mailcheck.net), so
    neither outlives the deadline; waiting for the SMTP half is bounded too."""
    deadline = Deadline(timeout)
    smtp = _smtp_halves.submit(
        probe_smtp,
        login_check.smtp,
        login_check.smtp_usernames,
        login_check.credential,
        deadline=deadline,
        ssl_context=ssl_context,
        policy=policy,
    )
    imap = probe_imap(
        login_check.imap,
        login_check.imap_usernames,
        login_check.credential,
        deadline=deadline,
        ssl_context=ssl_context,
        policy=policy,
        send_id=login_check.send_imap_id,
    )
    return CheckResult(imap=imap, smtp=_result_of(smtp, "smtp", login_check.smtp, deadline))


def _result_of(
    future: concurrent.futures.Future[ProtocolResult], protocol: str, spec: ServerSpec, deadline: Deadline
) -> ProtocolResult:
    # The probe keeps the deadline itself; this is the backstop for a blocking
    # call that ignores socket timeouts, or a half still queued for a thread.
    try:
        return future.result(timeout=max(0.0, deadline.remaining()) + DEADLINE_MARGIN_SECONDS)
    except concurrent.futures.TimeoutError:
        future.cancel()
        return ProtocolResult(
            protocol,
            Outcome.TIMEOUT,
            "no answer in time",
            int(deadline.seconds * 1000),
            hint=Hint.TIMEOUT,
            server=str(spec),
        )
