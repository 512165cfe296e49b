DROP TABLE idempotency_keys;
DROP INDEX messages_reply_to;
ALTER TABLE messages DROP COLUMN reply_to, DROP COLUMN status;
