"""Many commands at once: each is answered truly, and however many race for an engine, one
starts."""

import json
import sqlite3
import subprocess
import sys

from tests.cli.engine_process import lease_pid, start_engine, stop_engine, wait_for

PARALLEL = 40

# Imports first, then waits for the go file: the commands then race from the same moment.
AT_THE_SIGNAL = """
import pathlib, sys, time
from tripleo_tui.cli import main
folder = pathlib.Path(sys.argv[1])
(folder / f"ready-{sys.argv[2]}").touch()
while not (folder / "go").exists():
    time.sleep(0.005)
sys.exit(main(sys.argv[3:]))
"""


def create_all(db) -> list[subprocess.CompletedProcess]:
    """PARALLEL `execution-create` commands started at one moment."""
    folder = db.parent / "race"
    folder.mkdir()
    command = ["--db", str(db), "execution-create", "tripleo.examples.v1.hello", "-f", "json"]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", AT_THE_SIGNAL, str(folder), str(number), *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(PARALLEL)
    ]
    wait_for(lambda: len(list(folder.glob("ready-*"))) == PARALLEL, 600, "the commands to load")
    (folder / "go").touch()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


def assert_all_answered_truly(db, results) -> None:
    failed = [(r.returncode, r.stderr) for r in results if r.returncode != 0]
    assert not failed, failed
    answered = {json.loads(r.stdout)["ID"] for r in results}
    with sqlite3.connect(db) as conn:
        stored = {row[0] for row in conn.execute("SELECT id FROM workflow_executions")}
    assert answered == stored and len(stored) == PARALLEL


def test_parallel_creates_with_the_engine_up(tmp_path):
    db = tmp_path / "state.sqlite"
    engine = start_engine(db)
    try:
        assert_all_answered_truly(db, create_all(db))
        assert lease_pid(db) == engine.pid
    finally:
        stop_engine(db)


def test_parallel_creates_start_one_engine(tmp_path):
    db = tmp_path / "state.sqlite"
    # The state file exists first, as it would after any earlier command.
    assert (
        subprocess.run(
            [sys.executable, "-m", "tripleo_tui", "--db", str(db), "execution-list"]
        ).returncode
        == 0
    )
    try:
        assert_all_answered_truly(db, create_all(db))
    finally:
        stop_engine(db)
    log = (tmp_path / "tripleo-tui.log").read_text()
    assert log.count("Started a headless engine") == 1, log.count("Started a headless engine")
