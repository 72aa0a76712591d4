"""nodes_with_profile over a sandbox of many nodes: wall time and the Ironic API calls it makes.

    python3 bench/bench_nodes.py [--nodes 200] [--runs 3] [--endpoint URL]

Starts a temporary sandbox with --nodes demo nodes (a third have profile control), unless
--endpoint names a running Ironic. Runs tripleo.baremetal.v1.nodes_with_profile and the
test_nodes_with_profile example through the engine (a temporary state file) and counts every
HTTP request the shared Ironic client sends, with a requests response hook.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from engine import clouds, sandbox
from engine.actions import ActionContext, run_action
from engine.api.embedded import EmbeddedBackend
from engine.store import queues

EXAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "examples"
PROFILE = "control"


def count_requests(counter: Counter) -> None:
    """Count each request of the shared Ironic client by method and path."""
    session = clouds.ironic_client().http_client.session.session  # the requests.Session

    def seen(response, *args, **kwargs):
        counter[f"{response.request.method} {urlsplit(response.url).path}"] += 1

    session.hooks["response"].append(seen)


async def run_once(api: EmbeddedBackend, workflow: str, given: dict) -> tuple[float, object]:
    started = time.perf_counter()
    execution = await api.start_execution(workflow, given)
    execution = await api.wait_execution(execution.id, timeout=600)
    elapsed = time.perf_counter() - started
    if execution.state != "SUCCESS":
        raise SystemExit(f"{workflow} ended {execution.state}: {execution.state_info}")
    return elapsed, execution


async def list_alone(runs: int) -> None:
    """The one call on its own: the HTTP request, then Mistral's serialisation of the nodes."""
    given = {"maintenance": False, "provision_state": "available", "detail": True, "limit": 0}
    await run_action("ironic.node_list", {"limit": 1}, ActionContext())  # registry, version
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        outcome = await run_action("ironic.node_list", given, ActionContext())
        times.append(time.perf_counter() - started)
        size = len(json.dumps(outcome.data))
    print(
        f"ironic.node_list detail=true alone: {statistics.median(times) * 1000:.0f} ms median "
        f"(request + serialising to {size / 1e6:.2f} MB of JSON)"
    )


async def bench(state_file: Path, runs: int, counter: Counter) -> None:
    api = await EmbeddedBackend.open(state_file)
    try:
        example = EXAMPLE / "test_nodes_with_profile.yaml"
        await api.create_workflows(example.read_text(), str(example))
        total = len(clouds.ironic_client().node.list(limit=0, fields=["uuid"]))
        print(f"nodes in Ironic: {total}")
        await list_alone(runs)
        for workflow in ("tripleo.baremetal.v1.nodes_with_profile", "test_nodes_with_profile"):
            times, calls = [], []
            for _ in range(runs):
                counter.clear()
                elapsed, execution = await run_once(api, workflow, {"profile": PROFILE})
                times.append(elapsed)
                calls.append(sum(counter.values()))
            if "available_nodes" in execution.output:
                matching = len(execution.output["matching_nodes"])
                available = len(execution.output["available_nodes"])
            else:
                [message] = await queues.messages_of_execution(api.store, execution.id, time.time())
                matching = len(message.body["payload"]["matching_nodes"])
                available = None
            print(
                f"{workflow}: {statistics.median(times) * 1000:.0f} ms median of {runs} "
                f"(best {min(times) * 1000:.0f} ms); Ironic API calls per run: {calls}; "
                f"matching {matching}" + (f", available {available}" if available else "")
            )
            print(f"  requests of the last run: {dict(counter)}")
    finally:
        await api.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--endpoint", help="a running Ironic (no auth) instead of a new sandbox")
    args = parser.parse_args()
    for name in [name for name in os.environ if name.startswith("OS_")]:
        del os.environ[name]
    with tempfile.TemporaryDirectory(prefix="bench-nodes-") as folder:
        directory = Path(folder) / "sandbox"
        endpoint = args.endpoint
        if endpoint is None:
            started = time.monotonic()
            endpoint = sandbox.up(nodes=args.nodes, directory=directory, venv=sandbox.venv_dir())
            endpoint = endpoint.endpoint
            print(f"sandbox with {args.nodes} nodes up in {time.monotonic() - started:.1f} s")
        os.environ["OS_ENDPOINT"] = endpoint
        clouds.reset()
        counter: Counter = Counter()
        count_requests(counter)
        try:
            asyncio.run(bench(Path(folder) / "state.sqlite", args.runs, counter))
        finally:
            if args.endpoint is None:
                sandbox.down(directory)


if __name__ == "__main__":
    main()
