DROP TRIGGER tasks_counted ON tasks;
DROP TRIGGER tasks_counted_changes ON tasks;
DROP FUNCTION task_counts_follow();
DROP TABLE task_counts;
DROP INDEX tasks_user_created_pending, tasks_user_updated, tasks_user_due_first,
    tasks_user_due_last, tasks_user_due_first_pending, tasks_user_priority, tasks_user_title;
