"""The Nodes pane: Ironic's nodes, refreshed every few seconds; mark nodes, then tag them with a
profile, remove it, manage or provide them by running our baremetal workflows; register nodes
from an instackenv.json file."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from engine import clouds
from engine.api import states
from engine.masking import mask_text
from tripleo_tui import nodes as baremetal
from tripleo_tui.screens.confirm import ConfirmScreen
from tripleo_tui.screens.node import NodeScreen
from tripleo_tui.screens.profile import ProfileScreen
from tripleo_tui.screens.reason import ReasonScreen
from tripleo_tui.screens.register import RegisterScreen
from tripleo_tui.widgets import cells
from tripleo_tui.widgets.columns import Column
from tripleo_tui.widgets.list_pane import MARK_ALL_BINDINGS, MARK_BINDING, ListPane

if TYPE_CHECKING:
    from tripleo_tui.session import ConsoleSession

WORKBOOK = "tripleo.baremetal.v1"
REFRESH_SECONDS = 5.0


class NodesPane(ListPane):
    class EndpointChecked(Message):
        """Whether Ironic answered the last refresh; `problem` says why not."""

        def __init__(self, ok: bool, problem: str = "") -> None:
            super().__init__()
            self.ok = ok
            self.problem = problem

    COLUMNS = (
        Column("mark", " ", 1),
        Column("name", "Name", 24, grow=True, min_width=8),
        Column("profile", "Profile", 13, grow=True, min_width=7),
        Column("provision", "Provisioning", 12, grow=True, min_width=9),
        Column("power", "Power", 9),
        Column("maintenance", "Maint.", 6),
        Column("uuid", "UUID", 36, min_width=0),
        Column("instance", "Instance UUID", 36, min_width=0),
    )
    BINDINGS: ClassVar = [  # the most used first: a narrow key bar drops the last
        MARK_BINDING,
        Binding("t", "tag", "Tag profile", id="tag", priority=True),
        Binding("m", "manage", "Manage", id="manage"),
        Binding("v", "provide", "Provide", id="provide"),
        Binding("u", "untag", "Remove profile", id="untag"),
        Binding("M", "maintenance", "Maintenance", id="maintenance", priority=True),
        Binding("P", "power", "Power on/off", id="power"),
        Binding("i", "register", "Register nodes", id="register-nodes", priority=True),
        *MARK_ALL_BINDINGS,
    ]

    OPENS_SCREEN = frozenset({"register", "tag", "maintenance"})

    def __init__(self, session: ConsoleSession, *, id: str) -> None:
        super().__init__(session, id=id)
        self.pending_profiles: dict[str, str] = {}  # uuid -> profile being set
        self.following: dict[str, tuple[str, list[str]]] = {}  # execution -> (what, node uuids)
        self.loaded = asyncio.Event()
        self._last_error = ""
        self.last_good_read: datetime | None = None  # when Ironic last answered
        self.stale_reason = ""  # why the rows shown may be out of date (Ironic unreachable)
        self._busy = False
        self.waiting: str | None = None  # why there are no nodes to read yet (sandbox starting)
        self.register_path = ""  # the instackenv.json registered last, offered again

    def on_mount(self) -> None:
        self.set_interval(REFRESH_SECONDS, self._refresh_tick)

    def _refresh_tick(self) -> None:
        if self.session.api is not None and not self._busy:
            self.reload()

    async def load(self) -> None:
        if self.waiting is not None:
            return  # Ironic is not up yet; `wait_for` is called again when it is
        self._busy = True
        try:
            found = await asyncio.to_thread(self._fetch)
        except Exception as error:  # Ironic or credentials: say it once, keep the last rows
            self._ironic_failed(error)
            return
        finally:
            self._busy = False
        self._last_error = ""
        self.last_good_read, self.stale_reason = datetime.now(), ""
        self.post_message(self.EndpointChecked(True))
        nodes = {node.uuid: node for node in found}
        self.marked &= nodes.keys()
        self.table.show(nodes)
        self.update_note()
        self.loaded.set()

    def wait_for(self, what: str | None) -> None:
        """Show `what` (a sandbox starting, say) instead of reading nodes; None: read them."""
        self.waiting = what
        if what is None:
            self.reload()
        else:
            self.set_note(what)

    def _fetch(self) -> list[baremetal.NodeInfo]:
        return baremetal.list_nodes(self.session.ironic_client())

    def _ironic_failed(self, error: Exception) -> None:
        message = str(error) or type(error).__name__
        if self.last_good_read is None:
            self.set_note(f"Nodes unavailable: {message}")
        else:
            self.stale_reason = message.splitlines()[0]
            self.update_note()
        self.post_message(self.EndpointChecked(False, message))
        if message != self._last_error and message != clouds.NO_ENDPOINT:
            self._last_error = message
            self.notify(f"Ironic: {message}", severity="error", timeout=10)
        self.loaded.set()

    @property
    def nodes(self) -> dict[str, baremetal.NodeInfo]:
        return self.table.model

    def search_text(self, node: baremetal.NodeInfo) -> str:
        fields = (node.name, node.profile, node.provision_state, node.power_state, node.uuid)
        return " ".join(field or "" for field in (*fields, node.instance_uuid))

    def render_row(self, node: baremetal.NodeInfo) -> cells.Cells:
        pending = self.pending_profiles.get(node.uuid)
        if pending is not None:
            profile = cells.Cell(f"→ {pending or '(none)'}", "italic yellow")
        else:
            profile = cells.text(node.profile, "bold")
        provision = node.provision_state
        if node.target_provision_state:
            provision = f"{provision}→{node.target_provision_state}"
        return (
            self.mark_cell(node.uuid),
            cells.text(node.name, "bold"),
            profile,
            cells.state(provision),
            cells.state(node.power_state),
            cells.flag(node.maintenance),
            cells.text(node.uuid),
            cells.text(node.instance_uuid),
        )

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        node = self.nodes.get(event.row_key.value)
        if node is not None:
            self.app.push_screen(NodeScreen(self.session, node))
        else:
            self.app.type_ahead.release()  # nothing opens: the keys typed are the list's

    # ---- maintenance and power: Ironic actions the backend runs ----------------------------

    def action_maintenance(self) -> None:
        """Into maintenance with a reason, or out of it (after a confirmation)."""
        self.keep_keys()  # for the reason
        self._maintenance()

    @work(group="node-action", exit_on_error=False)
    async def _maintenance(self) -> None:
        targets = self.targets()
        names = [node.label for node in targets]
        turn_on = bool(targets) and not targets[0].maintenance
        if turn_on:
            question = f"Put {_count(targets)} into maintenance?"
            reason = await self.app.push_screen_wait(
                ReasonScreen(question, names, "reason (optional)")
            )
            inputs = None if reason is None else {"state": True, "maint_reason": reason or None}
        elif targets:
            question = f"Take {_count(targets)} out of maintenance?"
            confirmed = await self.app.push_screen_wait(ConfirmScreen(question, names))
            inputs = {"state": False} if confirmed else None
        else:
            self.app.type_ahead.release()
            inputs = None
        if inputs is not None:
            what = "maintenance on" if turn_on else "maintenance off"
            await self._each_node("ironic.node_set_maintenance", targets, inputs, what)

    @work(group="node-action", exit_on_error=False)
    async def action_power(self) -> None:
        """Power on a node that is off, off one that is on (after a confirmation)."""
        targets = self.targets()
        if not targets:
            return
        state = "off" if targets[0].power_state == "power on" else "on"
        question = f"Power {state} {_count(targets)}?"
        if await self.app.push_screen_wait(ConfirmScreen(question, [n.label for n in targets])):
            await self._each_node("ironic.node_set_power_state", targets, {"state": state}, state)

    async def _each_node(
        self, action: str, targets: list[baremetal.NodeInfo], inputs: dict, what: str
    ) -> None:
        """Run `action` for each node through the backend (so the Mistral backend runs it too);
        a failure names the node and Ironic's reason."""
        for node in targets:
            record = await self.api.run_action(action, {"node_id": node.uuid, **inputs})
            if record.state != states.SUCCESS:
                reason = mask_text(str((record.output or {}).get("result") or record.state_info))
                self.notify(f"{what} {node.label}: {reason}", severity="error", markup=False)
                return
        self.notify(f"{what}: {_count(targets)}")
        self.reload()

    def _redraw(self, uuid: str) -> None:
        """The mark and a pending profile are shown from the pane's state, not the node's."""
        self.table.redraw(uuid)

    def update_note(self) -> None:
        note = self.counted("nodes")
        if self.stale_reason and self.last_good_read is not None:
            read_at = self.last_good_read.strftime("%H:%M:%S")
            note = f"STALE (as read at {read_at}; Ironic: {self.stale_reason}) · {note}"
        if self.following:
            running = ", ".join(what for what, _ in self.following.values())
            note += f" · running: {running}"
        self.set_note(note)

    # ---- workflows -------------------------------------------------------------------------

    def action_tag(self) -> None:
        self.keep_keys()  # for the profile
        self._tag_dialog()

    @work(group="node-action", exit_on_error=False)
    async def _tag_dialog(self) -> None:
        targets = self.targets()
        if not targets:
            self.app.type_ahead.release()
            return
        profiles = baremetal.known_profiles(list(self.nodes.values()))
        title = f"Tag {_count(targets)} with a profile"
        names = [node.name or node.uuid for node in targets]
        profile = await self.app.push_screen_wait(ProfileScreen(title, names, profiles))
        if profile:
            await self._tag(targets, profile)

    @work(group="node-action", exit_on_error=False)
    async def action_untag(self) -> None:
        targets = [node for node in self.targets() if node.profile]
        if targets:
            await self._tag(targets, None)
        else:
            self.notify("No profile to remove on the chosen nodes", severity="warning")

    async def _tag(self, targets: list[baremetal.NodeInfo], profile: str | None) -> None:
        """tag_nodes for several nodes when it takes a list, else tag_node per node."""
        uuids = [node.uuid for node in targets]
        what = f"{'tag' if profile else 'untag'} {_count(targets)}"
        if (
            profile
            and len(uuids) > 1
            and await self._takes(f"{WORKBOOK}.tag_nodes", "tag_node_uuids")
        ):
            runs = [
                (
                    f"{WORKBOOK}.tag_nodes",
                    {"tag_node_uuids": uuids, "untag_node_uuids": [], "role": profile},
                )
            ]
        else:
            runs = [
                (f"{WORKBOOK}.tag_node", {"node_uuid": uuid, "role": profile}) for uuid in uuids
            ]
        for uuid in uuids:
            self.pending_profiles[uuid] = profile or ""
            self._redraw(uuid)
        self.set_marks(set())
        started = set()
        try:
            for workflow, workflow_input in runs:
                execution = await self.session.start_execution(
                    workflow, workflow_input, description=f"console: {what}"
                )
                execution_id = execution.id
                run_uuids = workflow_input.get("tag_node_uuids") or [workflow_input["node_uuid"]]
                self.following[execution_id] = (what, run_uuids)
                started.update(run_uuids)
        finally:
            for uuid in set(uuids) - started:  # never started: show the real profile again
                self.pending_profiles.pop(uuid, None)
                self._redraw(uuid)
            self.update_note()

    async def _takes(self, workflow: str, input_name: str) -> bool:
        try:
            inputs = await self.api.get_workflow_input(workflow)
        except Exception:
            return False
        return any(param.name == input_name for param in inputs)

    @work(group="node-action", exit_on_error=False)
    async def action_manage(self) -> None:
        await self._provision("manage", "Move to manageable")

    @work(group="node-action", exit_on_error=False)
    async def action_provide(self) -> None:
        await self._provision("provide", "Make available (provide)")

    async def _provision(self, verb: str, question: str) -> None:
        targets = self.targets()
        if not targets:
            return
        confirmed = await self.app.push_screen_wait(
            ConfirmScreen(f"{question}: {_count(targets)}?", [node.label for node in targets])
        )
        if not confirmed:
            return
        self.set_marks(set())
        execution = await self.session.start_execution(
            f"{WORKBOOK}.{verb}",
            {"node_uuids": [node.uuid for node in targets]},
            description=f"console: {verb} {_count(targets)}",
        )
        self.following[execution.id] = (f"{verb} {_count(targets)}", [])
        self.update_note()

    def action_register(self) -> None:
        """Register (or update) the nodes of an instackenv.json file through
        tripleo.baremetal.v1.register_or_update, after a form that lists them."""
        self.keep_keys()  # from this key on: the keys typed go to the form
        self._register()

    @work(group="node-action", exit_on_error=False)
    async def _register(self) -> None:
        request = await self.app.push_screen_wait(RegisterScreen(self.register_path))
        if request is None:
            return
        self.register_path = str(request.path)
        count = f"{len(request.nodes)} node{'s' if len(request.nodes) > 1 else ''}"
        if request.remove:
            named = {each.get(key) for each in request.nodes for key in ("name", "uuid")}
            others = [n.label for n in self.nodes.values() if not named & {n.name, n.uuid}]
            question = (
                f"Register {count} from {request.path.name} and delete the nodes it does not "
                f"list ({len(others)} by name or UUID)?"
            )
            if not await self.app.push_screen_wait(ConfirmScreen(question, others)):
                return
        execution = await self.session.start_execution(
            f"{WORKBOOK}.register_or_update",
            request.input,
            description=f"console: register {count} from {request.path.name}",
        )
        self.following[execution.id] = (f"register {count}", [])
        self.update_note()

    def execution_finished(self, execution_id: str, state: str) -> bool:
        """Called by the app: when one of ours ends, read the nodes again at once and say so.
        Whether it was one of ours."""
        followed = self.following.pop(execution_id, None)
        if followed is None:
            return False
        what, uuids = followed
        for uuid in uuids:
            self.pending_profiles.pop(uuid, None)
            self._redraw(uuid)
        if state == "ERROR":
            self.run_worker(self.session.say_why_failed(what, execution_id), exit_on_error=False)
        else:
            severity = "information" if state == "SUCCESS" else "warning"
            self.notify(f"{what}: {state}", severity=severity)
        self.reload()
        return True


def _count(nodes: list[baremetal.NodeInfo]) -> str:
    if len(nodes) == 1:
        return f"node {nodes[0].name or nodes[0].uuid}"
    return f"{len(nodes)} nodes"
