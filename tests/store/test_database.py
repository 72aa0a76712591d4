"""The state file itself: file modes, pragmas, migrations, transactions."""

import asyncio
import os
import sqlite3
import stat

import pytest

from engine.store import SCHEMA_VERSION, Store, StoreError, database, requests, schema, state_path


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
async def store(tmp_path):
    opened = await Store.open(tmp_path / "state.sqlite")
    yield opened
    await opened.close()


async def test_new_file_and_folder_are_private(tmp_path):
    path = tmp_path / "new" / "folder" / "state.sqlite"
    store = await Store.open(path)
    try:
        await store.write(lambda conn: conn.execute("INSERT INTO meta VALUES ('k', 'v')"))
        assert mode(path) == 0o600
        assert mode(path.parent) == 0o700
        wal = path.with_name(path.name + "-wal")
        assert wal.exists()
        assert mode(wal) == 0o600
    finally:
        await store.close()


async def test_existing_file_is_made_private(tmp_path):
    path = tmp_path / "state.sqlite"
    path.touch(mode=0o644)
    path.chmod(0o644)
    store = await Store.open(path)
    await store.close()
    assert mode(path) == 0o600


async def test_pragmas_and_schema_version(store):
    (row,) = await store.fetch_all("PRAGMA journal_mode")
    assert row[0] == "wal"
    version = await store.fetch_one("PRAGMA user_version")
    assert version[0] == SCHEMA_VERSION
    assert await store.write(lambda conn: conn.execute("PRAGMA synchronous").fetchone()[0]) == 1
    assert await store.write(lambda conn: conn.execute("PRAGMA foreign_keys").fetchone()[0]) == 1


async def test_reopen_keeps_data(tmp_path):
    path = tmp_path / "state.sqlite"
    store = await Store.open(path)
    await store.write(lambda conn: conn.execute("INSERT INTO meta VALUES ('k', 'v')"))
    await store.close()
    store = await Store.open(path)
    try:
        row = await store.fetch_one("SELECT value FROM meta WHERE key = 'k'")
        assert row["value"] == "v"
    finally:
        await store.close()


async def test_failed_write_changes_nothing(store):
    def insert_then_fail(conn):
        conn.execute("INSERT INTO meta VALUES ('half', 'done')")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await store.write(insert_then_fail)
    assert await store.fetch_one("SELECT * FROM meta WHERE key = 'half'") is None
    # the writer is usable again after a rollback
    await store.write(lambda conn: conn.execute("INSERT INTO meta VALUES ('half', 'ok')"))
    assert (await store.fetch_one("SELECT value FROM meta WHERE key = 'half'"))["value"] == "ok"


async def test_reader_is_read_only(store):
    with pytest.raises(sqlite3.OperationalError):
        await store.fetch_all("INSERT INTO meta VALUES ('x', 'y')")


def test_failed_migration_is_rolled_back(tmp_path, monkeypatch):
    def broken(conn):
        conn.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("bad migration")

    conn = sqlite3.connect(tmp_path / "state.sqlite", isolation_level=None)
    schema.migrate(conn)
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, broken))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(sqlite3.OperationalError, match="bad migration"):
        schema.migrate(conn)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in tables
    assert "workbooks" in tables


async def test_request_keys_replace_the_unused_request_rows(tmp_path, monkeypatch):
    """A version 6 file (with the old `engine_requests`) opens as version 7: the table of
    request keys instead; keys older than a day go as new ones are recorded."""
    path = tmp_path / "state.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    with monkeypatch.context() as old:
        old.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:6])
        old.setattr(schema, "SCHEMA_VERSION", 6)
        schema.migrate(conn)
    conn.close()
    store = await Store.open(path)
    try:
        tables = {row[0] for row in await store.fetch_all("SELECT name FROM sqlite_master")}
        assert "request_keys" in tables and "engine_requests" not in tables
        now = 1_000_000.0
        await store.write(requests.record_keys, [("old", None, now - requests.KEYS_KEPT - 1)])
        await store.write(requests.record_keys, [("new", "x", now), ("new", "y", now)])
        assert await requests.made_request(store, "old") is None
        assert (await requests.made_request(store, "new"))["object_id"] == "x"
    finally:
        await store.close()


async def _migrate_and_write(path):
    store = await Store.open(path)
    try:
        await store.write(lambda conn: conn.execute("INSERT INTO meta VALUES ('k', 'v')"))
    finally:
        await store.close()


def test_a_file_opened_for_reading_is_read_without_an_event_loop(tmp_path, monkeypatch):
    """Its reads never wait, so run_to_end runs them with no event loop (a command that only
    reads imports no asyncio); it cannot write; a missing or older file is left to Store.open."""
    path = tmp_path / "state.sqlite"
    assert Store.open_for_reading(path) is None
    assert not path.exists()
    conn = sqlite3.connect(path, isolation_level=None)
    with monkeypatch.context() as old:
        old.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:-1])
        old.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION - 1)
        schema.migrate(conn)
    conn.close()
    assert Store.open_for_reading(path) is None  # Store.open migrates it first
    asyncio.run(_migrate_and_write(path))

    store = Store.open_for_reading(path)
    try:
        row = database.run_to_end(store.fetch_one("SELECT value FROM meta WHERE key = 'k'"))
        assert row["value"] == "v"
        with pytest.raises(sqlite3.OperationalError):
            database.run_to_end(store.fetch_all("INSERT INTO meta VALUES ('x', 'y')"))
        with pytest.raises(RuntimeError, match="open for reading only"):
            database.run_to_end(store.write(lambda conn: None))
    finally:
        database.run_to_end(store.close())


def test_a_coroutine_that_waits_is_not_run_to_its_end():
    with pytest.raises(RuntimeError, match="it needs asyncio"):
        database.run_to_end(asyncio.sleep(0))


def test_newer_file_is_refused(tmp_path):
    conn = sqlite3.connect(tmp_path / "state.sqlite", isolation_level=None)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this program"):
        schema.migrate(conn)


def test_state_path_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("TRIPLEO_TUI_DB", raising=False)
    assert state_path() == tmp_path / "xdg" / "tripleo-tui" / "state.sqlite"
    monkeypatch.setenv("TRIPLEO_TUI_DB", str(tmp_path / "env.sqlite"))
    assert state_path() == tmp_path / "env.sqlite"
    assert state_path(tmp_path / "flag.sqlite") == tmp_path / "flag.sqlite"


async def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"not sqlite" * 100)
    with pytest.raises(StoreError, match="Cannot open state file .*: file is not a database"):
        await Store.open(path)


async def test_a_read_sees_every_commit_made_before_it(store):
    """Reads beside a poller (the request server's) never miss an earlier commit: a statement
    left open across awaits held its snapshot for every read meanwhile ("not found" for an
    execution just created)."""
    await store.write(lambda conn: conn.execute("CREATE TABLE t (x)"))
    await store.write(lambda conn: conn.execute("INSERT INTO t VALUES (1), (2)"))
    writing = True

    async def poll():
        while writing:
            await store.fetch_one("SELECT x FROM t")

    poller = asyncio.create_task(poll())
    stale = 0
    for written in range(1, 201):
        await store.write(lambda conn: conn.execute("INSERT INTO t VALUES (3)"))
        (count,) = await store.fetch_one("SELECT count(*) FROM t")
        stale += count != 2 + written
    writing = False
    await poller
    assert stale == 0


def _add_meta(conn, key):
    conn.execute("INSERT INTO meta VALUES (?, 'v')", (key,))


async def test_a_file_opened_for_reading_sees_the_writers_commits(store):
    """A command's read beside a live engine: each read sees what was committed before it."""
    reading = Store.open_for_reading(store.path)
    try:
        for written in range(1, 21):
            await store.write(_add_meta, str(written))
            (count,) = database.run_to_end(reading.fetch_one("SELECT count(*) FROM meta"))
            assert count == 1 + written  # created_at, then ours
    finally:
        database.run_to_end(reading.close())


@pytest.mark.parametrize("suffix", ["-wal", "-shm"])
async def test_a_link_put_beside_after_our_check_is_refused(tmp_path, monkeypatch, suffix):
    """SQLite opens its -wal and -shm files by name, after our check of the state file: a
    symbolic link put there in between is refused with a clear error, and what it points at
    is neither created nor written."""
    path = tmp_path / "state.sqlite"
    target = tmp_path / "elsewhere"
    checked = database.create_private_file

    def then_a_link(state_file):
        checked(state_file)
        os.symlink(target, state_file.with_name(state_file.name + suffix))

    monkeypatch.setattr(database, "create_private_file", then_a_link)
    with pytest.raises(StoreError, match=f"state.sqlite{suffix} is a symbolic link; remove it"):
        await Store.open(path)
    assert not target.exists()


async def test_a_link_swapped_in_once_sqlite_opened_is_refused(tmp_path, monkeypatch):
    """Were SQLite to follow a link put in place of its -wal file (versions before 3.40
    do), the state file is refused as soon as it is opened."""
    path = tmp_path / "state.sqlite"
    wal = tmp_path / "state.sqlite-wal"
    migrated = database.migrate

    def then_a_link(conn):
        migrated(conn)
        link = tmp_path / "link"
        os.symlink(tmp_path / "elsewhere", link)
        os.replace(link, wal)

    monkeypatch.setattr(database, "migrate", then_a_link)
    with pytest.raises(StoreError, match="state.sqlite-wal is a symbolic link; remove it"):
        await Store.open(path)
    assert not (tmp_path / "elsewhere").exists()
