-- The ledger outlives what it refers to: deleting an account keeps its
-- ledger rows without the link (conversations already worked so), so the
-- operator's cost accounting stays whole. The account's deletion sets
-- user_id to NULL itself; without a foreign key, a settle that races the
-- deletion can never fail and lose its row. SQLite drops a foreign key by
-- rebuilding the table; the ids are kept.
CREATE TABLE usage_events_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER,
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
INSERT INTO usage_events_new
    SELECT id, user_id, conversation_id, provider, model, input_tokens, output_tokens, cost_pico,
           ttft_ms, total_ms, outcome, charged, created_at, byok, via
    FROM usage_events;
DROP TABLE usage_events;
ALTER TABLE usage_events_new RENAME TO usage_events;
CREATE INDEX usage_events_user_time ON usage_events (user_id, created_at);

-- Asks that reserved a question and have not settled yet. A process killed
-- in between leaves its row here; the sweep gives the question back and
-- writes the ask's ledger row once the row is old enough.
CREATE TABLE open_asks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    via TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX open_asks_created_at ON open_asks (created_at);
