"""Hostile servers against the login check: how long a check takes and how much
memory the process holds while servers drip, flood or never end a line.

    .venv/bin/python bench/hostile_servers.py [--deadline 5] [--rounds 10]

Starts the suite's scripted TLS servers on 127.0.0.1 (tests/scripted_server.py),
runs ``rounds`` checks against each behaviour in this process, and prints per
behaviour the outcome, the median and worst wall time against the deadline, the
bytes the server sent, and the process's peak RSS before and after. Needs no
database: the probe is accounts.mailcheck, Django-free.
"""

import argparse
import resource
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from accounts.mailcheck import AddressPolicy, Credential, Deadline, Security, ServerSpec  # noqa: E402
from accounts.mailcheck.imap import probe_imap  # noqa: E402
from accounts.mailcheck.smtp import probe_smtp  # noqa: E402
from tests.mailservers import mint_certificates  # noqa: E402
from tests.scripted_server import ScriptedServer  # noqa: E402

BEHAVIOURS = [
    ("imap", "drip", "greeting one byte every 0.5 s"),
    ("imap", "flood", "endless untagged [ALERT] lines"),
    ("imap", "endless", "one line that never ends"),
    ("imap", "silent", "accepts, never greets"),
    ("smtp", "drip", "greeting one byte every 0.5 s"),
    ("smtp", "flood", "endless 250- continuation lines"),
    ("smtp", "endless", "one line that never ends"),
]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deadline", type=float, default=5.0, help="seconds per check (MAILBOX_CHECK_TIMEOUT)")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    certs = mint_certificates(Path(tempfile.mkdtemp(prefix="laifaxin-bench-hostile-")), ca_name="bench CA")
    context = ssl.create_default_context(cafile=str(certs["ca_file"]))
    credential = Credential.password("abcd-efgh-ijkl-mnop")
    start_rss = peak_rss_mib()
    print(f"deadline {args.deadline:.1f} s, {args.rounds} checks per behaviour, peak RSS at start {start_rss:.0f} MiB")
    print(f"{'protocol':8} {'server':38} {'outcome':32} {'median s':>8} {'max s':>6} {'sent KiB':>9} {'peak MiB':>9}")
    for protocol, mode, what in BEHAVIOURS:
        server = ScriptedServer(protocol, mode=mode, certs=certs, drip_seconds=0.5)
        spec = ServerSpec(server.host, server.port, Security.SSL)
        times, outcomes = [], set()
        try:
            for _ in range(args.rounds):
                started = time.monotonic()
                kwargs = dict(deadline=Deadline(args.deadline), ssl_context=context, policy=AddressPolicy(True))
                if protocol == "imap":
                    result = probe_imap(spec, ("a@b.test",), credential, **kwargs)
                else:
                    result = probe_smtp(spec, ("a@b.test",), credential, **kwargs)
                times.append(time.monotonic() - started)
                outcomes.add(f"{result.outcome}/{result.hint}")
        finally:
            server.stop()
        print(
            f"{protocol:8} {what:38} {','.join(sorted(outcomes)):32} {statistics.median(times):8.2f} "
            f"{max(times):6.2f} {server.bytes_sent / 1024:9.0f} {peak_rss_mib():9.0f}"
        )
    print(f"peak RSS grew by {peak_rss_mib() - start_rss:.0f} MiB over all checks")


if __name__ == "__main__":
    main()
