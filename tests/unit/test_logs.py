"""Logging set-up: JSON lines, and uvicorn's path-revealing access log off."""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import Iterator

import pytest

from service.logs import JsonFormatter, LoopBatchedStreamHandler, configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    access = logging.getLogger("uvicorn.access")
    disabled = access.disabled
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    access.disabled = disabled


def test_uvicorn_access_log_is_disabled(restore_logging: None) -> None:
    configure_logging("info", "json")
    assert logging.getLogger("uvicorn.access").disabled
    assert isinstance(logging.getLogger().handlers[0].formatter, JsonFormatter)


def test_json_formatter_writes_one_object_per_line() -> None:
    record = logging.LogRecord("service.access", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "GET /x"
    assert entry["level"] == "info"
    assert entry["logger"] == "service.access"


class RecordingStream:
    """A stream that remembers each write: one write is one system call."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> None:
        self.writes.append(text)

    def flush(self) -> None:
        pass


def batched_logger(name: str) -> tuple[logging.Logger, RecordingStream]:
    handler = LoopBatchedStreamHandler()
    stream = RecordingStream()
    handler.setStream(stream)
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


async def test_the_lines_of_one_loop_turn_are_written_together_in_order() -> None:
    logger, stream = batched_logger("test.batched.turn")
    for n in range(5):
        logger.info("line %d", n)
    assert stream.writes == []  # still this turn
    await asyncio.sleep(0)
    assert stream.writes == ["".join(f"line {n}\n" for n in range(5))]
    logger.info("next turn")
    await asyncio.sleep(0)
    assert stream.writes[1:] == ["next turn\n"]


def test_outside_a_loop_each_line_is_written_at_once() -> None:
    logger, stream = batched_logger("test.batched.sync")
    logger.info("starting")
    logger.info("started")
    assert stream.writes == ["starting\n", "started\n"]


async def test_a_line_from_another_thread_follows_those_waiting_and_none_is_lost() -> None:
    logger, stream = batched_logger("test.batched.thread")
    logger.info("in the loop")
    await asyncio.to_thread(logger.info, "from a thread")
    await asyncio.sleep(0)
    assert "".join(stream.writes) == "in the loop\nfrom a thread\n"


async def test_a_flush_at_shutdown_writes_what_waits() -> None:
    logger, stream = batched_logger("test.batched.flush")
    logger.info("last words")
    logging.shutdown([weakref.ref(logger.handlers[0])])
    assert stream.writes == ["last words\n"]


def test_lines_left_by_a_loop_that_closed_go_out_with_the_next_loop() -> None:
    logger, stream = batched_logger("test.batched.loops")

    loop = asyncio.new_event_loop()

    def log_and_stop() -> None:
        logger.info("from a loop that ends before writing")
        loop.stop()  # the loop ends with this turn: its scheduled write never runs

    loop.call_soon(log_and_stop)
    loop.run_forever()
    loop.close()
    assert stream.writes == []

    async def log_next() -> None:
        logger.info("from the next loop")
        await asyncio.sleep(0)

    asyncio.run(log_next())
    assert "".join(stream.writes) == "from a loop that ends before writing\nfrom the next loop\n"
