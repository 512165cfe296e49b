-- Tasks (SPEC 5). Every statement is filtered by the authenticated user id,
-- always the first parameter, so another user's task is simply not found.

-- name: list_tasks :many
-- params: user_id, status, q, priority, tag, due_before, due_after, sort, descending, limit, offset
-- One round trip for the page and the total: the total row is joined to the
-- page, so it is there even when the page is past the end (id is then NULL).
WITH matching AS (
    SELECT id, user_id, title, description, completed, priority, due_at, tags,
           created_at, updated_at, completed_at
    FROM tasks
    WHERE user_id = $1
      AND ($2::text = 'all' OR completed = ($2::text = 'completed'))
      AND ($3::text IS NULL
           OR strpos(lower(title), lower($3::text)) > 0
           OR strpos(lower(coalesce(description, '')), lower($3::text)) > 0)
      AND ($4::text IS NULL OR priority = $4::text)
      AND ($5::text IS NULL OR $5::text = ANY (tags))
      AND ($6::timestamptz IS NULL OR due_at < $6::timestamptz)
      AND ($7::timestamptz IS NULL OR due_at > $7::timestamptz)
),
keyed AS (
    SELECT matching.*,
           CASE $8::text WHEN 'created_at' THEN created_at
                         WHEN 'updated_at' THEN updated_at
                         WHEN 'due_at' THEN due_at END AS time_key,
           CASE WHEN $8::text = 'priority'
                THEN array_position(ARRAY['none', 'low', 'medium', 'high'], priority) END AS rank_key,
           CASE WHEN $8::text = 'title' THEN lower(title) END AS text_key
    FROM matching
),
page AS (
    SELECT id, user_id, title, description, completed, priority, due_at, tags,
           created_at, updated_at, completed_at
    FROM keyed
    -- Only one key is non-NULL per request; tasks without a due date come last
    -- in both directions; id breaks ties so pages never overlap.
    ORDER BY CASE WHEN $9::boolean THEN time_key END DESC NULLS LAST,
             CASE WHEN NOT $9::boolean THEN time_key END ASC NULLS LAST,
             CASE WHEN $9::boolean THEN rank_key END DESC,
             CASE WHEN NOT $9::boolean THEN rank_key END ASC,
             CASE WHEN $9::boolean THEN text_key END DESC,
             CASE WHEN NOT $9::boolean THEN text_key END ASC,
             CASE WHEN $9::boolean THEN id END DESC,
             CASE WHEN NOT $9::boolean THEN id END ASC
    LIMIT $10 OFFSET $11
)
SELECT total.count AS total, page.id, page.user_id, page.title, page.description,
       page.completed, page.priority, page.due_at, page.tags, page.created_at,
       page.updated_at, page.completed_at
FROM (SELECT count(*) AS count FROM matching) AS total
LEFT JOIN page ON true;

-- name: get_task :one
-- params: user_id, task_id
SELECT id, user_id, title, description, completed, priority, due_at, tags,
       created_at, updated_at, completed_at
FROM tasks
WHERE user_id = $1 AND id = $2;

-- name: create_task :one
-- params: user_id, title, description, priority, due_at, tags
INSERT INTO tasks (user_id, title, description, priority, due_at, tags)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, user_id, title, description, completed, priority, due_at, tags,
          created_at, updated_at, completed_at;

-- name: update_task :one
-- params: user_id, task_id, changes, due_at
-- `changes` holds only the fields the client sent (a JSON object), so one
-- statement serves every subset; a key with JSON null clears the column.
-- `due_at` comes typed, checked by the service: no user text is cast to a time.
UPDATE tasks
SET title        = CASE WHEN $3::jsonb ? 'title' THEN $3::jsonb ->> 'title' ELSE title END,
    description  = CASE WHEN $3::jsonb ? 'description' THEN $3::jsonb ->> 'description' ELSE description END,
    priority     = CASE WHEN $3::jsonb ? 'priority' THEN $3::jsonb ->> 'priority' ELSE priority END,
    due_at       = CASE WHEN $3::jsonb ? 'due_at' THEN $4::timestamptz ELSE due_at END,
    tags         = CASE WHEN $3::jsonb ? 'tags'
                        THEN ARRAY(SELECT jsonb_array_elements_text($3::jsonb -> 'tags'))
                        ELSE tags END,
    completed    = CASE WHEN $3::jsonb ? 'completed' THEN ($3::jsonb ->> 'completed')::boolean ELSE completed END,
    completed_at = CASE WHEN NOT $3::jsonb ? 'completed' THEN completed_at
                        WHEN NOT ($3::jsonb ->> 'completed')::boolean THEN NULL
                        ELSE coalesce(completed_at, now()) END,
    updated_at   = now()
WHERE user_id = $1 AND id = $2
RETURNING id, user_id, title, description, completed, priority, due_at, tags,
          created_at, updated_at, completed_at;

-- name: set_task_completed :one
-- params: user_id, task_id, completed
-- A NULL `completed` toggles.
UPDATE tasks
SET completed    = coalesce($3::boolean, NOT completed),
    completed_at = CASE WHEN coalesce($3::boolean, NOT completed)
                        THEN coalesce(completed_at, now()) END,
    updated_at   = now()
WHERE user_id = $1 AND id = $2
RETURNING id, user_id, title, description, completed, priority, due_at, tags,
          created_at, updated_at, completed_at;

-- name: delete_task :one
-- params: user_id, task_id
DELETE FROM tasks
WHERE user_id = $1 AND id = $2
RETURNING id, title;
