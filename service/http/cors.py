"""CORS for a browser frontend that sends the Better Auth cookie (SPEC 2, 3).

Starlette's CORSMiddleware adds `Access-Control-Allow-Credentials: true` to
every response of a request with an `Origin`, allowed or not, and with
`allow_origins=["*"]` it mirrors any origin *with* credentials. Browsers ignore
the former without a matching Allow-Origin, but the latter would let any site
read a signed-in user's data through the cookie. This subclass grants
credentials to the CORS_ORIGINS by name only, never to a wildcard.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Send

_CREDENTIALS = "Access-Control-Allow-Credentials"


class CredentialedCORSMiddleware(CORSMiddleware):
    """Starlette's CORS handling, with credentials for listed origins only."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allow_origins: Collection[str],
        allow_methods: Collection[str],
        allow_headers: Collection[str],
        expose_headers: Collection[str],
    ) -> None:
        # A wildcard serves any origin, but anonymously.
        self.credentialed = "*" not in allow_origins
        super().__init__(
            app,
            allow_origins=allow_origins,
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            allow_credentials=self.credentialed,
            expose_headers=expose_headers,
        )

    def grants_credentials(self, origin: str | None) -> bool:
        return self.credentialed and origin is not None and self.is_allowed_origin(origin)

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        origin = request_headers.get("origin")
        # Without an Origin (most requests: same-origin GETs, servers, curl)
        # Starlette adds no CORS header but `Vary: Origin`: nothing to take off.
        if origin is None or self.grants_credentials(origin):
            await super().send(message, send, request_headers)
            return

        async def send_without_credentials(message: Message) -> None:
            if message["type"] == "http.response.start":
                del MutableHeaders(scope=message)[_CREDENTIALS]
            await send(message)

        await super().send(message, send_without_credentials, request_headers)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if not self.grants_credentials(request_headers.get("origin")):
            del response.headers[_CREDENTIALS]
        return response
