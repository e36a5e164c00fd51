"""A TCP proxy whose connections start late: a hosted database waking up.

Each new connection is accepted at once (the client's TCP connect succeeds)
but the proxy waits ``delay`` seconds before it connects to the target and
starts forwarding, so the server's first bytes (for PostgreSQL: the answer to
the SSL request or the authentication request) arrive ``delay`` seconds late.
After that, bytes flow both ways without delay.  With ``first_only=True`` only
the connections accepted before the first one got through wait (the database
is awake after that); :meth:`SlowProxy.sleep` puts it back to sleep::

    with SlowProxy("127.0.0.1", cluster.port, delay=1.5) as proxy:
        psycopg2.connect(host="127.0.0.1", port=proxy.port, ...)   # takes >= 1.5 s

It listens on 127.0.0.1 (or on ``listen_host``, such as ``::1``), runs an asyncio loop in a daemon thread, and
stops by itself after ``lifetime`` seconds even if nobody calls
:meth:`SlowProxy.stop`.  ``delay`` may be changed while it runs.

It shares the GIL with the test: a client that blocks holding the GIL would
stall it (psycopg2's connect and queries release it; its ``cancel()`` does
not, so cancel through the proxy only from a separate process).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType

HOST = "127.0.0.1"
CHUNK = 64 * 1024


class SlowProxy:
    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        delay: float = 3.0,
        first_only: bool = False,
        lifetime: float = 300.0,
        listen_host: str = HOST,
    ) -> None:
        self.target = (target_host, target_port)
        self.delay = delay
        self.first_only = first_only
        self.lifetime = lifetime
        self.host = listen_host
        self.port: int | None = None
        self.connections = 0  # accepted so far
        self.delayed = 0  # of which waited for ``delay``
        self._awake = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._error: BaseException | None = None

    # -- lifecycle (any thread) --------------------------------------------------

    def start(self) -> SlowProxy:
        if self._thread is not None:
            raise RuntimeError("the proxy is already started")
        self._thread = threading.Thread(target=self._run, name="slow-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the proxy did not start within 10 s")
        if self._error is not None:
            raise RuntimeError(f"the proxy could not start: {self._error}") from self._error
        return self

    def stop(self) -> None:
        """Close the listener and every forwarded connection; wait for the thread."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._stop_soon)
            thread.join(10)

    def sleep(self) -> None:
        """With ``first_only``: the next connections wait ``delay`` again."""
        self._awake = False

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> SlowProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the event loop (its own thread) -------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as error:  # noqa: BLE001 - reported to start(), or ends the thread
            self._error = error
        finally:
            self._ready.set()
            loop.close()

    def _stop_soon(self) -> None:
        if self._stopped is not None:
            self._stopped.set()

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        tasks: set[asyncio.Task[None]] = set()

        async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)
            self.connections += 1
            try:
                await self._forward(reader, writer)
            except asyncio.CancelledError:
                pass  # the proxy is stopping
            finally:
                tasks.discard(task)
                writer.close()

        server = await asyncio.start_server(on_client, self.host, 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            async with server:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), self.lifetime)
        finally:
            for task in list(tasks):
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _forward(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if not (self.first_only and self._awake):
            self.delayed += 1
            await asyncio.sleep(self.delay)  # the client's first bytes wait in the socket
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            return  # the client sees the connection close, as with a dead server
        self._awake = True
        try:
            pipes = [
                asyncio.ensure_future(_pipe(client_reader, server_writer)),
                asyncio.ensure_future(_pipe(server_reader, client_writer)),
            ]
            try:
                # Either side ending (EOF, reset) ends the connection.
                await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pipe in pipes:
                    pipe.cancel()
                await asyncio.gather(*pipes, return_exceptions=True)
        finally:
            server_writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
