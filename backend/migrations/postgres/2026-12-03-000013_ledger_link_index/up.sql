-- Deleting a conversation unlinks its ledger rows (the foreign key's
-- ON DELETE SET NULL), and an account's deletion does so for each of its
-- conversations. Without an index on the link, each of those scanned the
-- whole ledger: 93 ms per conversation at a million rows. Only app asks
-- link a conversation, so the index leaves the others out.
CREATE INDEX usage_events_conversation ON usage_events (conversation_id)
    WHERE conversation_id IS NOT NULL;
