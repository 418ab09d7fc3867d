-- The operator console: suspension, questions granted by hand, and model
-- settings that override the catalogue file for every replica.
ALTER TABLE users ADD COLUMN suspended_at TIMESTAMP;
CREATE INDEX users_suspended ON users (suspended_at) WHERE suspended_at IS NOT NULL;
CREATE INDEX users_created_at ON users (created_at);
CREATE INDEX users_last_login_at ON users (last_login_at);

-- Extra questions an admin granted for one period, on top of the plan's.
ALTER TABLE quota_usage ADD COLUMN granted INTEGER NOT NULL DEFAULT 0 CHECK (granted >= 0);

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

-- Daily rollups of the ledger, so analytics read thousands of rows instead
-- of millions. A background task folds ledger rows in by id, up to a
-- watermark; analytics add the rows past the watermark live. Days are
-- 'YYYY-MM-DD' (UTC).
CREATE TABLE usage_rollup_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_event_id BIGINT NOT NULL
);
INSERT INTO usage_rollup_state (id, last_event_id) VALUES (1, 0);

CREATE TABLE usage_daily (
    day TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    outcome TEXT NOT NULL,
    charged BOOLEAN NOT NULL,
    asks BIGINT NOT NULL,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    cost_pico BIGINT NOT NULL,
    PRIMARY KEY (day, provider, model, outcome, charged)
);

-- Per user and day: active users and the costliest users. No foreign key:
-- the figures outlive a deleted account.
CREATE TABLE usage_daily_users (
    day TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    asks BIGINT NOT NULL,
    cost_pico BIGINT NOT NULL,
    PRIMARY KEY (day, user_id)
);
-- The costliest users of a range: grouped by user straight off this index.
CREATE INDEX usage_daily_users_by_user ON usage_daily_users (user_id, day, asks, cost_pico);

-- Distinct users who asked, per day (kept as the fold adds new user-days).
CREATE TABLE usage_daily_active (
    day TEXT PRIMARY KEY,
    users BIGINT NOT NULL
);

-- Time to first token per provider and day, in 10 ms buckets (the bucket's
-- lower bound).
CREATE TABLE usage_daily_ttft (
    day TEXT NOT NULL,
    provider TEXT NOT NULL,
    ttft_ms INTEGER NOT NULL,
    asks BIGINT NOT NULL,
    PRIMARY KEY (day, provider, ttft_ms)
);
