-- depends: 0004.chat-faults
-- Lists whose cost does not grow with a user's history (SPEC 5).
--
-- One index per sort a list can ask for, each (user_id, key, id) as the
-- statements of service/tasks/listing.py order them, so a page walks the index
-- from where it starts and stops after `limit` rows. Pending tasks, the list a
-- person opens most, get partial indexes that skip the completed ones.
CREATE INDEX tasks_user_created_pending ON tasks (user_id, created_at, id) WHERE NOT completed;
CREATE INDEX tasks_user_updated ON tasks (user_id, updated_at, id);
CREATE INDEX tasks_user_due_first ON tasks (user_id, coalesce(due_at, 'infinity'::timestamptz), id);
CREATE INDEX tasks_user_due_last ON tasks (user_id, coalesce(due_at, '-infinity'::timestamptz), id);
CREATE INDEX tasks_user_due_first_pending ON tasks (user_id, coalesce(due_at, 'infinity'::timestamptz), id)
    WHERE NOT completed;
CREATE INDEX tasks_user_priority
    ON tasks (user_id, array_position('{none,low,medium,high}'::text[], priority), id);
CREATE INDEX tasks_user_title ON tasks (user_id, lower(title), id);

-- Per-user totals, kept by a trigger in the same transaction as the change,
-- so X-Total-Count of a list filtered by status alone is one row read.
CREATE TABLE task_counts (
    user_id   TEXT   PRIMARY KEY,
    total     BIGINT NOT NULL DEFAULT 0 CHECK (total >= 0),
    completed BIGINT NOT NULL DEFAULT 0 CHECK (completed >= 0 AND completed <= total)
);

INSERT INTO task_counts (user_id, total, completed)
SELECT user_id, count(*), count(*) FILTER (WHERE completed)
FROM tasks
GROUP BY user_id;

CREATE FUNCTION task_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE task_counts
        SET total = total - 1, completed = completed - OLD.completed::int
        WHERE user_id = OLD.user_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO task_counts (user_id, total, completed)
        VALUES (NEW.user_id, 1, NEW.completed::int)
        ON CONFLICT (user_id) DO UPDATE
        SET total = task_counts.total + 1, completed = task_counts.completed + NEW.completed::int;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER tasks_counted
AFTER INSERT OR DELETE ON tasks
FOR EACH ROW EXECUTE FUNCTION task_counts_follow();

-- Most updates change neither: they cost no trigger call at all.
CREATE TRIGGER tasks_counted_changes
AFTER UPDATE OF completed, user_id ON tasks
FOR EACH ROW
WHEN (OLD.completed IS DISTINCT FROM NEW.completed OR OLD.user_id IS DISTINCT FROM NEW.user_id)
EXECUTE FUNCTION task_counts_follow();
