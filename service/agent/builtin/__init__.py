"""The built-in chat agent: a small phrase parser, dates, and friendly replies.

`BuiltinAgent()` takes no arguments; `parse_message(text, today)` is the parser
alone, returning one of the intents of `service.agent.builtin.intents`.
"""

from service.agent.builtin.agent import BuiltinAgent
from service.agent.builtin.parse import parse_message

__all__ = ["BuiltinAgent", "parse_message"]
