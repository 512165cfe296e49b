-- Better Auth's own tables in the shared database (SPEC 3). They belong to
-- Better Auth, not to our migrations: we only read them, and never the private
-- key column of jwks. Its columns are camelCase, hence the quotes.

-- name: better_auth_session :one
-- params: token
-- The session a bearer()/cookie token names; `active` is judged by the
-- database clock, the same clock Better Auth's rows are compared with.
SELECT "userId" AS user_id, "expiresAt" > now() AS active
FROM "session"
WHERE token = $1;

-- name: better_auth_public_keys :many
-- The jwt() plugin's signing keys, newest first, leaving out those retired
-- longer ago than Better Auth's default grace period (30 days): they can no
-- longer have signed a live token. Older Better Auth versions have no
-- alg/crv (and the oldest no expiresAt) columns; reading them through
-- to_jsonb() yields NULL for a missing column instead of an error, so one
-- statement serves every schema version.
SELECT id, public_key, alg, crv, expires_at
FROM (
    SELECT k.id,
           k."publicKey" AS public_key,
           row_json ->> 'alg' AS alg,
           row_json ->> 'crv' AS crv,
           (row_json ->> 'expiresAt')::timestamptz AS expires_at,
           k."createdAt" AS created_at
    FROM jwks AS k
    CROSS JOIN LATERAL to_jsonb(k) AS row_json
) AS keys
WHERE expires_at IS NULL OR expires_at > now() - interval '30 days'
ORDER BY created_at DESC
LIMIT 100;
