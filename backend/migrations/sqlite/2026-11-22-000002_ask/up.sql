CREATE TABLE conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX conversations_user_id ON conversations (user_id, id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    model TEXT,
    complete BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX messages_conversation_id ON messages (conversation_id, id);

-- Questions used per user per calendar month ('YYYY-MM', UTC).
CREATE TABLE quota_usage (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (user_id, period)
);

-- One row per ask: what it cost and how it ended. Costs in pico-dollars.
CREATE TABLE usage_events (
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
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX usage_events_user_time ON usage_events (user_id, created_at);
