"""Run one workflow in an engine process; the SIGKILL test kills this process mid-run.

Usage: python tests/runtime/kill_target.py STATE_FILE WORKBOOK_FILE WORKFLOW
Prints the execution id, then runs until the workflow ends.
"""

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.api.embedded import EmbeddedBackend  # noqa: E402


async def main(state_file: str, workbook: str, workflow: str) -> None:
    api = await EmbeddedBackend.open(
        state_file, workbooks_folder=Path(state_file).parent / "no-workbooks"
    )
    await api.create_workbook(Path(workbook).read_text())
    execution = await api.start_execution(workflow)
    print(execution.id, flush=True)
    await api.wait_execution(execution.id)
    await api.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
