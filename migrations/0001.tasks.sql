-- Tasks (SPEC 5). The CHECKs mirror the API contract so that no code path,
-- present or future, can store what the API would refuse.
CREATE TABLE tasks (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      TEXT        NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 255),
    title        TEXT        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200 AND title = btrim(title)),
    description  TEXT        CHECK (char_length(description) <= 2000),
    completed    BOOLEAN     NOT NULL DEFAULT false,
    priority     TEXT        NOT NULL DEFAULT 'none' CHECK (priority IN ('none', 'low', 'medium', 'high')),
    due_at       TIMESTAMPTZ,
    tags         TEXT[]      NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 10 AND array_position(tags, NULL) IS NULL),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at TIMESTAMPTZ,
    CONSTRAINT tasks_completed_at_matches CHECK (completed = (completed_at IS NOT NULL))
);

-- Every list is one user's tasks, newest first by default.
CREATE INDEX tasks_user_created ON tasks (user_id, created_at DESC, id DESC);
