"""API keys (`/v1/keys`: create, list, revoke, rotate) and the audit log (`/v1/audit`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from vostro.service import problems
from vostro.service.auth import KeyInfo, KeyRing, Principal, Role
from vostro.service.problems import not_found
from vostro.service.web import paging
from vostro.service.web.context import Service
from vostro.service.web.deps import Svc, Who, origin, require
from vostro.service.web.lookups import (
    visible,
)
from vostro.service.web.outputs import (
    key_out,
)
from vostro.service.web.params import KeyIdPath
from vostro.service.web.schemas import (
    AuditOut,
    KeyIn,
    KeyOut,
    NewKeyOut,
    ParticipantKeyIn,
)

router = APIRouter(prefix="/v1", responses=problems.RESPONSES)


@router.post("/keys", status_code=201, tags=["keys"])
async def create_key(
    body: Annotated[KeyIn | ParticipantKeyIn, Body(discriminator="role")],
    who: Who,
    svc: Svc,
    request: Request,
) -> NewKeyOut:
    """A new API key. The key is in this response only: vostro keeps just its hash. A
    participant's key names its participant (`bic`); the operator's and auditors' name none."""
    require(who, Role.OPERATOR)
    role = Role(body.role)
    bic = body.bic if isinstance(body, ParticipantKeyIn) else None
    if bic is not None:
        visible(svc, who, bic)
    where = origin(request)
    key, info = await svc.writer.run(
        lambda p: KeyRing.of(p).create(
            role,
            bic,
            body.label,
            actor=who.name,
            origin=where,
        )
    )
    return NewKeyOut(key=key, **key_out(info).model_dump())


@router.get("/keys", tags=["keys"])
def list_keys(
    who: Who,
    svc: Svc,
    request: Request,
    response: Response,
    limit: Annotated[int, paging.LimitQuery] = 100,
    cursor: Annotated[str | None, paging.BY_KEY_ID.query()] = None,
) -> paging.Page[KeyOut]:
    """API keys (never the keys themselves) by key id, a page at a time; a participant sees its
    own."""
    start = paging.BY_KEY_ID.decode(cursor)
    mine = [k for k in svc.keys.all() if who.role is not Role.PARTICIPANT or k.bic == who.bic]
    rows = paging.after(mine, start, lambda k: (k.key_id,), limit)
    kept, after = paging.page(request, response, rows, limit, lambda k: (k.key_id,))
    return paging.Page(items=[key_out(k) for k in kept], next_cursor=after)


def _own_key(svc: Service, who: Principal, key_id: str) -> KeyInfo:
    info = svc.keys.get(key_id) if len(key_id) <= 16 else None
    if info is None or (who.role is Role.PARTICIPANT and info.bic != who.bic):
        raise not_found(f"API key {key_id}")
    require(who, Role.OPERATOR, Role.PARTICIPANT)
    return info


@router.post("/keys/{key_id}/revoke", tags=["keys"])
async def revoke_key(key_id: KeyIdPath, who: Who, svc: Svc, request: Request) -> KeyOut:
    """Revoke a key at once (a participant may revoke its own)."""
    _own_key(svc, who, key_id)
    where = origin(request)
    info = await svc.writer.run(
        lambda p: KeyRing.of(p).revoke(key_id, actor=who.name, origin=where)
    )
    svc.keys.forget(key_id)  # at once here; the other workers within `auth.CACHE_TTL_NS`
    return key_out(info)


@router.post("/keys/{key_id}/rotate", status_code=201, tags=["keys"])
async def rotate_key(key_id: KeyIdPath, who: Who, svc: Svc, request: Request) -> NewKeyOut:
    """A successor key with the same role; the old key stops working at once."""
    _own_key(svc, who, key_id)
    where = origin(request)
    key, info = await svc.writer.run(
        lambda p: KeyRing.of(p).rotate(key_id, actor=who.name, origin=where)
    )
    svc.keys.forget(key_id)
    return NewKeyOut(key=key, **key_out(info).model_dump())


@router.get("/audit", tags=["audit"])
def audit_log(
    who: Who,
    svc: Svc,
    request: Request,
    response: Response,
    limit: Annotated[int, paging.LimitQuery] = 100,
    cursor: Annotated[str | None, paging.BY_ID.query()] = None,
) -> paging.Page[AuditOut]:
    """Every write: who, what, to what, when and from where, newest first, a page at a time."""
    require(who, Role.OPERATOR, Role.AUDITOR)
    start = paging.BY_ID.decode(cursor)
    before = None if start is None else int(start[0])
    entries = svc.platform.read(
        lambda uow: uow.read_models.audit_page(limit=limit + 1, before=before)
    )
    kept, after = paging.page(request, response, entries, limit, lambda e: (e["id"],))
    return paging.Page(items=[AuditOut(**e) for e in kept], next_cursor=after)
