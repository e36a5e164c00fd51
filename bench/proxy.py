"""A local TCP proxy that adds a fixed delay each way: a slow link on one machine.

Every chunk read from one side is written to the other ``delay`` seconds after it
arrived, in order, so a round trip costs ``2 * delay`` while throughput stays that
of the loopback (chunks in flight overlap).  It listens on 127.0.0.1 only, accepts
at most ``max_connections`` at once, buffers at most ``max_chunks`` chunks per
direction (the reader waits when that is full), and stops by itself after
``lifetime`` seconds even if nobody calls :meth:`DelayProxy.stop`.

    with DelayProxy("127.0.0.1", 5432, delay=0.020) as proxy:
        psycopg2.connect(host="127.0.0.1", port=proxy.port, ...)

The benchmark runs it in its own process (:class:`ProxyProcess`, ``python -m
bench.proxy``): in the measured process it would compete for the GIL with the
code it measures, and psycopg2's ``cancel()`` (which blocks holding the GIL until
the server answers) would deadlock against it.  That process also ends when its
parent goes away (its stdin closes) or when its lifetime is up; a line ``count``
on its stdin is answered with its round trips so far.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import threading
from types import TracebackType

HOST = "127.0.0.1"
CHUNK = 64 * 1024


class DelayProxy:
    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        delay: float = 0.020,
        max_connections: int = 32,
        max_chunks: int = 256,
        lifetime: float = 900.0,
    ) -> None:
        self.target = (target_host, target_port)
        self.delay = delay
        self.max_connections = max_connections
        self.max_chunks = max_chunks
        self.lifetime = lifetime
        self.port: int | None = None
        self.connections = 0  # accepted so far
        self.refused = 0  # over max_connections
        self.bytes_forwarded = 0
        self.round_trips = 0  # times the client spoke after the server had (or first)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._error: BaseException | None = None

    # -- lifecycle (any thread) --------------------------------------------------
    def start(self) -> DelayProxy:
        self._thread = threading.Thread(target=self._run, name="delay-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the proxy did not start within 10 s")
        if self._error is not None:
            raise RuntimeError(f"the proxy could not start: {self._error}") from self._error
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._stop_soon)
            thread.join(10)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> DelayProxy:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- the event loop (its own thread) ---------------------------------------
    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as error:  # noqa: BLE001 - reported to start() or ends the thread
            self._error = error
        finally:
            self._ready.set()
            loop.close()

    def _stop_soon(self) -> None:
        if self._stopped is not None:
            self._stopped.set()

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        slots = asyncio.Semaphore(self.max_connections)
        tasks: set[asyncio.Task] = set()

        async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if slots.locked():
                self.refused += 1
                writer.close()
                return
            async with slots:
                self.connections += 1
                task = asyncio.current_task()
                tasks.add(task)
                try:
                    await self._connect(reader, writer)
                except asyncio.CancelledError:
                    pass  # the proxy is stopping: this handler task simply ends
                finally:
                    tasks.discard(task)

        server = await asyncio.start_server(on_client, HOST, 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            async with server:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), self.lifetime)
        finally:
            for task in list(tasks):
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _connect(self, client_reader, client_writer) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        try:
            # either direction ending (EOF, reset) ends the connection, as a cable would
            turn = ["server"]  # who sent last: a client chunk after a server one starts a round trip
            pipes = [
                asyncio.ensure_future(self._pipe(client_reader, server_writer, turn, "client")),
                asyncio.ensure_future(self._pipe(server_reader, client_writer, turn, "server")),
            ]
            try:
                await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pipe in pipes:
                    pipe.cancel()
                await asyncio.gather(*pipes, return_exceptions=True)
        finally:
            for writer in (client_writer, server_writer):
                writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, turn: list[str], side: str) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue(self.max_chunks)

        async def receive() -> None:
            while True:
                try:
                    data = await reader.read(CHUNK)
                except ConnectionError:
                    data = b""
                if data and turn[0] != side:
                    turn[0] = side
                    self.round_trips += side == "client"
                await queue.put((loop.time() + self.delay, data))
                if not data:
                    return

        async def send() -> None:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    return
                writer.write(data)
                self.bytes_forwarded += len(data)
                await writer.drain()

        receiving = asyncio.ensure_future(receive())
        try:
            await send()
        except ConnectionError:
            pass
        finally:
            receiving.cancel()
            await asyncio.gather(receiving, return_exceptions=True)


class ProxyProcess:
    """A :class:`DelayProxy` in a child process (``python -m bench.proxy``)."""

    def __init__(self, target_host: str, target_port: int, *, delay: float = 0.020, lifetime: float = 900.0) -> None:
        self.args = [
            sys.executable, "-m", "bench.proxy", target_host, str(target_port),
            "--delay", str(delay), "--lifetime", str(lifetime),
        ]  # fmt: skip
        self.port: int | None = None
        self._process: subprocess.Popen | None = None

    def start(self) -> ProxyProcess:
        from pathlib import Path

        self._process = subprocess.Popen(
            self.args,
            cwd=Path(__file__).resolve().parent.parent,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self._process.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"the proxy process did not start: {line!r}")
        self.port = int(line)
        return self

    def round_trips(self) -> int:
        """The child's :attr:`DelayProxy.round_trips` so far (asked over its stdin)."""
        process = self._process
        if process is None:
            raise RuntimeError("the proxy process is not running")
        process.stdin.write("count\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"the proxy process did not answer with a count: {line!r}")
        return int(line)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()  # the proxy's signal to stop
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()

    def __enter__(self) -> ProxyProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.proxy", description="Prints its port, then proxies until stdin closes.")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--delay", type=float, default=0.020, help="seconds added each way (default 0.020)")
    parser.add_argument("--lifetime", type=float, default=900.0, help="stop after this many seconds at the latest")
    args = parser.parse_args(argv)
    proxy = DelayProxy(args.host, args.port, delay=args.delay, lifetime=args.lifetime).start()
    try:
        print(proxy.port, flush=True)

        def serve_stdin() -> None:
            # a line "count" is answered with the round trips so far; stdin closes when
            # the parent stops us or dies, and the lifetime bounds the rest
            for line in sys.stdin:
                if line.strip() == "count":
                    print(proxy.round_trips, flush=True)

        watcher = threading.Thread(target=serve_stdin, daemon=True)
        watcher.start()
        watcher.join(args.lifetime)
    finally:
        proxy.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
