-- Idempotency-Key requests (SPEC 5, 6). Every statement is filtered by the
-- authenticated user id, the first parameter: keys are per user.

-- name: claim_idempotency_key :one
-- params: user_id, key, request_hash, lock_seconds
-- One round trip: purge a bounded number of this user's expired keys, then
-- claim the key when it is new, expired, a failed turn retried with the same
-- body, or a claim whose process died (past `locked_until`). Otherwise the
-- stored row says why not: another body (`reused`), still running
-- (`in_use`), or done (`replay`, with the stored response).
WITH purged AS (
    DELETE FROM idempotency_keys
    WHERE user_id = $1 AND key IN (
        SELECT key FROM idempotency_keys
        WHERE user_id = $1 AND expires_at <= now() AND key <> $2
        LIMIT 100
    )
),
claimed AS (
    INSERT INTO idempotency_keys AS k
        (user_id, key, request_hash, state, locked_until, expires_at)
    VALUES ($1, $2, $3, 'running',
            now() + make_interval(secs => $4::float8), now() + interval '24 hours')
    ON CONFLICT (user_id, key) DO UPDATE
    SET state = 'running',
        locked_until = excluded.locked_until,
        request_hash = excluded.request_hash,
        expires_at = CASE WHEN k.expires_at <= now() THEN excluded.expires_at ELSE k.expires_at END,
        conversation_id = CASE WHEN k.expires_at <= now() THEN NULL ELSE k.conversation_id END,
        user_message_id = CASE WHEN k.expires_at <= now() THEN NULL ELSE k.user_message_id END,
        response_status = NULL, response_headers = NULL, response_body = NULL
    WHERE k.user_id = $1
      AND (k.expires_at <= now()
           OR (k.request_hash = excluded.request_hash
               AND (k.state = 'failed' OR (k.state = 'running' AND k.locked_until <= now()))))
    RETURNING k.conversation_id, k.user_message_id
)
SELECT 'claimed' AS outcome, conversation_id, user_message_id,
       NULL::int AS response_status, NULL::jsonb AS response_headers,
       NULL::bytea AS response_body, NULL::int AS retry_after
FROM claimed
UNION ALL
SELECT CASE WHEN k.request_hash <> $3 THEN 'reused'
            WHEN k.state = 'done' THEN 'replay'
            ELSE 'in_use' END,
       NULL, NULL, k.response_status, k.response_headers, k.response_body,
       greatest(1, ceil(extract(epoch FROM k.locked_until - now())))::int
FROM idempotency_keys AS k
WHERE k.user_id = $1 AND k.key = $2 AND NOT EXISTS (SELECT 1 FROM claimed);

-- name: store_idempotent_response :exec
-- params: user_id, key, response_status, response_headers, response_body
UPDATE idempotency_keys
SET state = 'done', response_status = $3, response_headers = $4::jsonb, response_body = $5,
    conversation_id = NULL, user_message_id = NULL
WHERE user_id = $1 AND key = $2;

-- name: settle_unavailable :exec
-- params: user_id, key
-- A 503. A chat turn that had stored its message (start_chat_turn noted it on
-- the key) is kept `failed`, so a retry with the key resumes it; anything that
-- failed before acting frees the key.
WITH failed AS (
    UPDATE idempotency_keys
    SET state = 'failed'
    WHERE user_id = $1 AND key = $2 AND user_message_id IS NOT NULL
    RETURNING key
)
DELETE FROM idempotency_keys
WHERE user_id = $1 AND key = $2 AND NOT EXISTS (SELECT FROM failed);

-- name: release_idempotency_key :exec
-- params: user_id, key
-- The request did nothing worth remembering (refused, or failed before acting).
DELETE FROM idempotency_keys
WHERE user_id = $1 AND key = $2;
