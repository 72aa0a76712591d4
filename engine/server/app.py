"""Mistral's v2 REST API over our engine, as an aiohttp application on the engine's event loop.

Paths, bodies, status codes and error bodies (`{"faultstring": ...}`) follow Mistral's v2
controllers (mistral/api/controllers/v2/*.py), so python-mistralclient and the `mistral` CLI
work unchanged. Every call goes to the backend (engine/server/backend.py); nothing here knows
how executions are run or stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from engine.api import (
    ACTION_EXECUTION_FIELDS,
    EXECUTION_FIELDS,
    TASK_FIELDS,
    AlreadyExistsError,
    Backend,
    Caller,
    DefinitionError,
    EngineError,
    InputError,
    NotFoundError,
    Page,
    PageError,
    StoreError,
    WorkflowError,
)
from engine.api import mistral_json as resources
from engine.api.handoff import ERROR_TYPE_HEADER, KEY_HEADER, error_type
from engine.server.auth import TOKEN_HEADER, TokenCheck
from engine.server.query import only_fields, page_in_memory, parse_query
from engine.target_cloud import TargetCloudError, caller_from_headers
from engine.yamlsafe import definition_body

LOG = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024  # the largest TripleO workbook is about 40 KB
MAX_WAIT = 60.0  # seconds a long poll may last
BACKEND = web.AppKey("backend", Backend)
TOKENS = web.AppKey("tokens", object)
CALLER = web.RequestKey("caller", object)  # the request's engine.callers.Caller, or None
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Shape = Callable[[Any], dict[str, Any]]  # a record as a Mistral resource

# Columns a short list (workbooks, workflows, actions, environments, cron triggers) may be
# filtered and sorted by: any field of the resource.
ANY_FIELD = frozenset(
    {
        "id",
        "name",
        "namespace",
        "tags",
        "scope",
        "project_id",
        "created_at",
        "updated_at",
        "is_system",
        "input",
        "description",
        "definition",
        "workflow_name",
        "workflow_id",
        "workflow_input",
        "workflow_params",
        "pattern",
        "remaining_executions",
        "first_execution_time",
        "next_execution_time",
    }
)


class BadRequest(ValueError):
    """The request itself is wrong (400)."""


def fault(status: int, message: str) -> web.Response:
    return web.json_response({"faultstring": message, "faultcode": "Client"}, status=status)


def status_of(error: Exception) -> int:
    """The status Mistral gives the same failure (mistral/exceptions.py http_code)."""
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, AlreadyExistsError):
        return 409
    if isinstance(error, (BadRequest, PageError, DefinitionError, StoreError, ValueError)):
        return 400
    if isinstance(error, (InputError, WorkflowError)):
        return 400
    return 500


@dataclass
class InFlight:
    count: int = 0


IN_FLIGHT = web.AppKey("in_flight", InFlight)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure as Mistral's JSON fault body, one line, never a traceback; the error's
    class in our header, so our own hand-off raises it as itself."""
    in_flight = request.app[IN_FLIGHT]
    in_flight.count += 1
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return fault(error.status, error.reason if error.text is None else _plain(error))
    except Exception as error:
        status = status_of(error)
        if status == 500 and not isinstance(error, EngineError):
            LOG.exception("%s %s failed", request.method, request.path)
            return fault(500, f"Internal server error: {type(error).__name__}")
        response = fault(status, str(error))
        response.headers[ERROR_TYPE_HEADER] = error_type(error)
        return response
    finally:
        in_flight.count -= 1


def _plain(error: web.HTTPException) -> str:
    text = (error.text or "").strip()
    return text.removeprefix(f"{error.status}: ") or error.reason


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """With a token check configured, every call but version discovery needs a valid token;
    a refused call changes nothing. The caller goes with the executions the request starts,
    reruns or resumes (engine.callers): the cloud its Mistral target-cloud headers name
    (engine.target_cloud; our CLI sends its own so), else its Keystone token; without a check,
    any token sent is taken as the caller's (it grants nothing the token itself does not)."""
    tokens: TokenCheck | None = request.app[TOKENS]
    token = request.headers.get(TOKEN_HEADER, "")
    if tokens is None:
        request[CALLER] = Caller(token) if token else None
    elif request.path in ("/", ""):
        request[CALLER] = None
    elif token and await tokens.valid(token):
        request[CALLER] = tokens.caller(token)
    else:
        return fault(401, "Authentication required: a valid X-Auth-Token header")
    try:
        request[CALLER] = caller_from_headers(request.headers) or request[CALLER]
    except TargetCloudError as error:
        return fault(400, str(error))
    return await handler(request)


def make_app(backend: Backend, tokens: TokenCheck | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[errors, authenticate])
    app[BACKEND] = backend
    app[TOKENS] = tokens
    app[IN_FLIGHT] = InFlight()
    routes = [
        web.get("/", versions),
        web.get("/v2", v2_root),
        web.get("/v2/", v2_root),
        # workbooks
        web.get("/v2/workbooks", list_of("workbooks", "list_workbooks", resources.workbook)),
        web.post("/v2/workbooks", create_workbook),
        web.put("/v2/workbooks", update_workbook),
        web.post("/v2/workbooks/validate", validate_workbook),
        web.get("/v2/workbooks/{name}", one_of("get_workbook", resources.workbook)),
        web.delete("/v2/workbooks/{name}", deleting("delete_workbook")),
        # workflows
        web.get("/v2/workflows", list_of("workflows", "list_workflows", resources.workflow)),
        web.post("/v2/workflows", create_workflows),
        web.put("/v2/workflows", update_workflows),
        web.post("/v2/workflows/validate", validate_workflows),
        web.get("/v2/workflows/{id}", get_workflow),
        web.put("/v2/workflows/{id}", update_workflows),
        web.delete("/v2/workflows/{id}", deleting("delete_workflow")),
        # actions (python-mistralclient asks for /actions/<name>/<namespace>)
        web.get("/v2/actions", list_of("actions", "list_actions", resources.action)),
        web.post("/v2/actions", create_actions),
        web.put("/v2/actions", update_actions),
        web.post("/v2/actions/validate", validate_actions),
        web.get("/v2/actions/{name}", one_of("get_action", resources.action)),
        web.put("/v2/actions/{name}", update_actions),
        web.delete("/v2/actions/{name}", deleting("delete_action")),
        web.get("/v2/actions/{name}/{namespace:.*}", one_of("get_action", resources.action)),
        web.delete("/v2/actions/{name}/{namespace:.*}", deleting("delete_action")),
        # executions
        web.get("/v2/executions", list_executions),
        web.post("/v2/executions", create_execution),
        web.get("/v2/executions/{id}", get_execution),
        web.put("/v2/executions/{id}", update_execution),
        web.delete("/v2/executions/{id}", deleting("delete_execution", keyed=True)),
        web.get("/v2/executions/{id}/tasks", list_tasks),
        web.get("/v2/executions/{id}/executions", sub_executions),
        web.get("/v2/executions/{id}/report", execution_report),
        # tasks
        web.get("/v2/tasks", list_tasks),
        web.get("/v2/tasks/{id}", one_of("get_task", resources.task)),
        web.put("/v2/tasks/{id}", rerun_task),
        web.get("/v2/tasks/{id}/action_executions", list_action_executions),
        web.get("/v2/tasks/{id}/executions", sub_executions),
        # action executions
        web.get("/v2/action_executions", list_action_executions),
        web.post("/v2/action_executions", run_action),
        web.get(
            "/v2/action_executions/{id}",
            one_of("get_action_execution", resources.action_execution),
        ),
        web.put("/v2/action_executions/{id}", update_action_execution),
        web.delete("/v2/action_executions/{id}", deleting("delete_action_execution", keyed=True)),
        # ours, beside /v2: wait for an execution's end without polling
        web.get("/tripleo-tui/v1/executions/{id}/wait", wait_execution),
        # environments
        web.get(
            "/v2/environments",
            list_of("environments", "list_environments", resources.environment),
        ),
        web.post("/v2/environments", create_environment),
        web.put("/v2/environments", update_environment),
        web.get("/v2/environments/{name}", one_of("get_environment", resources.environment)),
        web.delete("/v2/environments/{name}", deleting("delete_environment")),
        # cron triggers
        web.get(
            "/v2/cron_triggers",
            list_of("cron_triggers", "list_cron_triggers", resources.cron_trigger),
        ),
        web.post("/v2/cron_triggers", create_cron_trigger),
        web.get("/v2/cron_triggers/{name}", one_of("get_cron_trigger", resources.cron_trigger)),
        web.delete("/v2/cron_triggers/{name}", deleting("delete_cron_trigger")),
    ]
    app.add_routes(routes)
    return app


# ---- helpers ------------------------------------------------------------------------------


def backend_of(request: web.Request) -> Backend:
    return request.app[BACKEND]


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; bad JSON is a 400 naming the position."""
    text = await request.text()
    try:
        body = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        raise BadRequest(f"Invalid JSON body: {error}") from None
    if not isinstance(body, dict):
        raise BadRequest("The JSON body must be an object")
    return body


def json_field(body: dict[str, Any], name: str) -> Any:
    """A JSON-typed field, which Mistral clients send as JSON text (or as an object)."""
    value = body.get(name)
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise BadRequest(f"Invalid JSON in '{name}': {error}") from None


def dict_field(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = json_field(body, name) or {}
    if not isinstance(value, dict):
        raise BadRequest(f"'{name}' must be a JSON object, not {type(value).__name__}")
    return value


def listing(
    request: web.Request, key: str, items: list[dict[str, Any]], page: Page, fields: tuple
) -> web.Response:
    """Mistral's list body: the items and, when the page is full, the link to the next one."""
    body: dict[str, Any] = {key: [only_fields(item, fields) for item in items]}
    if page.limit is not None and items and len(items) == page.limit:
        args = {k: v for k, v in request.query.items() if k not in ("marker", "limit")}
        args.update(limit=str(page.limit), marker=items[-1]["id"])
        body["next"] = f"{request.url.origin()}{request.path}?{urlencode(args)}"
    return web.json_response(body)


def short_list(request: web.Request, key: str, items: list[dict[str, Any]]) -> web.Response:
    """A list short enough to page in memory (definitions, cron triggers)."""
    page, fields = parse_query(request.query, ANY_FIELD)
    return listing(request, key, page_in_memory(items, page), page, fields)


def list_of(key: str, method: str, shape: Shape) -> Handler:
    """GET of a short list: what `backend.<method>()` returns, as Mistral resources under
    `key`."""

    async def handler(request: web.Request) -> web.Response:
        records = await getattr(backend_of(request), method)()
        return short_list(request, key, [shape(record) for record in records])

    return handler


def one_of(method: str, shape: Shape) -> Handler:
    """GET of one object named by the path's last part: `backend.<method>(name)`."""

    async def handler(request: web.Request) -> web.Response:
        record = await getattr(backend_of(request), method)(_named(request))
        return web.json_response(shape(record))

    return handler


def deleting(method: str, keyed: bool = False) -> Handler:
    """DELETE of the object named by the path's last part (`backend.<method>(name)`): 204, as
    Mistral answers. `keyed`: a change the engine makes, given the request's key."""

    async def handler(request: web.Request) -> web.Response:
        key = {"key": request_key(request)} if keyed else {}
        await getattr(backend_of(request), method)(_named(request), **key)
        return web.Response(status=204)

    return handler


def request_key(request: web.Request) -> str | None:
    """The idempotency key our hand-off sends with a change (other clients send none)."""
    return request.headers.get(KEY_HEADER) or None


def _named(request: web.Request) -> str:
    info = request.match_info
    return info.get("name") or info["id"]


async def definition_text(request: web.Request) -> str:
    text = await request.text()
    if not text.strip():
        raise BadRequest("The definition is empty")
    return text


# ---- version discovery ---------------------------------------------------------------------


async def versions(request: web.Request) -> web.Response:
    href = f"{request.url.origin()}/v2"
    version = {
        "id": "v2.0",
        "status": "CURRENT",
        "links": [{"href": href, "target": "v2", "rel": "self"}],
    }
    return web.json_response({"versions": [version]})


async def v2_root(request: web.Request) -> web.Response:
    return web.json_response({"uri": f"{request.url.origin()}/v2"})


# ---- workbooks ------------------------------------------------------------------------------


async def create_workbook(request: web.Request) -> web.Response:
    text = await definition_text(request)
    record = await backend_of(request).create_workbook(text)
    return web.json_response(resources.workbook(record), status=201)


async def update_workbook(request: web.Request) -> web.Response:
    text = await definition_text(request)
    record = await backend_of(request).update_workbook(text)
    return web.json_response(resources.workbook(record))


async def validate_workbook(request: web.Request) -> web.Response:
    result = await backend_of(request).validate_workbook(await request.text())
    return web.json_response(_validation(result))


def _validation(result: Any) -> dict[str, Any]:
    if result.valid:
        return {"valid": True}
    return {"valid": False, "error": "\n".join(str(problem) for problem in result.problems)}


# ---- workflows ------------------------------------------------------------------------------


async def get_workflow(request: web.Request) -> web.Response:
    backend = backend_of(request)
    record = await backend.get_workflow(request.match_info["id"])
    inputs = [
        param.name if param.required else {param.name: param.default}
        for param in await backend.get_workflow_input(record.id)
    ]
    interface = {"input": inputs, "output": await output_keys(record.definition)}
    return web.json_response(resources.workflow(record, interface))


async def output_keys(definition: str) -> list[str]:
    """The keys of a workflow's `output`, from its definition (a one-workflow document)."""
    output = (await asyncio.to_thread(definition_body, definition)).get("output")
    return list(output) if isinstance(output, dict) else []


async def create_workflows(request: web.Request) -> web.Response:
    text = await definition_text(request)
    records = await backend_of(request).create_workflows(text)
    return web.json_response({"workflows": [resources.workflow(r) for r in records]}, status=201)


async def update_workflows(request: web.Request) -> web.Response:
    text = await definition_text(request)
    records = await backend_of(request).update_workflows(text)
    if "id" in request.match_info:
        wanted = request.match_info["id"]
        chosen = [r for r in records if wanted in (r.id, r.name)] or records[:1]
        return web.json_response(resources.workflow(chosen[0]))
    return web.json_response({"workflows": [resources.workflow(r) for r in records]})


async def validate_workflows(request: web.Request) -> web.Response:
    result = await backend_of(request).validate_workflows(await request.text())
    return web.json_response(_validation(result))


# ---- actions --------------------------------------------------------------------------------


async def create_actions(request: web.Request) -> web.Response:
    text = await definition_text(request)
    scope = request.query.get("scope") or "private"
    records = await backend_of(request).create_actions(text, scope=scope)
    return web.json_response({"actions": [resources.action(r) for r in records]}, status=201)


async def update_actions(request: web.Request) -> web.Response:
    """PUT /actions (by name) or /actions/ID_OR_NAME (the document's one action)."""
    text = await definition_text(request)
    records = await backend_of(request).update_actions(
        text, scope=request.query.get("scope") or "private", id=request.match_info.get("name")
    )
    return web.json_response({"actions": [resources.action(r) for r in records]})


async def validate_actions(request: web.Request) -> web.Response:
    result = await backend_of(request).validate_actions(await request.text())
    return web.json_response(_validation(result))


# ---- executions -----------------------------------------------------------------------------


async def get_execution(request: web.Request) -> web.Response:
    """One execution, with what its tasks published globally (as Mistral's GET adds)."""
    backend = backend_of(request)
    record = await backend.get_execution(request.match_info["id"])
    published = await backend.get_execution_published(record.id)
    return web.json_response(
        resources.execution(record) | {"published_global": json.dumps(published)}
    )


async def execution_report(request: web.Request) -> web.Response:
    report = await backend_of(request).get_execution_report(
        request.match_info["id"],
        errors_only=_flag(request, "errors_only"),
        max_depth=_integer(request, "max_depth", -1),
        statistics_only=_flag(request, "statistics_only"),
    )
    return web.json_response(report)


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() == "true"


def _integer(request: web.Request, name: str, default: int) -> int:
    try:
        return int(request.query.get(name) or default)
    except ValueError:
        raise BadRequest(f"{name} must be an integer") from None


async def list_executions(request: web.Request) -> web.Response:
    page, fields = parse_query(request.query, EXECUTION_FIELDS)
    with_output = request.query.get("include_output", "").lower() == "true" or "output" in fields
    records = await backend_of(request).page_executions(page, with_output=with_output)
    items = [resources.execution(r) for r in records]
    if not with_output:
        for item in items:
            item.pop("output")
    return listing(request, "executions", items, page, fields)


async def create_execution(request: web.Request) -> web.Response:
    body = await json_body(request)
    backend = backend_of(request)
    if body.get("source_execution_id"):
        raise BadRequest("source_execution_id is not supported")
    workflow = body.get("workflow_id") or body.get("workflow_name")
    if not workflow:
        raise BadRequest(
            "Workflow ID or workflow name must be provided. Workflow ID is recommended."
        )
    record = await backend.start_execution(
        workflow,
        dict_field(body, "input"),
        dict_field(body, "params"),
        body.get("description") or "",
        id=body.get("id") or None,  # an execution of that id already stored is returned
        caller=request[CALLER],
    )
    return web.json_response(resources.execution(record), status=201)


async def update_execution(request: web.Request) -> web.Response:
    body = await json_body(request)
    state = body.get("state") or None
    description = body.get("description") or None
    env = dict_field(body, "params").get("env") or None
    if state is None and description is None and env is None:
        raise BadRequest("The property state, description, or env is not provided for update.")
    if description is not None and state is not None:
        raise BadRequest("The property description must be updated separately from state.")
    if env is not None and state is not None and state != "RUNNING":
        raise BadRequest(
            "The property env can only be updated when workflow execution is not running or "
            "on resume from pause."
        )
    if state not in (None, "RUNNING", "PAUSED", "SUCCESS", "ERROR", "CANCELLED"):
        raise BadRequest(
            f"Cannot change state to {state}. Allowed states are: "
            "'RUNNING, PAUSED, SUCCESS, ERROR, CANCELLED"
        )
    record = await backend_of(request).update_execution(
        request.match_info["id"],
        state=state,
        state_info=body.get("state_info") or None,
        env=env,
        description=description,
        caller=request[CALLER] if state == "RUNNING" else None,
        key=request_key(request),
    )
    return web.json_response(resources.execution(record))


async def wait_execution(request: web.Request) -> web.Response:
    """The execution once it has ended, or as it is after `timeout` seconds (at most
    MAX_WAIT): a long poll, so a waiting client makes one request where it made hundreds."""
    try:
        timeout = min(float(request.query.get("timeout", MAX_WAIT)), MAX_WAIT)
    except ValueError:
        raise BadRequest("timeout must be a number of seconds") from None
    backend = backend_of(request)
    execution_id = request.match_info["id"]
    try:
        record = await asyncio.wait_for(backend.wait_execution(execution_id), timeout)
    except TimeoutError:
        record = await backend.get_execution(execution_id)
    return web.json_response(resources.execution(record))


# ---- tasks ----------------------------------------------------------------------------------


async def list_tasks(request: web.Request) -> web.Response:
    """`/tasks` and `/executions/ID/tasks`: one page, read in SQL."""
    page, fields = parse_query(request.query, TASK_FIELDS)
    page = page.where("workflow_execution_id", request.match_info.get("id"))
    records = await backend_of(request).page_tasks(page)
    return listing(request, "tasks", [resources.task(r) for r in records], page, fields)


async def rerun_task(request: web.Request) -> web.Response:
    body = await json_body(request)
    if body.get("state") not in ("RUNNING", "SKIPPED"):
        raise BadRequest(
            "Only a task rerun (state RUNNING) or skip (state SKIPPED) can update a task execution"
        )
    record = await backend_of(request).rerun_task(
        request.match_info["id"],
        reset=body.get("reset", True) is not False,
        env=dict_field(body, "env") or None,
        skip=body["state"] == "SKIPPED",  # Mistral 16+: a failed task is skipped
        caller=request[CALLER],
        key=request_key(request),
    )
    return web.json_response(resources.task(record))


async def sub_executions(request: web.Request) -> web.Response:
    """`/executions/ID/executions` and `/tasks/ID/executions` (engine.api.trees)."""
    kind = "execution" if request.path.startswith("/v2/executions/") else "task"
    found = await backend_of(request).list_sub_executions(
        kind,
        request.match_info["id"],
        errors_only=_flag(request, "errors_only"),
        max_depth=_integer(request, "max_depth", -1),
    )
    return web.json_response({"executions": [resources.execution(r) for r in found]})


# ---- action executions ------------------------------------------------------------------------


async def list_action_executions(request: web.Request) -> web.Response:
    """`/action_executions` and `/tasks/ID/action_executions`: one page, read in SQL."""
    page, fields = parse_query(request.query, ACTION_EXECUTION_FIELDS)
    page = page.where("task_execution_id", request.match_info.get("id"))
    records = await backend_of(request).page_action_executions(page)
    items = [resources.action_execution(r) for r in records]
    return listing(request, "action_executions", items, page, fields)


async def run_action(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not body.get("name"):
        raise BadRequest('ActionExecution is missing field "name"')
    params = dict_field(body, "params")
    record = await backend_of(request).run_action(
        body["name"],
        dict_field(body, "input"),
        save_result=bool(params.get("save_result")),
        run_sync=bool(params.get("run_sync")),
        description=body.get("description") or "",
        caller=request[CALLER],
        key=request_key(request),
    )
    return web.json_response(resources.action_execution(record), status=201)


async def update_action_execution(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not body.get("state"):
        raise BadRequest("Please provide the state of the action execution")
    try:
        output = json_field(body, "output")
    except BadRequest:
        output = body.get("output")  # plain text is a result too
    record = await backend_of(request).update_action_execution(
        request.match_info["id"], body["state"], output, key=request_key(request)
    )
    return web.json_response(resources.action_execution(record))


# ---- environments -----------------------------------------------------------------------------


async def create_environment(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not body.get("name"):
        raise BadRequest('Environment is missing field "name"')
    record = await backend_of(request).create_environment(
        body["name"],
        dict_field(body, "variables"),
        body.get("description"),
        body.get("scope") or "private",
    )
    return web.json_response(resources.environment(record), status=201)


async def update_environment(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not body.get("name"):
        raise BadRequest('Environment is missing field "name"')
    variables = dict_field(body, "variables") if body.get("variables") is not None else None
    record = await backend_of(request).update_environment(
        body["name"], variables, body.get("description"), body.get("scope")
    )
    return web.json_response(resources.environment(record))


# ---- cron triggers ----------------------------------------------------------------------------


async def create_cron_trigger(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not body.get("name"):
        raise BadRequest('CronTrigger is missing field "name"')
    workflow = body.get("workflow_id") or body.get("workflow_name")
    if not workflow:
        raise BadRequest("Workflow ID or workflow name must be provided.")
    count = body.get("remaining_executions")
    if count is not None and type(count) is not int:
        raise BadRequest(f"remaining_executions must be an integer, not '{count}'")
    record = await backend_of(request).create_cron_trigger(
        body["name"],
        workflow,
        dict_field(body, "workflow_input"),
        dict_field(body, "workflow_params"),
        body.get("pattern") or None,
        body.get("first_execution_time") or None,
        count,
        key=request_key(request),
    )
    return web.json_response(resources.cron_trigger(record), status=201)
