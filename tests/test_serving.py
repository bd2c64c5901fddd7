"""`make run`'s web process listens where PORT says (8000 unless set)."""

import http.client
import os
import re
import signal
import subprocess
import time

import pytest

from tests.mailservers import free_ports
from tests.worker import ROOT, database_url


@pytest.mark.django_db(transaction=True)
def test_the_laptop_web_process_listens_on_port(tmp_path):
    (port,) = free_ports(1)
    makefile = (ROOT / "Makefile").read_text()
    # make run hands honcho the same PORT the Procfile's web line reads.
    assert re.search(r"honcho start -f Procfile -p \$\$\{PORT:-8000\}", makefile)
    log = (tmp_path / "honcho.log").open("wb")
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "honcho"), "start", "-f", "Procfile", "-p", str(port), "web"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1", "DATABASE_URL": database_url()},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/")
                response = conn.getresponse()
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "honcho.log").read_text()
                time.sleep(0.3)
        assert response.status == 200
        assert "来发信" in response.read().decode()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
