"""Writes the generated benchmark workbooks (a 100-task chain, 200- and 50-task fan-outs with a
join) beside this file: `python3 bench/workloads/make_workloads.py`."""

from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = "---\nversion: '2.0'\nname: {name}\n\nworkflows:\n  {workflow}:\n    type: direct\n"


def chain(count: int) -> str:
    text = HEADER.format(name="bench_chain", workflow=f"chain{count}")
    text += f"    description: linear chain of {count} std.noop tasks\n    tasks:\n"
    for number in range(1, count + 1):
        text += f"      t{number:03}:\n        action: std.noop\n"
        if number < count:
            text += f"        on-success: t{number + 1:03}\n"
    return text


def fanout(name: str, count: int) -> str:
    text = HEADER.format(name=name, workflow=f"fanout{count}")
    text += f"    description: 'start -> {count} parallel std.noop -> join_all (join all)'\n"
    text += "    tasks:\n      start:\n        action: std.noop\n        on-success:\n"
    text += "".join(f"          - p{number:03}\n" for number in range(1, count + 1))
    for number in range(1, count + 1):
        text += f"      p{number:03}:\n        action: std.noop\n        on-success: join_all\n"
    return text + "      join_all:\n        join: all\n        action: std.noop\n"


if __name__ == "__main__":
    (HERE / "bench_chain.yaml").write_text(chain(100))
    (HERE / "bench_fanout.yaml").write_text(fanout("bench_fanout", 200))
    (HERE / "bench_fanout50.yaml").write_text(fanout("bench_fanout50", 50))
