"""Keeps the benchmark's moving parts from rotting between ``make bench`` runs.

* The delay proxy (``bench/proxy.py``): bytes pass unchanged both ways, every round
  trip really is delayed, extra connections are refused, it stops by itself, and
  PostgreSQL works through it (in-thread and as the child process the benchmark uses).
* The fast paths ``make bench`` drives in ``gui/data/rows.py``, which the ordinary
  page sizes of the browse tests never reach: big keyset pages packed by the server
  and read through binary COPY, and the spill files for big unindexed tables too
  big to hold in memory.  A run of thousands of identical rows across their page
  boundaries must neither be dropped nor repeated.
* The section for any table (``bench/mixed.py``), run end to end at scale 0 on
  tables of 20,000 rows: it drives the real window (start-up, F5, the filter bar,
  a header click, the table chooser, Load everything, paste, review and commit),
  so a change to the window's controls breaks it here rather than in ``make bench``.
* The results file: what one run wrote is read back for the next run's comparison.

No performance figures here: those are the benchmark's job.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

# bench/ is run from the repository's root (python -m bench), not installed: make it
# importable however pytest was started
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.proxy import DelayProxy, ProxyProcess  # noqa: E402
from bench.report import Figure, previous_figures, render, rendered_what, seconds_of  # noqa: E402
from gui.data import rows as rows_module  # noqa: E402
from gui.data.config import DEFAULT_SPEC, TableSpec  # noqa: E402
from gui.data.rows import RowSource, column_dtype  # noqa: E402
from test_data_browse import full_query, run_rows  # noqa: E402
from test_data_support import MakeDb, backend, make_db, read_all  # noqa: E402, F401

DELAY = 0.02


@pytest.fixture
def echo_server() -> Iterator[tuple[str, int]]:
    """A TCP echo server on 127.0.0.1 that serves one connection at a time."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    while data := conn.recv(65536):
                        conn.sendall(data)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()
    finally:
        stop.set()
        thread.join(5)
        server.close()


def round_trips(port: int, messages: list[bytes]) -> list[tuple[bytes, float]]:
    """Send each message and read its echo; returns (echo, seconds) per message."""
    out = []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        for message in messages:
            started = time.monotonic()
            client.sendall(message)
            got = b""
            while len(got) < len(message):
                chunk = client.recv(65536)
                assert chunk, "the proxy closed the connection"
                got += chunk
            out.append((got, time.monotonic() - started))
    return out


def test_proxy_forwards_bytes_and_delays_each_way(echo_server) -> None:
    messages = [b"hello", bytes(range(256)) * 40, b"\x00last"]
    with DelayProxy(*echo_server, delay=DELAY, lifetime=30) as proxy:
        results = round_trips(proxy.port, messages)
        assert proxy.connections == 1
    assert [got for got, _ in results] == messages
    # A floor, not a speed limit: the proxy sleeps DELAY before forwarding each way,
    # so no round trip can be quicker than that however fast or loaded the machine.
    assert all(seconds >= 2 * DELAY * 0.9 for _, seconds in results)
    assert not proxy.running


def test_proxy_refuses_connections_over_its_limit(echo_server) -> None:
    with DelayProxy(*echo_server, delay=0, max_connections=1, lifetime=30) as proxy:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as first:
            first.sendall(b"ping")
            assert first.recv(16) == b"ping"
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as second:
                assert second.recv(16) == b""  # closed at once
        assert proxy.refused == 1


def test_proxy_stops_by_itself(echo_server) -> None:
    proxy = DelayProxy(*echo_server, delay=0, lifetime=0.2).start()
    try:
        proxy._thread.join(10)
        assert not proxy.running
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", proxy.port), timeout=2).close()
    finally:
        proxy.stop()


def test_proxy_process_forwards_and_stops(echo_server) -> None:
    with ProxyProcess(*echo_server, delay=DELAY, lifetime=60) as proxy:
        assert [got for got, _ in round_trips(proxy.port, [b"one", b"two"])] == [b"one", b"two"]
        process = proxy._process
    assert process.returncode == 0


def test_proxy_process_reports_its_round_trips(echo_server) -> None:
    with ProxyProcess(*echo_server, delay=0, lifetime=60) as proxy:
        assert proxy.round_trips() == 0
        round_trips(proxy.port, [b"one", b"two", b"three"])
        assert proxy.round_trips() == 3


@pytest.mark.postgres
def test_postgresql_through_the_proxy(pg_cluster) -> None:
    import psycopg2

    with DelayProxy(pg_cluster.host, pg_cluster.port, delay=DELAY, lifetime=60) as proxy:
        conn = psycopg2.connect(
            host="127.0.0.1",
            port=proxy.port,
            user=pg_cluster.superuser,
            password=pg_cluster.superuser_password,
            dbname="postgres",
            connect_timeout=10,
        )
        try:
            with conn.cursor() as cur:
                for n in range(3):
                    cur.execute("SELECT %s + 1", (n,))
                    assert cur.fetchone() == (n + 1,)
        finally:
            conn.close()


# -- the fast paths of gui/data/rows.py ------------------------------------------


def test_columns_are_int32_for_integer_specs() -> None:
    assert column_dtype(DEFAULT_SPEC) == np.int32
    assert column_dtype(TableSpec(min_value=-(2**63), max_value=2**63 - 1)) == np.int64


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("page", [7, 100, 5000])
def test_copy_pages_keep_a_run_of_identical_rows(make_db: MakeDb, monkeypatch, page: int) -> None:
    """Every keyset page through binary COPY (BULK_MIN_ROWS = 1)."""
    monkeypatch.setattr(rows_module, "BULK_MIN_ROWS", 1)
    db = make_db(run_rows(), index=True)
    source = RowSource(db.engine, DEFAULT_SPEC, 0)
    got = read_all(source, page)
    assert source.strategy == "keyset"
    assert got == full_query(db, 0)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize(("start_key", "page"), [(None, 7), (None, 1000), (5, 100)])
def test_spill_files_for_big_unindexed_tables(make_db: MakeDb, monkeypatch, start_key, page: int) -> None:
    """Past PASS_MAX_ROWS an unindexed table is paged from spill files."""
    monkeypatch.setattr(rows_module, "PASS_MAX_ROWS", 0)
    db = make_db(run_rows(), index=False)
    source = RowSource(db.engine, DEFAULT_SPEC, 0, start_key=start_key)
    got = read_all(source, page)
    assert source.strategy == "held"
    assert got == [r for r in full_query(db, 0) if start_key is None or r[0] >= start_key]


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
def test_empty_result_through_copy(make_db: MakeDb, monkeypatch, index: bool) -> None:
    monkeypatch.setattr(rows_module, "BULK_MIN_ROWS", 1)
    db = make_db(run_rows(), index=index)
    source = RowSource(db.engine, DEFAULT_SPEC, 10**6)
    assert read_all(source, 100) == []
    assert source.exhausted


# -- the results file and the section for any table ---------------------------------------


def test_a_run_reads_back_what_the_previous_one_wrote(tmp_path: Path) -> None:
    figures = [
        Figure("First screen", "t10m: indexed", "10 ms", note="7 runs"),
        Figure("First screen", "t1m_noidx | no index", "1,242 ms"),
        Figure("Commit", "vs bare", "60 ms", "48 ms (9 runs)", "1.26 ×", "≤ 1.3 ×", True),
        Figure("Memory", "peak RSS", "196 MiB"),
    ]
    path = tmp_path / "results.md"
    path.write_text(render(figures, {"CPU": "test"}, ["a note"], 60.0), encoding="utf-8")
    when, values = previous_figures(path)
    assert when.endswith("UTC")
    assert values[("First screen", rendered_what(figures[0]))] == "10 ms"
    assert values[("Commit", "vs bare")] == "60 ms"
    assert [seconds_of(values[("Memory", "peak RSS")]), seconds_of("1,242 ms"), seconds_of("7.5 s")] == [None, 1.242, 7.5]
    assert previous_figures(tmp_path / "none.md") is None


@pytest.mark.postgres
@pytest.mark.slow
def test_the_section_for_any_table_runs_end_to_end(pg_cluster, isolated_user_dirs, tmp_path: Path) -> None:
    """``python -m bench --quick --sections mixed --mixed-rows 20000`` (the bench starts
    its own server; ``pg_cluster`` is asked for its rule on a missing PostgreSQL)."""
    out = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--sections", "mixed", "--mixed-rows", "20000", "--output", str(out)],
        cwd=ROOT,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    text = out.read_text(encoding="utf-8")
    for heading in (
        "## Any table, first screen on mixed_10m (20,000 rows)",
        "## Any table, Load everything on mixed_1m (20,000 rows)",
        "## Any table, memory for mixed_1m (20,000 rows)",
        "## Any table, commit of ",
        "## Review and conflicts dialogs with 100,000 entries",
    ):
        assert heading in text
    assert "| filter `sensor = 'sensor-00042'`" in text
    assert "| round trips of the commit" in text
    assert "## Go to x" not in text  # --sections mixed: not the tutorial's table
