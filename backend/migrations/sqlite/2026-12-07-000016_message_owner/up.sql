-- Each message names its owner, as its conversation does (PostgreSQL's
-- row-level security reads it; SQLite keeps the engines' schemas alike).
ALTER TABLE messages ADD COLUMN user_id BIGINT NOT NULL DEFAULT 0;
UPDATE messages SET user_id = (SELECT user_id FROM conversations c WHERE c.id = messages.conversation_id);
