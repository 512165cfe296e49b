-- Conversations and messages (SPEC 6). Every statement is filtered by the
-- authenticated user id, always the first parameter: another user's
-- conversation is simply not found. Message order is id order.

-- name: start_chat_turn :many
-- params: user_id, conversation_id, content, history_limit, idempotency_key, timezone
-- Step 2 of a chat turn in one statement (so one transaction and one round
-- trip): find the user's conversation, or create one titled after the message
-- when no id is given; store the user message; return the last
-- `history_limit` messages, the new one last. No row: the conversation is not
-- the user's. A statement does not see its own inserts, so the new message
-- joins the earlier ones from `stored`. FOR KEY SHARE keeps a concurrent
-- DELETE from removing the conversation under the insert. `tool_calls` comes
-- as JSON text: an agent decodes a message's calls only if it reads them.
WITH found AS (
    SELECT id
    FROM conversations
    WHERE user_id = $1 AND id = $2::bigint
    FOR KEY SHARE
),
created AS (
    INSERT INTO conversations (user_id, title)
    SELECT $1, rtrim(left($3::text, 80))
    WHERE $2::bigint IS NULL
    RETURNING id
),
target AS (
    SELECT id FROM found
    UNION ALL
    SELECT id FROM created
),
stored AS (
    INSERT INTO messages (conversation_id, user_id, role, content, timezone)
    SELECT id, $1, 'user', $3::text, $6::text
    FROM target
    RETURNING id, conversation_id, role, content, tool_calls, created_at, timezone
),
earlier AS (
    SELECT id, conversation_id, role, content, tool_calls, created_at, timezone
    FROM messages
    WHERE user_id = $1 AND conversation_id = (SELECT id FROM found)
    ORDER BY id DESC
    LIMIT greatest($4::int - 1, 0)
),
-- With an Idempotency-Key, the key notes the stored message at once, so a
-- retry resumes this turn even if this process dies before it answers.
noted AS (
    UPDATE idempotency_keys
    SET conversation_id = stored.conversation_id, user_message_id = stored.id
    FROM stored
    WHERE idempotency_keys.user_id = $1 AND idempotency_keys.key = $5::text
)
SELECT id, conversation_id, role, content, tool_calls::text AS tool_calls, created_at, timezone
FROM (SELECT * FROM earlier UNION ALL SELECT * FROM stored) AS turn
ORDER BY id;

-- name: record_tool_call :exec
-- params: user_id, conversation_id, reply_to, call
-- A tool call of a running turn, recorded as soon as it has run: appended to
-- the turn's assistant message, which the first call creates as `failed` (so
-- a turn that never finishes shows what it did). A conversation deleted
-- meanwhile gets nothing.
INSERT INTO messages AS m (conversation_id, user_id, role, content, tool_calls, status, reply_to)
SELECT id, $1, 'assistant', '', jsonb_build_array($4::jsonb), 'failed', $3
FROM conversations
WHERE user_id = $1 AND id = $2
ON CONFLICT (reply_to) WHERE reply_to IS NOT NULL
DO UPDATE SET tool_calls = m.tool_calls || excluded.tool_calls
WHERE m.user_id = $1;

-- name: finish_chat_turn :one
-- params: user_id, conversation_id, content, tool_calls, status, reply_to, usage
-- Step 4 in one statement: bump the conversation and write the turn's
-- assistant message (`complete`, or `failed` with what ran), replacing the one
-- its tool calls were recorded in. The UPDATE locks the conversation row, so a
-- concurrent DELETE either waits for this or wins (then no row).
WITH bumped AS (
    UPDATE conversations
    SET updated_at = now()
    WHERE user_id = $1 AND id = $2
    RETURNING id
)
INSERT INTO messages AS m
    (conversation_id, user_id, role, content, tool_calls, status, reply_to, usage)
SELECT id, $1, 'assistant', $3, $4::jsonb, $5, $6, $7::jsonb
FROM bumped
ON CONFLICT (reply_to) WHERE reply_to IS NOT NULL
DO UPDATE SET content = excluded.content, tool_calls = excluded.tool_calls,
              status = excluded.status, usage = excluded.usage, created_at = now()
WHERE m.user_id = $1
RETURNING id, created_at;

-- name: resume_chat_turn :many
-- params: user_id, conversation_id, user_message_id, history_limit
-- A retried turn: the history up to its stored user message (no second one
-- is stored), and, flagged `is_reply`, the assistant message its failed
-- attempt recorded tool calls in. No row: the conversation is gone.
WITH earlier AS (
    SELECT id, conversation_id, role, content, tool_calls, created_at, timezone, false AS is_reply
    FROM messages
    WHERE user_id = $1 AND conversation_id = $2 AND id <= $3
    ORDER BY id DESC
    LIMIT $4
),
reply AS (
    SELECT id, conversation_id, role, content, tool_calls, created_at, timezone, true AS is_reply
    FROM messages
    WHERE user_id = $1 AND conversation_id = $2 AND reply_to = $3
)
SELECT id, conversation_id, role, content, tool_calls::text AS tool_calls, created_at, timezone,
       is_reply
FROM (SELECT * FROM earlier UNION ALL SELECT * FROM reply) AS turn
ORDER BY id;

-- name: list_conversations :many
-- params: user_id, limit, offset
-- The page (walking conversations_user_updated) and the total in one round
-- trip; the total row is there even past the end (id is then NULL). One row
-- more than `limit` says there is a next page.
WITH page AS (
    SELECT id, title, created_at, updated_at
    FROM conversations
    WHERE user_id = $1
    ORDER BY updated_at DESC, id DESC
    LIMIT $2::int + 1 OFFSET $3
)
SELECT (SELECT count(*) FROM conversations WHERE user_id = $1) AS total,
       page.id, page.title, page.created_at, page.updated_at
FROM (SELECT) AS one
LEFT JOIN page ON true
ORDER BY page.updated_at DESC, page.id DESC;

-- name: list_conversations_after :many
-- params: user_id, limit, after_updated_at, after_id
-- The page after a cursor: the index walk starts at the cursor's row.
WITH page AS (
    SELECT id, title, created_at, updated_at
    FROM conversations
    WHERE user_id = $1 AND (updated_at, id) < ($3::timestamptz, $4::bigint)
    ORDER BY updated_at DESC, id DESC
    LIMIT $2::int + 1
)
SELECT (SELECT count(*) FROM conversations WHERE user_id = $1) AS total,
       page.id, page.title, page.created_at, page.updated_at
FROM (SELECT) AS one
LEFT JOIN page ON true
ORDER BY page.updated_at DESC, page.id DESC;

-- name: get_conversation :one
-- params: user_id, conversation_id
SELECT id, title, created_at, updated_at
FROM conversations
WHERE user_id = $1 AND id = $2;

-- name: list_messages :many
-- params: user_id, conversation_id, before, limit
-- The `limit` most recent messages older than `before` (any, when NULL),
-- returned oldest first. No row: not the user's conversation; one row with a
-- NULL id: the user's conversation, but no such messages.
WITH conversation AS (
    SELECT id
    FROM conversations
    WHERE user_id = $1 AND id = $2
),
page AS (
    SELECT id, role, content, tool_calls, status, usage, created_at
    FROM messages
    WHERE user_id = $1
      AND conversation_id = $2
      AND ($3::bigint IS NULL OR id < $3::bigint)
    ORDER BY id DESC
    LIMIT $4
)
SELECT page.id, page.role, page.content, page.tool_calls::text AS tool_calls, page.status,
       page.usage, page.created_at
FROM conversation
LEFT JOIN page ON true
ORDER BY page.id;

-- name: delete_conversation :one
-- params: user_id, conversation_id
-- Its messages go with it (ON DELETE CASCADE).
DELETE FROM conversations
WHERE user_id = $1 AND id = $2
RETURNING id;
