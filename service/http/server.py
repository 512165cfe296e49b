"""uvicorn's HTTP protocol with the bounds a public server needs.

uvicorn bounds the idle time between requests (keep-alive) but not the time a
client may take to send a request's headers, nor how many connections a
worker holds: a few hundred clients that connect and trickle bytes (or send
nothing) would hold their sockets for ever. This protocol closes a connection
whose headers are not complete within `header_timeout` seconds of its start
(or of the next request's first byte), and refuses connections past
`max_connections` per worker by closing them at once.

uvicorn imports it by name in every worker (`http="service.http.server:
BoundedHttpToolsProtocol"`), so the bounds are read from the settings of the
environment, once per process, like the app's own.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from service.settings import Settings

PROTOCOL = "service.http.server:BoundedHttpToolsProtocol"


@functools.cache
def _bounds() -> tuple[float, int]:
    settings = Settings.from_env()
    return settings.server_header_timeout_seconds, settings.server_max_connections


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """httptools' protocol, with a header deadline and a connection cap."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout, self.max_connections = _bounds()
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            transport.close()
            return
        self._start_header_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_header_deadline()

    def on_headers_complete(self) -> None:
        self._stop_header_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_deadline()
        super().connection_lost(exc)

    def _start_header_deadline(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _stop_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()
