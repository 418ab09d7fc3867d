DROP TABLE open_asks;
DELETE FROM usage_events WHERE user_id IS NULL;
ALTER TABLE usage_events ADD CONSTRAINT usage_events_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE usage_events ALTER COLUMN user_id SET NOT NULL;
