"""The sandbox's own admin API under ``/sandbox/``: the clock, faults, tenants, approvals, truth.

Not Visma's: it needs no authentication (the sandbox listens on loopback by default).
"""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from visma_hrm.sandbox.config import FaultConfig
from visma_hrm.sandbox.replies import bad_request, json_body, not_found
from visma_hrm.sandbox.spec import DATASETS
from visma_hrm.sandbox.state import SandboxState


async def advance(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    try:
        days = float((await json_body(request)).get("days", 0))
        clock = await anyio.to_thread.run_sync(state.world.advance, days)
    except (TypeError, ValueError) as exc:
        return bad_request(str(exc))
    return JSONResponse({"clock": clock})


async def clock(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    return JSONResponse({"clock": state.world.clock_text()})


async def faults(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if request.method == "PUT":
        try:
            state.faults.set(FaultConfig.from_json(await json_body(request)))
        except (TypeError, ValueError) as exc:
            return bad_request(str(exc))
    return JSONResponse(state.faults.faults.to_json())


async def tenants(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    world = state.world
    tenants = [
        {
            "tenantId": t.tenant_id,
            "linked": True,
            "approvals": sorted(t.approvals),
            "persons": t.count,
        }
        for t in world.tenants.values()
    ]
    tenants += [
        {"tenantId": u, "linked": False, "approvals": [], "persons": 0} for u in world.unlinked
    ]
    return JSONResponse(
        {"clientId": state.config.client_id, "clock": world.clock_text(), "tenants": tenants}
    )


async def approvals(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    tenant_id = request.path_params["tenant_id"]
    if tenant_id not in state.world.tenants:
        return not_found("Unknown or unlinked tenant.")
    try:
        datasets = (await json_body(request)).get("datasets", [])
        state.world.set_approvals(tenant_id, list(datasets))
    except (TypeError, ValueError) as exc:
        return bad_request(str(exc))
    return JSONResponse(
        {"tenantId": tenant_id, "approvals": sorted(state.world.tenants[tenant_id].approvals)}
    )


async def truth(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    tenant_id, dataset = request.path_params["tenant_id"], request.path_params["dataset"]
    if tenant_id not in state.world.tenants or dataset not in DATASETS:
        return not_found("Unknown tenant or dataset.")
    columns, rows = await anyio.to_thread.run_sync(
        state.world.truth, tenant_id, dataset, state.faults.faults
    )
    return JSONResponse({"columns": columns, "rows": [[r[c] for c in columns] for r in rows]})
