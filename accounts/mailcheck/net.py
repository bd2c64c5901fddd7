"""The network under a login check: one deadline, vetted addresses, bounded reads.

A hostile or broken server must not hold a check longer than its deadline nor
make us buffer more than a few hundred kilobytes: a server dripping one byte
every few seconds, or streaming untagged lines forever, used to hold a web
request and a worker thread for minutes and grow the process by hundreds of MB.
So every blocking call (DNS, connect, TLS handshake, each send and each read)
gets at most the time left of the check's one ``Deadline``, and every read
goes through a ``BoundedReader`` that counts bytes and lines per connection.
"""

from __future__ import annotations

import concurrent.futures
import functools
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# (address family, socket address) pairs, as socket.getaddrinfo gives them.
Address = tuple[int, Any]

# Ports a hand-entered mail server may use when private hosts are refused:
# IMAP 993/143, SMTP submission 465/587, and 25/2525 that some hosts offer.
MAIL_PORTS = frozenset({993, 143, 465, 587, 25, 2525})

# A login dialogue is a dozen short lines. These are far above any real
# provider's (Gmail's longest reply is ~200 bytes, CAPABILITY ~600) and far
# below what would hurt a worker.
MAX_LINE_BYTES = 8192
MAX_LINES = 500
MAX_BYTES = 256 * 1024


class DeadlineExceeded(Exception):
    """The check's wall-clock deadline passed. Not an OSError on purpose: the
    client libraries turn OSErrors into "connection lost"."""


class ReplyTooLarge(Exception):
    """The server sent more than a login dialogue needs (a line, line count or
    byte count over the limits)."""


class BlockedAddress(Exception):
    """The server resolves to an address (or uses a port) we refuse to connect to."""


class Deadline:
    """One wall-clock budget shared by everything a check does."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self.seconds = seconds
        self.ends_at: float = clock() + seconds

    def remaining(self) -> float:
        return self.ends_at - float(self._clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0

    def timeout(self) -> float:
        """The socket timeout for the next blocking call; raises once expired."""
        left = self.remaining()
        if left <= 0:
            raise DeadlineExceeded()
        return left


@dataclass(frozen=True)
class AddressPolicy:
    """Where a check may connect. Private, loopback and link-local addresses,
    and non-mail ports, only when ``allow_private`` (tests, private deployments)."""

    allow_private: bool = False


# getaddrinfo cannot be interrupted: it runs here and the check waits for it
# no longer than its deadline. A resolver that hangs keeps one of these
# threads, not the check.
_resolver_pool = concurrent.futures.ThreadPoolExecutor(max_workers=16, thread_name_prefix="resolve")


def resolve(host: str, port: int, policy: AddressPolicy, deadline: Deadline) -> list[Address]:
    """The addresses to connect to, as (family, sockaddr), vetted.

    Called right before connecting, and the check connects to exactly these
    addresses (TLS still checks the certificate against the host name), so a
    name that resolves to a public address for a form and to 127.0.0.1 a
    moment later gets nowhere.
    """
    if not policy.allow_private and port not in MAIL_PORTS:
        raise BlockedAddress(f"port {port} is not a mail port")
    if _is_address(host):
        # An address literal needs no DNS (AI_NUMERICHOST never asks), so it
        # can't hang: no hand-off to the resolver threads.
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    else:
        future = _resolver_pool.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        try:
            infos = future.result(timeout=deadline.timeout())
        except concurrent.futures.TimeoutError:
            raise DeadlineExceeded() from None
    addresses: list[Address] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if not policy.allow_private and not is_public(str(sockaddr[0])):
            # One private answer taints the name: refuse it whole.
            raise BlockedAddress(f"{host} resolves to a non-public address")
        if (family, sockaddr) not in addresses:
            addresses.append((family, sockaddr))
    return addresses


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)


def connect(addresses: list[Address], deadline: Deadline) -> socket.socket:
    error: Exception = OSError("no address")
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(deadline.timeout())
            sock.connect(sockaddr)
            return sock
        except (OSError, DeadlineExceeded) as exc:
            sock.close()
            if deadline.expired:
                raise DeadlineExceeded() from None
            error = exc
    raise error


def send_all(sock: socket.socket, data: bytes, deadline: Deadline) -> None:
    try:
        sock.settimeout(deadline.timeout())
        sock.sendall(data)
    except TimeoutError:
        raise DeadlineExceeded() from None


@functools.lru_cache(maxsize=8)
def trust_store(ca_files: tuple[str, ...] = ()) -> ssl.SSLContext:
    """A TLS client context: the system's CAs plus ``ca_files``, built once per
    set of files and never changed after (whoever wants another CA asks for
    another set, so a CA trusted for one command never leaks into other checks).

    Loading the system store costs ~25 ms of CPU under the GIL, which capped a
    worker at ~21 checks/s (bench/checks_pipeline.py); a context is safe to
    share between threads, so each process builds one per set.
    """
    context = ssl.create_default_context()
    for ca_file in ca_files:
        context.load_verify_locations(cafile=ca_file)
    return context


class BoundedReader:
    """Reads lines from a socket under a deadline and the per-connection caps.

    ``sock`` is a callable returning the current socket, because STARTTLS
    replaces it; anything buffered from before the switch is dropped (bytes a
    server sends with its STARTTLS answer must never be read as if encrypted).
    """

    def __init__(
        self,
        sock: Callable[[], socket.socket],
        deadline: Deadline,
        *,
        max_line: int = MAX_LINE_BYTES,
        max_lines: int = MAX_LINES,
        max_bytes: int = MAX_BYTES,
    ):
        self._sock = sock
        self._current: socket.socket | None = None
        self.deadline = deadline
        self.max_line = max_line
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self._buffer = b""
        self.lines = 0
        self.bytes = 0

    def _socket(self) -> socket.socket:
        sock = self._sock()
        if sock is not self._current:
            self._current, self._buffer = sock, b""
        return sock

    def _fill(self) -> bool:
        sock = self._socket()
        try:
            sock.settimeout(self.deadline.timeout())
            chunk = sock.recv(4096)
        except TimeoutError:
            raise DeadlineExceeded() from None
        if not chunk:
            return False
        self.bytes += len(chunk)
        if self.bytes > self.max_bytes:
            raise ReplyTooLarge(f"more than {self.max_bytes} bytes")
        self._buffer += chunk
        return True

    def readline(self, limit: int = -1) -> bytes:
        """One line including its LF (b"" at end of stream), like a file's."""
        self._socket()
        while b"\n" not in self._buffer:
            if len(self._buffer) > self.max_line:
                raise ReplyTooLarge(f"a line longer than {self.max_line} bytes")
            if not self._fill():
                line, self._buffer = self._buffer, b""
                return line
        index = self._buffer.index(b"\n") + 1
        if index > self.max_line:
            raise ReplyTooLarge(f"a line longer than {self.max_line} bytes")
        line, self._buffer = self._buffer[:index], self._buffer[index:]
        self.lines += 1
        if self.lines > self.max_lines:
            raise ReplyTooLarge(f"more than {self.max_lines} lines")
        return line

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes (an IMAP literal), fewer at end of stream."""
        self._socket()
        if size > self.max_bytes:
            raise ReplyTooLarge(f"a literal of {size} bytes")
        while len(self._buffer) < size:
            if not self._fill():
                break
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def unread(self, line: bytes) -> None:
        """Put back a line just read (smtplib keeps none of a greeting it can't parse)."""
        if line:
            self._buffer = line + self._buffer
            self.lines -= 1

    def close(self) -> None:
        self._buffer = b""
