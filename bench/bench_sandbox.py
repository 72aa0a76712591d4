"""How long the Ironic sandbox takes: install, start to ready, enroll + provide N nodes; and how
much memory the Ironic processes use.

    python3 bench/bench_sandbox.py [--nodes 4 200] [--fresh-install]

Runs in a temporary sandbox folder with the venv from the data folder (installed first if
missing); `--fresh-install` installs into the temporary folder instead, without pip's cache.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from engine import sandbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[4, 200])
    parser.add_argument("--fresh-install", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as folder:
        directory = Path(folder)
        venv = sandbox.venv_dir(directory) if args.fresh_install else sandbox.venv_dir()
        if args.fresh_install:
            os.environ["PIP_NO_CACHE_DIR"] = "1"
        report = sandbox.install(venv)
        print(f"install: {report.seconds:.1f} s" if report.installed else "install: (reused)")
        for count in args.nodes:
            started = time.monotonic()
            up = sandbox.up(nodes=count, directory=directory, venv=venv)
            total = time.monotonic() - started
            print(f"start to ready: {up.start_seconds:.1f} s (ironic-dbsync included)")
            print(
                f"enroll + manage + provide + power off {count} nodes: {up.enroll.seconds:.1f} s "
                f"({up.enroll.seconds / max(count, 1) * 1000:.0f} ms a node; up() {total:.1f} s)"
            )
            print(f"memory (PSS, master + worker): {sandbox.status(directory)['memory_mib']} MiB")
            started = time.monotonic()
            sandbox.down(directory)
            print(f"down: {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
