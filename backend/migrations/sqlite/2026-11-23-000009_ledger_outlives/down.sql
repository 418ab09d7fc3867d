DROP TABLE open_asks;
CREATE TABLE usage_events_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    cost_pico BIGINT NOT NULL,
    ttft_ms INTEGER,
    total_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    charged BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    byok BOOLEAN NOT NULL DEFAULT FALSE,
    via TEXT NOT NULL DEFAULT 'app'
);
INSERT INTO usage_events_old SELECT * FROM usage_events WHERE user_id IS NOT NULL;
DROP TABLE usage_events;
ALTER TABLE usage_events_old RENAME TO usage_events;
CREATE INDEX usage_events_user_time ON usage_events (user_id, created_at);
