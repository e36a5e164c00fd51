"""The journal of pending changes and the recent connections: atomic, keyed by
connection, and never holding a password."""

from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import Path

import pytest
from sqlalchemy import URL

from gui.data.config import DEFAULT_SPEC, TableSpec
from gui.data.connection import ConnectionSettings, settings_from_url
from gui.data.demo import TUTORIAL_ROWS, ensure_demo, reset_demo
from gui.data.pending import PendingChange
from gui.data.storage import RECENT_LIMIT, Journal, RecentConnections, atomic_write_text

SECRET = "p@ss:w/rd#?&% x"
CHANGES = [
    PendingChange(1, 5, (1,), 0),
    PendingChange(6, 9, (8, 8), 6, (3, 8, 8)),
    PendingChange(13, -2147483648, (), 6),
    PendingChange(100, 2147483647, (100, 100), None, None),
]


def pg(**kw) -> ConnectionSettings:
    base = dict(kind="postgresql", host="db.example.com", port=5432, database="prod", user="alice", password=SECRET)
    return ConnectionSettings(**{**base, **kw})


def url_settings(**kw) -> ConnectionSettings:
    return settings_from_url(
        URL.create("postgresql", "alice", SECRET, "db.example.com", 5432, "prod").render_as_string(hide_password=False),
        **kw,
    )


def holds_secret(text: str, secret: str = SECRET) -> bool:
    """Whether ``text`` holds the password as typed or in any URL escaping."""
    decoded = {text, urllib.parse.unquote(text), urllib.parse.unquote_plus(text)}
    return any(secret in form for form in decoded) or "w%2Frd" in text


def assert_no_secret(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert not holds_secret(path.read_text(encoding="utf-8", errors="replace")), path


# -- journal --------------------------------------------------------------------------
# (one journal per window, held while it runs: tests/test_journals.py)


def left_by(folder: Path, settings: ConnectionSettings, spec: TableSpec = DEFAULT_SPEC) -> list[list[PendingChange]]:
    """What a window opening ``spec`` on ``settings`` is offered (let go again)."""
    journal = Journal(folder, settings, spec)
    found = journal.left_behind()
    journal.let_go(found)
    return [left.changes for left in found]


def saved_and_closed(folder: Path, settings: ConnectionSettings, changes=CHANGES, spec: TableSpec = DEFAULT_SPEC) -> Journal:
    """A window's journal with ``changes``, its window closed keeping them for later."""
    journal = Journal(folder, settings, spec)
    journal.save(changes)
    journal.release()
    return journal


@pytest.mark.parametrize("settings", [pg(), url_settings(), pg(sslmode="require", read_only=True)],
                         ids=["fields", "url", "options"])
def test_journal_round_trip_without_the_password(tmp_path: Path, settings: ConnectionSettings) -> None:
    tmp_path = tmp_path / "journal"
    journal = Journal(tmp_path, settings, DEFAULT_SPEC)
    journal.save(CHANGES)
    assert journal.load() == CHANGES
    assert_no_secret(tmp_path)
    # no temporary files left; the lock beside it while its window runs
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([journal.path.name, journal.lock_path.name])
    journal.release()
    assert [p.name for p in tmp_path.iterdir()] == [journal.path.name]
    assert left_by(tmp_path, settings) == [CHANGES]


def test_journal_demo_round_trip(tmp_path: Path) -> None:
    settings = ConnectionSettings(kind="demo", demo_path=str(tmp_path / "demo.sqlite3"))
    saved_and_closed(tmp_path / "j", settings)
    assert left_by(tmp_path / "j", settings) == [CHANGES]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (pg(), pg(password="another"), True),
        (pg(), pg(sslmode="require"), True),
        (pg(), url_settings(), True),  # the same server, database and user, typed or pasted
        (pg(), pg(read_only=True), True),
        (pg(), pg(user="bob"), False),
        (pg(), pg(host="db2.example.com"), False),
        (pg(), pg(port=5433), False),
        (pg(), pg(database="staging"), False),
    ],
)
def test_journal_is_keyed_by_connection(tmp_path: Path, a, b, same: bool) -> None:
    saved_and_closed(tmp_path, a)
    assert (Journal(tmp_path, b, DEFAULT_SPEC).digest == Journal(tmp_path, a, DEFAULT_SPEC).digest) is same
    assert left_by(tmp_path, b) == ([CHANGES] if same else [])


def test_journal_is_keyed_by_table(tmp_path: Path) -> None:
    saved_and_closed(tmp_path, pg())
    assert left_by(tmp_path, pg(), TableSpec(table="other_table")) == []
    assert left_by(tmp_path, pg(), TableSpec(schema="archive")) == []
    assert left_by(tmp_path, pg()) == [CHANGES]


def test_journal_save_nothing_and_clear(tmp_path: Path) -> None:
    tmp_path = tmp_path / "journal"
    journal = Journal(tmp_path, pg(), DEFAULT_SPEC)
    journal.save(CHANGES)
    journal.save([])
    assert not journal.path.exists() and journal.load() == []
    journal.save(CHANGES[:1])
    journal.clear()
    journal.clear()  # twice is fine
    journal.release()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{not json",
        '{"version": 1, "identity": IDENTITY, "changes": [{"x": 1}]}',
        '{"version": 1, "identity": IDENTITY, "changes": [{"x": 1, "y": "12.5"}]}',
        '{"version": 1, "identity": IDENTITY, "changes": [{"x": 1, "y": 2147483648}]}',
        '{"version": 1, "identity": IDENTITY, "changes": 7}',
        "[1, 2]",
    ],
)
def test_unreadable_journal_is_kept_aside(tmp_path: Path, content: str) -> None:
    crashed = Journal(tmp_path, pg(), DEFAULT_SPEC)
    crashed.path.write_text(content.replace("IDENTITY", json.dumps(crashed.identity)), encoding="utf-8")
    journal = Journal(tmp_path, pg(), DEFAULT_SPEC)
    assert journal.left_behind() == []
    aside = crashed.path.with_suffix(".unreadable")
    assert aside.exists() and not crashed.path.exists()
    journal.save(CHANGES)  # a new journal starts cleanly
    assert journal.load() == CHANGES
    journal.release()
    assert left_by(tmp_path, pg()) == [CHANGES]
    assert aside.exists()  # never offered, never deleted


def test_journal_without_identity_is_ignored(tmp_path: Path) -> None:
    crashed = Journal(tmp_path, pg(), DEFAULT_SPEC)
    crashed.path.write_text('{"version": 1}', encoding="utf-8")
    assert left_by(tmp_path, pg()) == []
    assert crashed.path.exists()  # left alone


def test_journal_of_another_identity_is_ignored(tmp_path: Path) -> None:
    crashed = Journal(tmp_path, pg(), DEFAULT_SPEC)
    payload = {"version": 1, "identity": {**crashed.identity, "user": "bob"}, "changes": [c.to_json() for c in CHANGES]}
    crashed.path.write_text(json.dumps(payload), encoding="utf-8")
    assert left_by(tmp_path, pg()) == []
    assert crashed.path.exists()


def test_atomic_write_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.json"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]


def test_failed_atomic_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path = tmp_path / "folder"
    target = tmp_path / "file.json"
    atomic_write_text(target, "old")

    def power_cut(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.json"]


# -- recent connections ----------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        pg(),
        url_settings(),
        settings_from_url(f"postgresql://alice@db.example.com/prod?password={urllib.parse.quote(SECRET, safe='')}"),
        url_settings(read_only=True, statement_timeout_ms=5000),
    ],
    ids=["fields", "url", "password-in-query", "url-options"],
)
def test_recent_connections_never_store_the_password(tmp_path: Path, settings: ConnectionSettings) -> None:
    tmp_path = tmp_path / "config"
    recent = RecentConnections(tmp_path / "recent.json")
    recent.remember(settings)
    assert_no_secret(tmp_path)
    (loaded,) = recent.load()
    assert loaded.kind == settings.kind
    assert loaded.password == ""
    assert loaded.read_only == settings.read_only
    assert loaded.statement_timeout_ms == settings.statement_timeout_ms
    assert loaded.identity() == settings.identity()  # the same server, database and user
    assert loaded.to_url().password is None


def test_recent_connections_most_recent_first_without_duplicates(tmp_path: Path) -> None:
    recent = RecentConnections(tmp_path / "recent.json")
    recent.remember(pg(user="a"))
    recent.remember(pg(user="b"))
    recent.remember(pg(user="a", password="changed"))  # the same entry: moves to the front
    assert [s.user for s in recent.load()] == ["a", "b"]
    for n in range(20):
        recent.remember(pg(user=f"u{n}"))
    loaded = recent.load()
    assert len(loaded) == RECENT_LIMIT
    assert loaded[0].user == "u19"


@pytest.mark.parametrize("content", ["", "{", "{}", "[1, 2]", '[{"kind": "oracle"}]', '[{"port": "x", "kind": 3}]'])
def test_unreadable_recent_connections_are_empty(tmp_path: Path, content: str) -> None:
    path = tmp_path / "recent.json"
    path.write_text(content, encoding="utf-8")
    recent = RecentConnections(path)
    assert recent.load() == []
    recent.remember(pg())
    assert [s.user for s in recent.load()] == ["alice"]


# -- demo database ------------------------------------------------------------------------


def test_demo_is_created_once_and_reset(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "data" / "demo.sqlite3"
    ensure_demo(path, DEFAULT_SPEC)

    def rows():
        with sqlite3.connect(path) as conn:
            return sorted(conn.execute("SELECT x, y FROM some_table").fetchall())

    assert rows() == sorted(TUTORIAL_ROWS)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE some_table SET y = 0")
    ensure_demo(path, DEFAULT_SPEC)  # exists: left alone
    assert {y for _, y in rows()} == {0}
    reset_demo(path, DEFAULT_SPEC)
    assert rows() == sorted(TUTORIAL_ROWS)


def test_demo_left_empty_by_an_interrupted_first_run_is_filled(tmp_path: Path) -> None:
    """A first run killed while creating the demo leaves an empty file: the next run fills it."""
    import sqlite3

    path = tmp_path / "demo.sqlite3"
    path.touch()
    ensure_demo(path, DEFAULT_SPEC)
    with sqlite3.connect(path) as conn:
        assert sorted(conn.execute("SELECT x, y FROM some_table").fetchall()) == sorted(TUTORIAL_ROWS)
