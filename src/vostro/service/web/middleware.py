"""The gate every request passes: body limits, idempotent POSTs, metrics and one JSON log line.

A pure ASGI middleware, because it must see the raw body (to limit it and to fingerprint it) and
the raw response (to keep it for a retried POST).

`Idempotency-Key` (IETF httpapi draft): a POST carrying the header is run once per caller and key.
A retry with the same key and the same request gets the stored response again (with
`Idempotent-Replayed: true`); the same key with a different request is refused (422); a retry
while the first is still running is told to wait (409). Responses of 5xx and of refusals that
changed nothing before the request was even looked at (401, 429) are not kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from vostro.service.problems import MEDIA_TYPE, Problem
from vostro.store.repositories.idempotency import StoredResponse

if TYPE_CHECKING:
    from vostro.service.web.context import Service

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("vostro.http")
KEY_MAX = 255
NOT_KEPT = frozenset({401, 409, 429, 503})
INVALID_KEY = Problem(
    422,
    "invalid-idempotency-key",
    "Invalid Idempotency-Key",
    f"an Idempotency-Key is 1 to {KEY_MAX} printable characters",
    code="FF01",
)
KEY_REUSED = Problem(
    422,
    "idempotency-key-reused",
    "Idempotency-Key reused",
    "this Idempotency-Key was used for a different request; use a new key for a new request",
)
KEY_IN_USE = Problem(
    409,
    "idempotency-key-in-use",
    "Request in progress",
    "a request with this Idempotency-Key is still being processed; retry later",
    headers={"Retry-After": "1"},
)


class Gate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.in_flight: set[tuple[str, str]] = set()

    @property
    def service(self) -> Service:
        return self._service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self._service: Service = scope["app"].state.service  # there once the lifespan started
        started = time.perf_counter()
        request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        status_box = [500]

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self._handle(scope, receive, observed_send)
        finally:
            self._observe(scope, status_box[0], time.perf_counter() - started, request_id)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = self._limit(headers.get("content-type", ""))
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _problem(scope, send, _too_large(limit))
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await _problem(scope, send, _too_large(limit))
                return
            more = message.get("more_body", False)
        data = bytes(body)

        delivered = False

        async def replay() -> Message:
            """The body once (it was read here already), then the client's own messages: a
            response that waits for `http.disconnect` must get it, not the body again."""
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": data, "more_body": False}

        key = headers.get("idempotency-key")
        if scope["method"] != "POST" or key is None:
            await self.app(scope, replay, send)
            return
        await self._idempotent(scope, headers, key, data, replay, send)

    def _limit(self, content_type: str) -> int:
        settings = self.service.settings
        if "ndjson" in content_type or "csv" in content_type:
            return settings.max_list_bytes
        return settings.max_xml_bytes if "xml" in content_type else settings.max_json_bytes

    async def _idempotent(
        self,
        scope: Scope,
        headers: dict[str, str],
        key: str,
        data: bytes,
        replay: Receive,
        send: Send,
    ) -> None:
        if not key or len(key) > KEY_MAX or not key.isprintable():
            await _problem(scope, send, INVALID_KEY)
            return
        authorization = headers.get("authorization", "")
        principal = self.service.keys.check(authorization.removeprefix("Bearer ").strip())
        if principal is None:  # the route refuses it (401); nothing to remember
            await self.app(scope, replay, send)
            return
        fingerprint = _fingerprint(scope, headers, data)
        stored = self.service.idempotency_lookup(principal.key_id, key)
        if stored is not None:
            await _replay(scope, send, stored, fingerprint)
            return
        slot = (principal.key_id, key)
        if slot in self.in_flight:
            await _problem(scope, send, KEY_IN_USE)
            return
        self.in_flight.add(slot)
        try:
            await self._run_and_keep(scope, replay, send, slot, fingerprint)
        finally:
            self.in_flight.discard(slot)

    async def _run_and_keep(
        self, scope: Scope, replay: Receive, send: Send, slot: tuple[str, str], fingerprint: bytes
    ) -> None:
        """Run the request, and keep its response unless it is one never kept."""
        captured = _Captured(send)
        await self.app(scope, replay, captured.send)
        if captured.status < 500 and captured.status not in NOT_KEPT:
            response = StoredResponse(
                fingerprint, captured.status, captured.media_type, bytes(captured.body)
            )
            await self.service.idempotency_store(slot[0], slot[1], response)

    def _observe(self, scope: Scope, status: int, seconds: float, request_id: str) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope["method"]
        metrics = self.service.metrics
        metrics.requests.labels(method, template, str(status)).inc()
        metrics.request_seconds.labels(method, template).observe(seconds)
        state = scope.get("state", {})
        principal = state.get("principal")
        client = scope.get("client")
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": method,
                "path": scope["path"],
                "route": template,
                "status": status,
                "ms": round(seconds * 1000, 2),
                "key_id": getattr(principal, "key_id", None),
                "client": client[0] if client else None,
            },
        )


def _too_large(limit: int) -> Problem:
    return Problem(
        413,
        "body-too-large",
        "Request body too large",
        f"the request body is over the limit of {limit:,} bytes for its content type",
    )


class _Captured:
    """Passes a response on while keeping its status, media type and body."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500
        self.media_type = ""
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            for name, value in message.get("headers", []):
                if name.lower() == b"content-type":
                    self.media_type = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
        await self._send(message)


def _fingerprint(scope: Scope, headers: dict[str, str], data: bytes) -> bytes:
    """What makes two requests the same request: method, path, query, media type and body."""
    return hashlib.sha256(
        b"\0".join(
            [
                scope["method"].encode(),
                scope["path"].encode(),
                scope.get("query_string", b""),
                headers.get("content-type", "").encode(),
                data,
            ]
        )
    ).digest()


async def _replay(scope: Scope, send: Send, stored: StoredResponse, fingerprint: bytes) -> None:
    """The kept response again, if this is the request that made it."""
    if stored.request_hash != fingerprint:
        await _problem(scope, send, KEY_REUSED)
        return
    await _send(
        send, stored.status, stored.media_type, stored.body, [(b"idempotent-replayed", b"true")]
    )


async def _problem(scope: Scope, send: Send, problem: Problem) -> None:
    body = problem.detail_body(scope.get("path")).model_dump(exclude_none=True)
    extra = [(k.lower().encode(), v.encode()) for k, v in (problem.headers or {}).items()]
    await _send(send, problem.status, MEDIA_TYPE, json.dumps(body).encode(), extra)


async def _send(
    send: Send, status: int, media_type: str, body: bytes, extra: list[tuple[bytes, bytes]]
) -> None:
    headers = [
        (b"content-type", media_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
