ALTER TABLE usage_events DROP COLUMN via;
ALTER TABLE usage_events DROP COLUMN byok;
ALTER TABLE users DROP COLUMN byok_fallback;
DROP TABLE provider_keys;
DROP TABLE user_data_keys;
