-- Tasks (SPEC 5). Every statement is filtered by the authenticated user id,
-- always the first parameter, so another user's task is simply not found.

-- name: list_tasks :many
-- params: user_id, q, priority, tag, due_before, due_after, limit, offset, after_key, after_id
-- A template: service/tasks/listing.py makes one statement of it per sort,
-- direction, status and paging (`list_tasks__<sort>_<order>_<status>[_after]`)
-- by filling the /*...*/ slots, so every plan is made for its own shape and
-- the default, pending and due-date lists walk an index (user_id, key, id)
-- from where the page starts: their cost does not grow with the user's
-- history. One round trip for the page and the total. The total of a list
-- filtered by status alone comes from the per-user counters of `task_counts`;
-- with other filters it counts the matching rows. A row past the end of the
-- list carries the total alone (its id is NULL). The page holds `limit` rows
-- plus one, which only says there is a next page.
WITH page AS (
    SELECT id, user_id, title, description, completed, priority, due_at, tags,
           created_at, updated_at, completed_at, /*key*/ AS sort_key
    FROM tasks
    WHERE user_id = $1
      /*status*/
      AND ($2::text IS NULL
           OR strpos(lower(title), lower($2::text)) > 0
           OR strpos(lower(coalesce(description, '')), lower($2::text)) > 0)
      AND ($3::text IS NULL OR priority = $3::text)
      AND ($4::text IS NULL OR $4::text = ANY (tags))
      AND ($5::timestamptz IS NULL OR due_at < $5::timestamptz)
      AND ($6::timestamptz IS NULL OR due_at > $6::timestamptz)
      AND ($9::/*keytype*/ IS NULL AND $10::bigint IS NULL) -- /*after*/
    ORDER BY /*key*/ /*dir*/, id /*dir*/
    LIMIT $7::int + 1 OFFSET $8
),
-- The count repeats the page's filters on purpose: a CTE shared by both would
-- be read whole, which is exactly what the page must not do.
total AS (
    SELECT CASE
        WHEN $2::text IS NULL AND $3::text IS NULL AND $4::text IS NULL
             AND $5::timestamptz IS NULL AND $6::timestamptz IS NULL
        THEN coalesce((SELECT /*counter*/ FROM task_counts WHERE user_id = $1), 0)
        ELSE (SELECT count(*)
              FROM tasks
              WHERE user_id = $1
                /*status*/
                AND ($2::text IS NULL
                     OR strpos(lower(title), lower($2::text)) > 0
                     OR strpos(lower(coalesce(description, '')), lower($2::text)) > 0)
                AND ($3::text IS NULL OR priority = $3::text)
                AND ($4::text IS NULL OR $4::text = ANY (tags))
                AND ($5::timestamptz IS NULL OR due_at < $5::timestamptz)
                AND ($6::timestamptz IS NULL OR due_at > $6::timestamptz))
        END AS count
)
SELECT total.count AS total, page.id, page.user_id, page.title, page.description,
       page.completed, page.priority, page.due_at, page.tags, page.created_at,
       page.updated_at, page.completed_at, page.sort_key
FROM total
LEFT JOIN page ON true
ORDER BY page.sort_key /*dir*/, page.id /*dir*/;

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
-- Every column of the deleted row, so a chat's undo can put it back as it was.
DELETE FROM tasks
WHERE user_id = $1 AND id = $2
RETURNING id, user_id, title, description, completed, priority, due_at, tags,
          created_at, updated_at, completed_at;

-- name: restore_task :one
-- params: user_id, task_id, title, description, completed, priority, due_at, tags, created_at, completed_at
-- A chat's undo: the task as it was before a change, under its own id: put
-- back when it was deleted, its fields set back when it was changed. Never
-- another user's row: the id came from this user's own recorded change, and
-- the conflict branch checks the owner all the same.
INSERT INTO tasks AS t
    (id, user_id, title, description, completed, priority, due_at, tags, created_at, completed_at)
OVERRIDING SYSTEM VALUE
VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (id) DO UPDATE
SET title = excluded.title, description = excluded.description,
    completed = excluded.completed, priority = excluded.priority, due_at = excluded.due_at,
    tags = excluded.tags, completed_at = excluded.completed_at, updated_at = now()
WHERE t.user_id = $1
RETURNING id, title;
