-- What each personal API key may reach besides asking, comma-separated
-- (`ask`, `conversations`, `resume`). Keys made before this reach asking
-- only: conversations and the resume are opt-in for new keys.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'ask';
