ALTER TABLE messages DROP COLUMN timezone;
