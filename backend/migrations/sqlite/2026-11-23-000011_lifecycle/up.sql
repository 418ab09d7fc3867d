-- Whether the user wants the optional mail (the month's questions running
-- out, a subscription starting or ending). Mail about security and failed
-- payments always goes.
ALTER TABLE users ADD COLUMN email_notices BOOLEAN NOT NULL DEFAULT TRUE;

-- The notices sent, one per kind and period (a month, a subscription, an
-- invoice), so a notice goes once however often its cause recurs.
CREATE TABLE notices_sent (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, kind, period)
);

-- Data exports: a ZIP built in the background, kept in the database (any
-- replica can serve it) until it expires. A builder holds a pending export
-- by moving claimed_until forward, as the mail queue does.
CREATE TABLE data_exports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'ready', 'failed')),
    requested_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP NOT NULL,
    ready_at TIMESTAMP,
    expires_at TIMESTAMP,
    archive BLOB,
    size_bytes INTEGER
);
CREATE INDEX data_exports_user ON data_exports (user_id, requested_at);
CREATE INDEX data_exports_pending ON data_exports (claimed_until) WHERE state = 'pending';

-- The audit log stays append-only, with one exception: when an account is
-- deleted, the personal fields of the rows about it are erased (set to
-- NULL, details to '{}'). Nothing else about a row may change.
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (
    NEW.id = OLD.id AND NEW.at = OLD.at
    AND NEW.actor_type = OLD.actor_type AND NEW.action = OLD.action
    AND NEW.target_type IS OLD.target_type
    AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
    AND (NEW.actor_email IS NULL OR NEW.actor_email = OLD.actor_email)
    AND (NEW.target_id IS NULL OR NEW.target_id = OLD.target_id)
    AND (NEW.ip IS NULL OR NEW.ip = OLD.ip)
    AND (NEW.user_agent IS NULL OR NEW.user_agent = OLD.user_agent)
    AND (NEW.details = '{}' OR NEW.details = OLD.details)
) BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
