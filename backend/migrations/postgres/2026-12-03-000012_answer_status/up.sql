-- An answer's state replaces the `complete` flag: `writing` while it
-- streams, `stopping` once the user asked to stop it (any replica may take
-- that request; the one writing it sees the mark), then `complete`,
-- `stopped` (the user stopped it) or `failed` (the provider broke off, or
-- the server stopped). A question is always `complete`. Answers that
-- broke off before this migration become `failed`.
ALTER TABLE messages ADD COLUMN status TEXT NOT NULL DEFAULT 'complete';
UPDATE messages SET status = 'failed' WHERE NOT complete;
ALTER TABLE messages DROP COLUMN complete;
