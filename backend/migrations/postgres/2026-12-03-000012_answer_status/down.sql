ALTER TABLE messages ADD COLUMN complete BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE messages SET complete = (status = 'complete');
ALTER TABLE messages DROP COLUMN status;
