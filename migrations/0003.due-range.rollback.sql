ALTER TABLE tasks DROP CONSTRAINT tasks_due_at_range;
