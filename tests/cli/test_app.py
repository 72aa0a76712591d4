"""The minimal console: shows the stored workbooks, `q` quits."""

from textual.widgets import DataTable

from tripleo_tui.app import TripleoTuiApp


async def test_console_lists_workbooks_and_quits(tmp_path):
    app = TripleoTuiApp(tmp_path / "state.sqlite")
    async with app.run_test() as pilot:
        table = app.query_one("#workbooks", DataTable)
        for _ in range(100):  # the state file opens in a thread after mount
            if table.row_count:
                break
            await pilot.pause(0.05)
        assert table.row_count == 1
        assert table.get_row("tripleo.examples.v1")[0] == "tripleo.examples.v1"
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
