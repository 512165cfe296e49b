-- depends: 0006.message-usage
-- Per-user request budgets (SPEC 2: CHAT_RATE_LIMIT_PER_MINUTE,
-- API_RATE_LIMIT_PER_MINUTE), one row per user and scope, shared by every
-- replica. UNLOGGED: a counter is rewritten on every claim and is worth no
-- WAL; a crash resets the minute's counts, which only forgives requests.
CREATE UNLOGGED TABLE rate_limits (
    user_id TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('api', 'chat')),
    window_start TIMESTAMPTZ NOT NULL,
    used INTEGER NOT NULL CHECK (used >= 0),
    -- What the last claim handed out, so RETURNING can say it.
    granted INTEGER NOT NULL CHECK (granted >= 0),
    PRIMARY KEY (user_id, scope)
);
