-- The operator console: suspension, questions granted by hand, and model
-- settings that override the catalogue file for every replica.
ALTER TABLE users ADD COLUMN suspended_at TIMESTAMP;
CREATE INDEX users_suspended ON users (suspended_at) WHERE suspended_at IS NOT NULL;
CREATE INDEX users_created_at ON users (created_at);
CREATE INDEX users_last_login_at ON users (last_login_at);

-- Extra questions an admin granted for one period, on top of the plan's.
ALTER TABLE quota_usage ADD COLUMN granted INTEGER NOT NULL DEFAULT 0 CHECK (granted >= 0);

-- Analytics read the ledger by time.
CREATE INDEX usage_events_created_at ON usage_events (created_at);

-- One row per model an admin changed; NULL keeps the catalogue's value.
-- Prices in pico-dollars per 1,000 tokens; tiers a comma-separated list.
CREATE TABLE model_settings (
    model_id TEXT PRIMARY KEY,
    enabled BOOLEAN NOT NULL,
    tiers TEXT,
    input_pico_per_1k BIGINT CHECK (input_pico_per_1k >= 0),
    output_pico_per_1k BIGINT CHECK (output_pico_per_1k >= 0),
    updated_at TIMESTAMP NOT NULL
);
