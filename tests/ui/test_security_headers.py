"""The Content-Security-Policy and friends (api/security.py), over HTTP in-process."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from api.security import CONTENT_SECURITY_POLICY, DOCS_POLICY, headers_for


def directives(policy: str) -> dict[str, list[str]]:
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("path", ["/login", "/", "/contacts", "/flags", "/phone"])
async def test_every_page_carries_the_policy(user: User, path: str) -> None:
    reply = await user.http_client.get(path)

    assert reply.status_code in (200, 303), reply.text  # 303: to /login
    assert reply.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["referrer-policy"] == "same-origin"


async def test_nicegui_files_carry_it_too(user: User) -> None:
    page = await user.http_client.get("/login")
    script = next(part.split('"')[0] for part in page.text.split('src="')[1:]
                  if "nicegui.js" in part.split('"')[0])

    reply = await user.http_client.get(script)

    assert reply.status_code == 200
    assert reply.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert reply.headers["x-content-type-options"] == "nosniff"


def test_the_policy_forbids_inline_handlers_plugins_framing_and_other_sites() -> None:
    policy = directives(CONTENT_SECURITY_POLICY)

    assert policy["script-src-attr"] == ["'none'"]  # onerror=, onclick=, ...
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    for name, values in policy.items():  # nothing from another site, ever
        assert all(v.startswith("'") or v in ("data:", "blob:") for v in values), name


async def test_the_api_and_the_docs(user: User) -> None:
    health = await user.http_client.get("/api/v1/health")
    docs = await user.http_client.get("/docs")

    assert health.status_code == 200
    assert docs.status_code == 200
    assert docs.headers["content-security-policy"] == DOCS_POLICY
    assert headers_for("/redoc")["Content-Security-Policy"] == DOCS_POLICY


async def test_a_route_with_its_own_policy_keeps_it(user: User) -> None:
    """The media routes send ``default-src 'none'; sandbox``; a 404 there shows it."""
    reply = await user.http_client.get("/media/" + "Q" * 43 + "/thumb")

    assert reply.status_code == 404
    assert reply.headers["content-security-policy"] == "default-src 'none'; sandbox"
