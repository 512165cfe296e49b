-- depends: 0002.conversations
-- Due dates within years 1..9999 in UTC, the range the service accepts and
-- Python can read back. Rows stored outside it by earlier versions (which cast
-- PATCH text to a time in SQL) are moved to the nearest end of the range
-- first, so the constraint holds and those tasks can be read again.
UPDATE tasks
SET due_at = LEAST(GREATEST(due_at, TIMESTAMPTZ '0001-01-01 00:00:00+00'),
                   TIMESTAMPTZ '9999-12-31 23:59:59.999999+00'),
    updated_at = now()
WHERE due_at < TIMESTAMPTZ '0001-01-01 00:00:00+00'
   OR due_at > TIMESTAMPTZ '9999-12-31 23:59:59.999999+00';

ALTER TABLE tasks ADD CONSTRAINT tasks_due_at_range CHECK (
    due_at BETWEEN TIMESTAMPTZ '0001-01-01 00:00:00+00'
               AND TIMESTAMPTZ '9999-12-31 23:59:59.999999+00'
);
