-- Conversations and messages (SPEC 6). Every statement is filtered by the
-- authenticated user id, always the first parameter: another user's
-- conversation is simply not found. Message order is id order.

-- name: start_chat_turn :many
-- params: user_id, conversation_id, content, history_limit
-- Step 2 of a chat turn in one statement (so one transaction and one round
-- trip): find the user's conversation, or create one titled after the message
-- when no id is given; store the user message; return the last
-- `history_limit` messages, the new one last. No row: the conversation is not
-- the user's. A statement does not see its own inserts, so the new message
-- joins the earlier ones from `stored`. FOR KEY SHARE keeps a concurrent
-- DELETE from removing the conversation under the insert.
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
    INSERT INTO messages (conversation_id, user_id, role, content)
    SELECT id, $1, 'user', $3::text
    FROM target
    RETURNING id, conversation_id, role, content, tool_calls, created_at
),
earlier AS (
    SELECT id, conversation_id, role, content, tool_calls, created_at
    FROM messages
    WHERE user_id = $1 AND conversation_id = (SELECT id FROM found)
    ORDER BY id DESC
    LIMIT greatest($4::int - 1, 0)
)
SELECT id, conversation_id, role, content, tool_calls, created_at
FROM (SELECT * FROM earlier UNION ALL SELECT * FROM stored) AS turn
ORDER BY id;

-- name: finish_chat_turn :one
-- params: user_id, conversation_id, content, tool_calls
-- Step 4 in one statement: bump the conversation and store the assistant
-- message. The UPDATE locks the conversation row, so a concurrent DELETE
-- either waits for this or wins (then no row: the conversation is gone).
WITH bumped AS (
    UPDATE conversations
    SET updated_at = now()
    WHERE user_id = $1 AND id = $2
    RETURNING id
)
INSERT INTO messages (conversation_id, user_id, role, content, tool_calls)
SELECT id, $1, 'assistant', $3, $4::jsonb
FROM bumped
RETURNING id, created_at;

-- name: list_conversations :many
-- params: user_id, limit, offset
-- The page and the total in one round trip, as list_tasks does: the total row
-- is there even past the end (id is then NULL).
WITH mine AS (
    SELECT id, title, created_at, updated_at
    FROM conversations
    WHERE user_id = $1
),
page AS (
    SELECT id, title, created_at, updated_at
    FROM mine
    ORDER BY updated_at DESC, id DESC
    LIMIT $2 OFFSET $3
)
SELECT total.count AS total, page.id, page.title, page.created_at, page.updated_at
FROM (SELECT count(*) AS count FROM mine) AS total
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
    SELECT id, role, content, tool_calls, created_at
    FROM messages
    WHERE user_id = $1
      AND conversation_id = $2
      AND ($3::bigint IS NULL OR id < $3::bigint)
    ORDER BY id DESC
    LIMIT $4
)
SELECT page.id, page.role, page.content, page.tool_calls, page.created_at
FROM conversation
LEFT JOIN page ON true
ORDER BY page.id;

-- name: delete_conversation :one
-- params: user_id, conversation_id
-- Its messages go with it (ON DELETE CASCADE).
DELETE FROM conversations
WHERE user_id = $1 AND id = $2
RETURNING id;
