"""A key's screen is drawn before anything that can wait: from the key until the screen is
updated, no garbage collection runs and the console's engine holds its turns."""

from __future__ import annotations

import gc

from tests.tui.conftest import wait_for


async def test_a_key_holds_collections_and_the_engine_until_its_screen_is_drawn(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, app.engine_ready.is_set, "the engine")
        engine = await app.api.start_engine()  # the one running here
        seen = []
        show_pane = app.action_show_pane

        def show_and_look(name: str) -> None:
            seen.append((gc.isenabled(), engine.give_way.holding))
            show_pane(name)

        app.action_show_pane = show_and_look
        await pilot.press("4")
        assert app.pane("nodes").table.has_focus
        assert seen == [(False, True)]  # while the key was acted on
        await wait_for(pilot, lambda: not app.key_first.waiting, "the key's screen")
        assert gc.isenabled()
        assert not engine.give_way.holding


async def test_a_key_that_changes_nothing_holds_nothing_for_long(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, app.engine_ready.is_set, "the engine")
        app.key_first.key_pressed()  # as a key does; no screen update follows
        assert not gc.isenabled()
        await wait_for(pilot, gc.isenabled, "collections again", timeout=2)
        assert not app.key_first.waiting
