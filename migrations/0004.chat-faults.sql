-- depends: 0003.due-range
-- A chat turn that never loses or repeats what it did (SPEC 6).
--
-- An assistant message names the user message it answers (`reply_to`), so a
-- turn has exactly one, written as soon as its first tool call has run and
-- completed (or marked failed) at the end; `status` tells the two apart.
ALTER TABLE messages
    ADD COLUMN status   TEXT   NOT NULL DEFAULT 'complete'
                        CHECK (status IN ('complete', 'failed')),
    ADD COLUMN reply_to BIGINT;
CREATE UNIQUE INDEX messages_reply_to ON messages (reply_to) WHERE reply_to IS NOT NULL;

-- Idempotency-Key requests: the first response per (user, key) for 24 hours.
-- `running` is a claim that expires at `locked_until` (a killed process never
-- leaves a key stuck); `failed` is a chat turn a retry resumes from
-- `conversation_id` and `user_message_id`.
CREATE TABLE idempotency_keys (
    user_id          TEXT        NOT NULL,
    key              TEXT        NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    request_hash     TEXT        NOT NULL,
    state            TEXT        NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    locked_until     TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    response_status  INT,
    response_headers JSONB,
    response_body    BYTEA,
    conversation_id  BIGINT,
    user_message_id  BIGINT,
    PRIMARY KEY (user_id, key)
);
-- Each user's expired keys are purged on that user's next claim.
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (user_id, expires_at);
