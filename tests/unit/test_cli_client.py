"""The command line's client of a running service: a refusal (RFC 9457 problem details) becomes
one sentence with its ISO 20022 reason code, printed as text whatever it holds; a service that
cannot be reached, takes no writes now or refuses the key says so; the root options are read when
a command runs, never at import."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
import typer
from typer.testing import CliRunner

from vostro.cli import app
from vostro.cli.client import (
    ServiceClient,
    Target,
    choose,
    problem_sentence,
    service,
    target,
    v1,
)

URL = "http://vostro.test"


def answering(
    status: int, body: object, headers: dict[str, str] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status,
            content=json.dumps(body).encode(),
            headers={"content-type": "application/problem+json", **(headers or {})},
        )

    return answer


def client(answer: Callable[[httpx.Request], httpx.Response]) -> ServiceClient:
    return ServiceClient(URL, "vk_key", transport=httpx.MockTransport(answer))


def refused(
    answer: Callable[[httpx.Request], httpx.Response], capsys: pytest.CaptureFixture[str]
) -> str:
    with client(answer) as api, pytest.raises(typer.Exit) as ended:
        api.post("/v1/payments", {"amount_minor": 1})
    assert ended.value.exit_code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def test_a_problem_reads_as_its_title_detail_and_reason_code() -> None:
    problem = {
        "title": "Payment refused",
        "detail": "the debtor agent is suspended",
        "status": 422,
        "code": "AC06",
    }
    assert problem_sentence(problem) == (
        "Payment refused: the debtor agent is suspended (reason AC06)"
    )
    assert problem_sentence({"title": "Not found", "detail": "no payment"}) == (
        "Not found: no payment"
    )


def test_a_problem_without_detail_names_its_field_errors() -> None:
    problem = {
        "title": "Invalid request",
        "detail": "",
        "code": "FF01",
        "errors": [{"location": "body.reason", "message": "must not be empty"}],
    }
    assert problem_sentence(problem) == (
        "Invalid request: body.reason: must not be empty (reason FF01)"
    )


def test_a_refusal_is_one_line_on_stderr_and_exit_code_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    problem = {
        "title": "Payment refused",
        "detail": "payment 1 already used this UETR or end-to-end id (E2E-1) with other details",
        "status": 409,
        "code": "AM05",
    }
    shown = refused(answering(409, problem), capsys)
    assert shown == (
        "error: Payment refused: payment 1 already used this UETR or end-to-end id (E2E-1) "
        "with other details (reason AM05)\n"
    )


def test_control_characters_and_rich_markup_in_a_problem_are_shown_as_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    problem = {
        "title": "Refused \x1b[31mred\x1b[0m",
        "detail": "[bold red]not markup[/bold red] \u202eevil\x07",
        "status": 409,
        "code": "NARR",
    }
    shown = refused(answering(409, problem), capsys)
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\\x1b[31mred\\x1b[0m" in shown
    assert "[bold red]not markup[/bold red]" in shown
    assert "\\u202eevil\\x07" in shown
    assert shown.endswith("(reason NARR)\n")


def test_a_standby_says_when_to_try_again(capsys: pytest.CaptureFixture[str]) -> None:
    problem = {
        "title": "Standby",
        "detail": "this vostro service is a standby and takes no writes",
        "status": 503,
    }
    shown = refused(answering(503, problem, {"Retry-After": "1"}), capsys)
    assert f"the service at {URL} takes no changes now: Standby:" in shown
    assert "try again in 1 s" in shown


def test_a_refused_key_says_where_the_key_comes_from(capsys: pytest.CaptureFixture[str]) -> None:
    problem = {"title": "API key refused", "detail": "unknown key", "status": 401}
    shown = refused(answering(401, problem), capsys)
    assert "API key refused: unknown key (check --api-key or $VOSTRO_API_KEY)" in shown


def test_an_answer_that_is_not_a_problem_names_the_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown = refused(lambda request: httpx.Response(502, text="<html>bad gateway</html>"), capsys)
    assert "answered 502 Bad Gateway to POST /v1/payments: is it a vostro service?" in shown


def test_a_service_that_cannot_be_reached_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    shown = refused(down, capsys)
    assert shown == f"error: cannot reach a vostro service at {URL}: Connection refused\n"


def test_the_client_sends_the_key_as_a_bearer_token_and_gives_back_the_json() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"bic": "SBININBB"})

    with client(answer) as api:
        assert api.post(v1("participants"), {"bic": "SBININBB"}) == {"bic": "SBININBB"}
    assert seen[0].headers["Authorization"] == "Bearer vk_key"
    assert json.loads(seen[0].content) == {"bic": "SBININBB"}


def test_a_missing_resource_can_be_an_answer() -> None:
    problem = {"title": "Not found", "detail": "no closure", "status": 404}
    with client(answering(404, problem)) as api:
        assert api.delete(v1("calendar", "INR", "closures", "2026-12-31"), missing_ok=True) is None


def test_each_part_of_a_path_is_quoted_whole() -> None:
    assert v1("compliance", "limits", "*", "trade", "INR") == "/v1/compliance/limits/%2A/trade/INR"
    assert v1("participants", "X/../keys?y") == "/v1/participants/X%2F..%2Fkeys%3Fy"


def test_a_url_without_a_key_stops_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    choose(Target(URL, None))
    try:
        with pytest.raises(typer.Exit):
            service()
    finally:
        choose(Target())
    assert "--url needs an API key" in capsys.readouterr().err
    assert service() is None and target() == Target()


def test_help_never_fails_whatever_the_environment_holds() -> None:
    shown = CliRunner().invoke(
        app, ["--help"], env={"VOSTRO_URL": "not a url", "VOSTRO_API_KEY": ""}
    )
    assert shown.exit_code == 0, shown.output
    assert "--url" in shown.output and "VOSTRO_API_KEY" in shown.output


def test_a_url_that_is_not_http_is_refused_as_it_is_parsed() -> None:
    shown = CliRunner().invoke(app, ["--url", "ftp://x", "fund", "SBININBB", "1.00 INR"])
    assert shown.exit_code == 2
    assert "is not an http:// or https:// URL" in shown.output
