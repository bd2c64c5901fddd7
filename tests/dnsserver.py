"""A tiny authoritative DNS server on 127.0.0.1 for detection tests.

It answers MX questions from a dict the test controls, so detection by MX runs
through real dnspython queries over UDP without touching the outside network.
Use it through the ``dns_server`` fixture (registered in conftest.py):

    def test_x(dns_server):
        dns_server.mx["example.org"] = [(10, "mx01.mail.icloud.com")]
        detect_provider("a@example.org", resolver=dns_server.resolver())

Domains in ``dns_server.servfail`` answer SERVFAIL; in ``dns_server.silent``
get no answer at all (a timeout). Unknown names answer NXDOMAIN.
"""

import socket
import threading

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import pytest


class DNSServer:
    def __init__(self):
        self.mx: dict[str, list[tuple[int, str]]] = {}
        self.servfail: set[str] = set()
        self.silent: set[str] = set()
        self.queries: list[str] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))  # a free port: other helpers run this too
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()

    def resolver(self) -> dns.resolver.Resolver:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = self.port
        return resolver

    def _serve(self):
        while not self._stop.is_set():
            try:
                wire, client = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                query = dns.message.from_wire(wire)
            except dns.exception.DNSException:
                continue
            reply = self._answer(query)
            if reply is not None:
                self._sock.sendto(reply.to_wire(), client)

    def _answer(self, query):
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        self.queries.append(name)
        if name in self.silent:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if name in self.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
        elif name not in self.mx:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.MX:
            rrset = response.find_rrset(
                response.answer, question.name, dns.rdataclass.IN, dns.rdatatype.MX, create=True
            )
            for preference, host in self.mx[name]:
                rrset.add(
                    dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.MX, f"{preference} {host}."),
                    ttl=300,
                )
        return response


@pytest.fixture
def dns_server():
    server = DNSServer().start()
    yield server
    server.stop()


@pytest.fixture
def default_dns(dns_server, monkeypatch):
    """detect_provider() called *without* resolver= (as the wizard does) asks
    the test DNS server: unknown domains get NXDOMAIN from 127.0.0.1 instead
    of a query to the outside network."""
    from providers import detect

    monkeypatch.setattr(detect, "_default_resolver", dns_server.resolver())
    detect.clear_mx_cache()
    yield dns_server
    detect.clear_mx_cache()
