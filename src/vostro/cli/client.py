"""The command line as a client of a running `vostro serve`.

While a service runs, its writer holds the ledger's writer lock, so a command that changes the
platform cannot open the database itself. Given the root options `--url` and `--api-key` (or
`$VOSTRO_URL` and `$VOSTRO_API_KEY`, read when the command runs, never at import), such a command
sends its change to the service's HTTP API (`/v1/...`, the key as a bearer token) instead; the
key names who acts in the audit log. Without a URL it works on the database as before. `write`
is the one fork: a command gives it both ways of doing its change, each giving back the values
the command prints.

The service refuses with RFC 9457 problem details (`application/problem+json`: `title`,
`detail`, `status`, the ISO 20022 reason `code` where there is one, `errors` per field). The
command prints one sentence on stderr (`error: Payment refused: the debtor agent is suspended
(reason AC06)`) and exits 1, as it does when the service cannot be reached or takes no writes
now (503, a standby or a writer starting again, with `Retry-After`). What the service says is
untrusted text: it is printed through `options.fail`, which shows control characters as escapes
and never reads Rich markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from vostro.cli.options import fail, open_platform

if TYPE_CHECKING:
    import httpx

    from vostro.platform import Platform

T = TypeVar("T")

# Writes wait for the writer: an end of day, an optimal LSM run or a large list answers only when
# it is done. Connecting is quick or the service is not there.
TIMEOUT_S = 120.0
CONNECT_TIMEOUT_S = 5.0
PROBLEM_MEDIA_TYPE = "application/problem+json"
# A refusal's field errors named in its sentence when it has no detail (the rest are left off).
FIELD_ERRORS_SHOWN_MAX = 5


@dataclass(frozen=True, slots=True)
class Target:
    """The root options: the service's URL and the API key to act with (None: the database)."""

    url: str | None = None
    api_key: str | None = None


class ServiceClient:
    """One command's connection to the service: JSON in and out, every refusal a sentence."""

    def __init__(
        self, url: str, api_key: str, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        import httpx  # when a command goes to a service: the command line starts faster without

        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=httpx.Timeout(TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
            transport=transport,
        )

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._http.close()

    def get(self, path: str, **options: Any) -> Any:
        return self.call("GET", path, **options)

    def post(self, path: str, body: Mapping[str, Any] | None = None, **options: Any) -> Any:
        return self.call("POST", path, json=body, **options)

    def put(self, path: str, body: Mapping[str, Any] | None = None, **options: Any) -> Any:
        return self.call("PUT", path, json=body, **options)

    def delete(self, path: str, **options: Any) -> Any:
        return self.call("DELETE", path, **options)

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        media_type: str | None = None,
        params: Mapping[str, Any] | None = None,
        missing_ok: bool = False,
    ) -> Any:
        """The answer's JSON (or its bytes, when it is not JSON); None for a 404 when
        `missing_ok`. Any other refusal ends the command (`fail`)."""
        import httpx

        headers = {"Content-Type": media_type} if media_type else None
        try:
            response = self._http.request(
                method, path, json=json, content=content, params=params, headers=headers
            )
        except httpx.TimeoutException:
            fail(
                f"the vostro service at {self.url} did not answer within {TIMEOUT_S:.0f} s; the "
                "change may still take effect: look before sending it again"
            )
        except httpx.HTTPError as error:
            fail(f"cannot reach a vostro service at {self.url}: {error or type(error).__name__}")
        if missing_ok and response.status_code == 404:
            return None
        if response.is_error:
            fail(refusal(response, self.url))
        if "json" in response.headers.get("content-type", ""):
            return response.json()
        return response.content


def v1(*parts: object) -> str:
    """An API path from its parts, each quoted whole (`v1("participants", bic, "funds")`): a
    part holding `/` or `?` stays one part."""
    return "/v1/" + "/".join(quote(str(part), safe="") for part in parts)


def problem_sentence(problem: Mapping[str, Any]) -> str:
    """A problem's title and detail as one sentence, with its ISO 20022 reason code."""
    title = str(problem.get("title") or "Refused")
    detail = str(problem.get("detail") or "")
    if not detail and isinstance(problem.get("errors"), list):
        errors = [e for e in problem["errors"] if isinstance(e, Mapping)]
        detail = "; ".join(
            f"{e.get('location', '')}: {e.get('message', '')}"
            for e in errors[:FIELD_ERRORS_SHOWN_MAX]
        )
    code = problem.get("code")
    return (f"{title}: {detail}" if detail else title) + (f" (reason {code})" if code else "")


def refusal(response: httpx.Response, url: str) -> str:
    """What the service's refusal says, as the sentence the command prints."""
    problem = _problem(response)
    said = (
        problem_sentence(problem)
        if problem is not None
        else f"the service at {url} answered {response.status_code} {response.reason_phrase}"
        f" to {response.request.method} {response.request.url.path}: is it a vostro service?"
    )
    if response.status_code == 503:
        after = response.headers.get("Retry-After")
        wait = f"; try again in {after} s" if after else "; try again later"
        return f"the service at {url} takes no changes now: {said}{wait}"
    if response.status_code == 401:
        return f"{said} (check --api-key or $VOSTRO_API_KEY)"
    return said


def _problem(response: httpx.Response) -> dict[str, Any] | None:
    media = response.headers.get("content-type", "")
    if PROBLEM_MEDIA_TYPE not in media and "application/json" not in media:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) and "title" in body else None


# --------------------------------------------------------------- which way a command goes
# The root options of the command running now, set by the root callback as it parses them (a
# command reached without the root app, or none given: the database).
_TARGET: ContextVar[Target | None] = ContextVar("vostro_cli_target", default=None)


def choose(chosen: Target) -> None:
    """Remember the root options for the command about to run."""
    _TARGET.set(chosen)


def target() -> Target:
    return _TARGET.get() or Target()


def service() -> ServiceClient | None:
    """A client of the service named by `--url`, or None: the command works on the database."""
    chosen = target()
    if not chosen.url:
        return None
    if not chosen.api_key:
        fail("--url needs an API key to act with: give --api-key or set $VOSTRO_API_KEY")
    return ServiceClient(chosen.url, chosen.api_key)


def either(remote: Callable[[ServiceClient], T], local: Callable[[], T]) -> T:
    """`remote` on the service when `--url` names one, else `local`: what the command prints."""
    client = service()
    if client is None:
        return local()
    with client:
        return remote(client)


def write(
    database_url: str | None,
    remote: Callable[[ServiceClient], T],
    local: Callable[[Platform], T],
) -> T:
    """Make a change through the service when `--url` names one (`remote`), else on the
    platform opened on the database (`local`); either gives back what the command prints."""

    def on_database() -> T:
        with open_platform(database_url) as platform:
            return local(platform)

    return either(remote, on_database)


def database_only(command: str, why: str) -> None:
    """Stop a command that has no way through the service when `--url` is given."""
    if target().url:
        fail(f"`vostro {command}` works only on the database directly, without --url: {why}")
