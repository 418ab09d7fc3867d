DROP TABLE model_settings;
DROP INDEX usage_events_created_at;
ALTER TABLE quota_usage DROP COLUMN granted;
DROP INDEX users_last_login_at;
DROP INDEX users_created_at;
DROP INDEX users_suspended;
ALTER TABLE users DROP COLUMN suspended_at;
