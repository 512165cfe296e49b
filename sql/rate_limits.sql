-- Per-user request budgets (SPEC 2). Filtered by the authenticated user id,
-- the first parameter.

-- name: claim_rate_budget :one
-- params: user_id, scope, wanted, per_minute
-- Hands out up to `wanted` requests of this user's budget for the current
-- minute (the database's clock, so replicas agree on the window) and says how
-- many it gave, how many the minute has used, and when the minute ends. The
-- row lock of ON CONFLICT makes concurrent claims from any replica add up.
-- Chat turns claim one each, before they run.
INSERT INTO rate_limits AS r (user_id, scope, window_start, used, granted)
VALUES ($1, $2, date_trunc('minute', now()), least($3::int, $4::int), least($3, $4))
ON CONFLICT (user_id, scope) DO UPDATE
SET granted = greatest(0, least(
        $3, $4 - CASE WHEN r.window_start = excluded.window_start THEN r.used ELSE 0 END)),
    used = CASE WHEN r.window_start = excluded.window_start THEN r.used ELSE 0 END
        + greatest(0, least(
            $3, $4 - CASE WHEN r.window_start = excluded.window_start THEN r.used ELSE 0 END)),
    window_start = excluded.window_start
WHERE r.user_id = $1
RETURNING r.granted, r.used,
    extract(epoch FROM r.window_start + interval '1 minute' - now())::float8 AS seconds_left;

-- name: add_rate_usage :many
-- params: user_ids, scope, counts
-- A process's API requests since its last flush, for every user it served,
-- added to the shared counts in one statement (`counts[i]` requests of
-- `user_ids[i]`, all authenticated users of this process). Returns each
-- user's total of the minute over every replica, and when the minute ends.
INSERT INTO rate_limits AS r (user_id, scope, window_start, used, granted)
SELECT batch.user_id, $2, date_trunc('minute', now()), batch.requests, batch.requests
FROM unnest($1::text[], $3::int[]) AS batch (user_id, requests)
ON CONFLICT (user_id, scope) DO UPDATE
SET used = CASE WHEN r.window_start = excluded.window_start THEN r.used + excluded.used
                ELSE excluded.used END,
    granted = excluded.used,
    window_start = excluded.window_start
WHERE r.user_id = excluded.user_id
RETURNING r.user_id, r.used,
    extract(epoch FROM r.window_start + interval '1 minute' - now())::float8 AS seconds_left;
