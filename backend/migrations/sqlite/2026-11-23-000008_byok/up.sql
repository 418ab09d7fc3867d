-- Bring your own key: each user's data key, wrapped by the operator's master
-- key (envelope encryption), and the provider keys it encrypts. Deleting the
-- account deletes the data key, which makes any copy of the keys unreadable.
CREATE TABLE user_data_keys (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    master_key_id TEXT NOT NULL,
    wrapped TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP
);
CREATE INDEX user_data_keys_master ON user_data_keys (master_key_id);

CREATE TABLE provider_keys (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    last4 TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('verified', 'unverified', 'invalid')),
    verified_at TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, provider)
);

-- Whether an ask whose own key is refused may use the platform's key.
ALTER TABLE users ADD COLUMN byok_fallback BOOLEAN NOT NULL DEFAULT FALSE;

-- The ledger says who paid the provider and which door the ask came in by.
ALTER TABLE usage_events ADD COLUMN byok BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE usage_events ADD COLUMN via TEXT NOT NULL DEFAULT 'app';
