-- Each message names its owner, as its conversation does: row-level
-- security reads it without a subquery, and a message inserted in the same
-- statement as its conversation (the ask's reservation) passes the policy.
ALTER TABLE messages ADD COLUMN user_id BIGINT;
UPDATE messages m SET user_id = c.user_id FROM conversations c WHERE c.id = m.conversation_id;
ALTER TABLE messages ALTER COLUMN user_id SET NOT NULL;
