"""A minimal console: the stored workbooks, and `q` to quit. The console issue replaces it."""

from __future__ import annotations

import logging
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

from engine.api import Api

log = logging.getLogger(__name__)


class TripleoTuiApp(App):
    TITLE = "tripleo-tui"
    BINDINGS = [Binding("q", "quit", "Quit", id="quit")]

    def __init__(self, db_path: Path, *, reload_workbooks: bool = False) -> None:
        super().__init__()
        self.db_path = db_path
        self.reload_workbooks = reload_workbooks
        self.api: Api | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="workbooks", cursor_type="row")
        yield Footer()

    async def on_mount(self) -> None:
        table = self.query_one("#workbooks", DataTable)
        table.add_columns("Name", "Description", "Tags", "Created at")
        try:
            self.api = await Api.open(self.db_path, reload_workbooks=self.reload_workbooks)
            workbooks = await self.api.list_workbooks()
        except Exception as error:
            log.exception("cannot open %s", self.db_path)
            self.notify(f"Cannot open {self.db_path}: {error}", severity="error", timeout=30)
            return
        for problem in self.api.workbook_load_problems:
            self.notify(f"Workbook not loaded: {problem}", severity="warning")
        for workbook in workbooks:
            table.add_row(
                workbook.name,
                workbook.description or "",
                ", ".join(workbook.tags),
                workbook.created_at,
                key=workbook.name,
            )

    async def on_unmount(self) -> None:
        if self.api is not None:
            await self.api.close()
