"""The task API (SPEC 5): its contract, how rows become tasks, its routes."""
