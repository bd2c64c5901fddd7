"""Which provider serves an address: by its domain, else by the domain's MX.

    detection = detect_provider("Zhang.San@ME.COM")
    detection.provider.slug, detection.how      # "icloud", "domain"

Invalid addresses raise InvalidAddress (with a stable ``code`` the caller maps
to a translated message). DNS trouble of any kind is not an error: the result
is simply ``how="none"`` and the user enters the servers by hand.
"""

import re
import threading
import time
from dataclasses import dataclass, field

import dns.exception
import dns.resolver

from providers.models import Provider

MX_LIFETIME_SECONDS = 2.0
MX_CACHE_SECONDS = 600
MX_FAILURE_CACHE_SECONDS = 60  # a timeout now may be gone in a minute
MX_CACHE_SIZE = 2048

# RFC 5322 dot-atom for the local part; quoted local parts are not worth the
# trouble for consumer mailboxes.
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
# People on Chinese keyboards type a full-width at sign and ideographic dots.
_LOOKALIKES = str.maketrans({"＠": "@", "。": ".", "．": ".", "｡": "."})


class InvalidAddress(ValueError):
    """``code`` is one of: empty, no_at, bad_local_part, bad_domain. The sentences
    users see live with the form that asks for the address (accounts.forms)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Detection:
    address: str  # lower case, domain in ASCII (punycode)
    local_part: str
    domain: str  # ASCII (punycode)
    provider: Provider | None
    how: str  # "domain" | "mx" | "none"
    mx_hosts: tuple[str, ...] = field(default=(), repr=False)

    @property
    def custom_domain_hint(self) -> bool:
        """True when the user must be told how to sign in for a custom domain
        (iCloud+: with the @icloud.com address, not this one)."""
        return (
            self.how == "mx"
            and self.provider is not None
            and bool(self.provider.custom_domain_hint_zh or self.provider.custom_domain_hint_en)
        )


def normalize_address(address: str) -> tuple[str, str]:
    """(local part, ASCII domain), both lower case; raises InvalidAddress."""
    value = (address or "").strip().translate(_LOOKALIKES)
    if not value:
        raise InvalidAddress("empty")
    local, at, domain = value.rpartition("@")
    if not at:
        raise InvalidAddress("no_at")
    if len(local) > 64 or not _LOCAL_PART.fullmatch(local):
        raise InvalidAddress("bad_local_part")
    if domain.endswith("."):  # the DNS root: "me.com." is "me.com"
        domain = domain[:-1]
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidAddress("bad_domain") from None
    labels = ascii_domain.split(".")
    if (
        len(ascii_domain) > 253
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidAddress("bad_domain")
    return local.lower(), ascii_domain


def detect_provider(
    address: str, *, resolver: dns.resolver.Resolver | None = None, providers: list[Provider] | None = None
) -> Detection:
    """``providers``: the enabled providers, when the caller detects many
    addresses (a bulk import) and loads them once."""
    local, domain = normalize_address(address)
    normalized = f"{local}@{domain}"
    # Two dozen rows: one query, matched in Python (SQLite has no JSON contains).
    if providers is None:
        providers = list(Provider.objects.enabled())

    for provider in providers:
        if _serves(provider, domain):
            return Detection(normalized, local, domain, provider, "domain")

    mx_hosts = lookup_mx(domain, resolver=resolver)
    for host in mx_hosts:
        for provider in providers:
            if any(_host_matches(host, pattern) for pattern in provider.mx_patterns):
                return Detection(normalized, local, domain, provider, "mx", mx_hosts)
    return Detection(normalized, local, domain, None, "none", mx_hosts)


def _serves(provider: Provider, domain: str) -> bool:
    # Lower-cased again: the admin stores what staff type ("ME.COM").
    return domain in (d.strip().lower() for d in provider.domains)


def _host_matches(host: str, pattern: str) -> bool:
    pattern = pattern.lower().strip(".")
    return host == pattern or host.endswith("." + pattern)


# --- MX lookup --------------------------------------------------------------
# A small in-process TTL cache: the wizard looks the same domain up on every
# step, and a slow or dead resolver must cost the user at most one wait.
_cache: dict[tuple, tuple[float, tuple[str, ...]]] = {}
_cache_lock = threading.Lock()
_default_resolver: dns.resolver.Resolver | None = None


def _get_default_resolver() -> dns.resolver.Resolver | None:
    global _default_resolver
    if _default_resolver is None:
        try:
            _default_resolver = dns.resolver.Resolver()
        except dns.exception.DNSException:  # no /etc/resolv.conf, no nameservers
            return None
    return _default_resolver


def lookup_mx(domain: str, *, resolver: dns.resolver.Resolver | None = None) -> tuple[str, ...]:
    """MX hosts of ``domain`` (lower case, no trailing dot), best preference
    first; empty on any DNS failure or timeout. Never raises."""
    resolver = resolver or _get_default_resolver()
    if resolver is None:
        return ()
    key = (domain, tuple(resolver.nameservers), resolver.port)
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] > now:
            return cached[1]
    try:
        answer = resolver.resolve(domain, "MX", lifetime=MX_LIFETIME_SECONDS, search=False)
        records = sorted(answer, key=lambda record: record.preference)
        hosts = tuple(str(record.exchange).rstrip(".").lower() for record in records if str(record.exchange) != ".")
        ttl = MX_CACHE_SECONDS
    except dns.resolver.NXDOMAIN:
        hosts, ttl = (), MX_CACHE_SECONDS
    except (dns.exception.DNSException, OSError, ValueError):
        # Timeouts, SERVFAIL, unreachable servers: "we don't know" for now.
        hosts, ttl = (), MX_FAILURE_CACHE_SECONDS
    with _cache_lock:
        if len(_cache) >= MX_CACHE_SIZE:
            _cache.clear()
        _cache[key] = (now + ttl, hosts)
    return hosts


def clear_mx_cache() -> None:
    with _cache_lock:
        _cache.clear()


def find_provider_by_domain(domain: str) -> Provider | None:
    """The enabled provider whose address domains include ``domain`` (ASCII,
    lower case), without any DNS: what autoconfig serves."""
    for provider in Provider.objects.enabled():
        if _serves(provider, domain):
            return provider
    return None
