"""The real probes of accounts.mailcheck, called the way the tests read best:
a password string, a timeout in seconds, and allow_private for loopback."""

from accounts import mailcheck
from accounts.mailcheck import AddressPolicy, Credential, Deadline, LoginCheck
from accounts.mailcheck.net import resolve


def probe_imap(spec, usernames, password, *, timeout=5, ssl_context=None, allow_private=True, send_id=False):
    return mailcheck.probe_imap(
        spec,
        tuple(usernames),
        _credential(password),
        deadline=Deadline(timeout),
        ssl_context=ssl_context or mailcheck.net.trust_store(),
        policy=AddressPolicy(allow_private),
        send_id=send_id,
    )


def probe_smtp(spec, usernames, password, *, timeout=5, ssl_context=None, allow_private=True):
    return mailcheck.probe_smtp(
        spec,
        tuple(usernames),
        _credential(password),
        deadline=Deadline(timeout),
        ssl_context=ssl_context or mailcheck.net.trust_store(),
        policy=AddressPolicy(allow_private),
    )


def login_check(imap, smtp, imap_usernames, smtp_usernames, password, send_imap_id=False):
    return LoginCheck(imap, smtp, tuple(imap_usernames), tuple(smtp_usernames), _credential(password), send_imap_id)


def check_login(check, *, timeout=5, ssl_context=None, allow_private=True):
    return mailcheck.check_login(
        check,
        timeout=timeout,
        ssl_context=ssl_context or mailcheck.net.trust_store(),
        policy=AddressPolicy(allow_private),
    )


def resolve_server(host, port, *, allow_private):
    return resolve(host, port, AddressPolicy(allow_private), Deadline(5))


def _credential(password):
    return password if isinstance(password, Credential) else Credential.password(password)
