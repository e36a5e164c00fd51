"""Connecting from the command line on a thread of its own (gui/data/connecting.py):
the table is opened there once the connection works, and whatever fails there —
a user error or a bug — is raised by ``result()`` on the caller's thread, with the
engine disposed.  No Qt, no server: SQLite, or a port where nothing listens."""

from __future__ import annotations

import socket
import threading

import pytest

from gui.data import connecting as connecting_module
from gui.data.connecting import Connecting
from gui.data.errors import ConnectionFailed, QueryFailed


@pytest.fixture
def disposed(monkeypatch) -> list:
    """The engines a Connecting disposed (its engine's dispose is counted)."""
    calls: list = []
    create = connecting_module.create_engine_for

    def counted(settings):
        engine = create(settings)
        dispose = engine.dispose
        engine.dispose = lambda *a, **k: (calls.append(engine), dispose(*a, **k))[1]
        return engine

    monkeypatch.setattr(connecting_module, "create_engine_for", counted)
    return calls


def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'some.sqlite3'}"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once closed


def test_the_table_is_opened_on_the_connecting_thread_once_connected(tmp_path, disposed):
    seen = {}

    def prepare(settings, engine):
        seen.update(thread=threading.current_thread().name, settings=settings, engine=engine)
        return "opened"

    connecting = Connecting(sqlite_url(tmp_path), read_only=True)
    connecting.open_with(prepare)
    assert connecting.result() == "opened"
    assert seen == {"thread": "connecting", "settings": connecting.settings, "engine": connecting.engine}
    assert connecting.settings.read_only and connecting.asks_for(sqlite_url(tmp_path), True)
    assert not connecting.asks_for(sqlite_url(tmp_path), False)
    assert disposed == []  # the window uses it now


def test_a_url_that_cannot_be_used_is_refused_at_once():
    with pytest.raises(ConnectionFailed, match="Could not read the URL"):
        Connecting("not a url")


def test_a_refused_connection_is_raised_by_result_and_nothing_is_opened(disposed):
    opened = []
    connecting = Connecting(f"postgresql://someone:pw@127.0.0.1:{closed_port()}/db")
    connecting.open_with(lambda settings, engine: opened.append(engine))
    with pytest.raises(ConnectionFailed):
        connecting.result()
    assert opened == [] and disposed == [connecting.engine]  # disposed before the error is handed over


@pytest.mark.parametrize("error", [QueryFailed("no such table"), TypeError("a bug in prepare")])
def test_what_opening_raises_is_raised_by_result(tmp_path, disposed, error):
    def prepare(_settings, _engine):
        raise error

    connecting = Connecting(sqlite_url(tmp_path))
    connecting.open_with(prepare)
    with pytest.raises(type(error)) as raised:
        connecting.result()
    assert raised.value is error  # a user error to say, or a bug for the excepthook: unchanged
    assert disposed == [connecting.engine]


def test_abandoned_before_the_window_nothing_is_opened_and_the_engine_goes(tmp_path, disposed):
    connecting = Connecting(sqlite_url(tmp_path))
    connecting.abandon()  # before open_with: the window was never built
    assert connecting.result() is None
    connecting._thread.join(10)  # the engine is disposed as the thread ends
    assert connecting.engine in disposed


def test_abandoned_after_opening_began_the_engine_goes_when_it_ends(tmp_path, disposed):
    go_on = threading.Event()

    def prepare(_settings, _engine):
        go_on.wait(10)
        return "opened"

    connecting = Connecting(sqlite_url(tmp_path))
    connecting.open_with(prepare)
    connecting.abandon()
    assert disposed == []  # still opening
    go_on.set()
    assert connecting.result() == "opened"
    connecting._thread.join(10)
    assert disposed == [connecting.engine]
