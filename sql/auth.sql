-- Better Auth's own tables in the shared database (SPEC 3). They belong to
-- Better Auth, not to our migrations: we only read them, and never the private
-- key column of jwks. Where they are is the deployment's choice
-- (BETTER_AUTH_DB_SCHEMA, BETTER_AUTH_SESSION_TABLE, BETTER_AUTH_JWKS_TABLE,
-- BETTER_AUTH_COLUMN_CASE): the `{{...}}` slots are filled with those names,
-- quoted, when the app starts (service/auth/tables.py). Ids may be text, uuid
-- or integer columns (Better Auth's generateId options): they are read as text.

-- name: better_auth_session :one
-- params: token
-- The session a bearer()/cookie token names; `active` is judged by the
-- database clock, the same clock Better Auth's rows are compared with.
SELECT {{session_user_id}}::text AS user_id, {{session_expires_at}} > now() AS active
FROM {{auth_schema}}.{{session_table}}
WHERE token = $1;

-- name: better_auth_public_keys :many
-- The jwt() plugin's signing keys, newest first, leaving out those retired
-- longer ago than Better Auth's default grace period (30 days): they can no
-- longer have signed a live token. Older Better Auth versions have no
-- alg/crv (and the oldest no expiresAt) columns, and a snake_case schema
-- names the columns otherwise; reading them through to_jsonb() yields NULL
-- for a missing column instead of an error, so one statement serves them all.
SELECT id, public_key, alg, crv, expires_at
FROM (
    SELECT k.id::text AS id,
           coalesce(row_json ->> 'publicKey', row_json ->> 'public_key') AS public_key,
           row_json ->> 'alg' AS alg,
           row_json ->> 'crv' AS crv,
           coalesce(row_json ->> 'expiresAt', row_json ->> 'expires_at')::timestamptz AS expires_at,
           coalesce(row_json ->> 'createdAt', row_json ->> 'created_at')::timestamptz AS created_at
    FROM {{auth_schema}}.{{jwks_table}} AS k
    CROSS JOIN LATERAL to_jsonb(k) AS row_json
) AS keys
WHERE expires_at IS NULL OR expires_at > now() - interval '30 days'
ORDER BY created_at DESC NULLS LAST
LIMIT 100;

-- name: better_auth_columns :many
-- params: schema, table_name
-- The columns a Better Auth table has, to say at start what a setting should be.
SELECT column_name
FROM information_schema.columns
WHERE table_schema = $1 AND table_name = $2;
