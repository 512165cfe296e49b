"""The chat endpoint and the conversation API (SPEC 6)."""
