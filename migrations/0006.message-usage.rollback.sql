ALTER TABLE messages DROP COLUMN usage;
