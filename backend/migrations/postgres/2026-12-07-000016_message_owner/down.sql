ALTER TABLE messages DROP COLUMN user_id;
