-- Per-user request budgets (SPEC 2). Filtered by the authenticated user id,
-- the first parameter.

-- name: claim_rate_budget :one
-- params: user_id, scope, wanted, per_minute
-- Hands out up to `wanted` requests of this user's budget for the current
-- minute (the database's clock, so replicas agree on the window) and says how
-- many it gave, how many the minute has used, and when the minute ends. The
-- row lock of ON CONFLICT makes concurrent claims from any replica add up.
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
