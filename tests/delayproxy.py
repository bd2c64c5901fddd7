"""A TCP proxy that adds latency: each chunk waits ``delay / 2`` in each direction,
so a request-response round trip costs about ``delay`` more.

Used by the scheduler tests (a check slow enough to act on while it is in
flight) and by bench/checks_pipeline.py (servers "far away"). TLS passes through
untouched, so certificates still name 127.0.0.1. A plain library, no pytest.
"""

from __future__ import annotations

import asyncio
import threading

HOST = "127.0.0.1"


class DelayProxy:
    """``DelayProxy({local_name: upstream_port}, delay=0.1)``; ``.ports[name]`` after start()."""

    def __init__(self, upstreams: dict[str, int], *, delay: float, host: str = HOST):
        self.upstreams = upstreams
        self.delay = delay
        self.host = host
        self.ports: dict[str, int] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="delay-proxy", daemon=True)
        self._servers: list[asyncio.AbstractServer] = []

    def start(self) -> DelayProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        async def close():
            for server in self._servers:
                server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    async def _start(self) -> None:
        for name, upstream_port in self.upstreams.items():
            server = await asyncio.start_server(
                lambda r, w, port=upstream_port: self._handle(r, w, port), self.host, 0, backlog=1024
            )
            self._servers.append(server)
            self.ports[name] = server.sockets[0].getsockname()[1]

    async def _handle(self, client_reader, client_writer, upstream_port: int) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.host, upstream_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            self._pump(client_reader, upstream_writer),
            self._pump(upstream_reader, client_writer),
            return_exceptions=True,
        )

    async def _pump(self, reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                await asyncio.sleep(self.delay / 2)
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()


def main() -> None:
    """``python -m tests.delayproxy --delay 0.1 imap=993 smtp=465``: prints the
    proxy's ports as JSON, serves until its stdin closes. bench/checks_pipeline.py
    runs it so, in a process of its own: in the benchmark's process it took the
    GIL from the loops it was measuring."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, required=True)
    parser.add_argument("upstreams", nargs="+", help="name=port")
    args = parser.parse_args()
    upstreams = {name: int(port) for name, port in (item.split("=", 1) for item in args.upstreams)}
    proxy = DelayProxy(upstreams, delay=args.delay).start()
    try:
        print(json.dumps(proxy.ports), flush=True)
        sys.stdin.read()
    finally:
        proxy.stop()


if __name__ == "__main__":
    main()
