"""Security headers on every web page and file Parley serves (README "Security").

A Content-Security-Policy as strict as NiceGUI allows. NiceGUI writes each page's
elements into an inline script and evaluates Vue templates, ``:``-props and
``run_javascript`` code with ``eval``/``new Function``, so ``script-src`` must keep
``'unsafe-inline'`` and ``'unsafe-eval'``. What the policy still forbids: inline event
handlers (``onerror=`` and the like, ``script-src-attr 'none'``), scripts, styles, fonts,
images and connections from any other site, plugins, ``<base>`` elsewhere, posting forms
elsewhere and being framed by another page (clickjacking). ``nosniff`` keeps a browser from
running an uploaded image as anything but an image.

The API (``/api/v1``) is served past the page middlewares (``api.routes``) and sends JSON
only. FastAPI's ``/docs`` and ``/redoc`` load their viewer from a public CDN, so they get
only the parts of the policy that do not name script sources.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "script-src-attr 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
DOCS_POLICY = "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/redoc")

COMMON = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def headers_for(path: str) -> dict[str, str]:
    """The security headers a response to ``path`` carries."""
    policy = DOCS_POLICY if path.startswith(DOCS_PATHS) else CONTENT_SECURITY_POLICY
    return {"Content-Security-Policy": policy, **COMMON}


class SecurityHeaders:
    """ASGI middleware: adds ``headers_for(path)`` to every HTTP response that does not
    set them itself (a websocket is left alone)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
