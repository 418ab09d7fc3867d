-- The audit log: who did what, append-only. Rows outlive the users they
-- name (no foreign keys). `details` is a JSON object (before and after values
-- for admin changes); never a password, token or key.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    actor_type TEXT NOT NULL CHECK (actor_type IN ('user', 'system', 'stripe')),
    actor_id INTEGER,
    actor_email TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    ip TEXT,
    user_agent TEXT,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

-- One row: whether the retention task is pruning. It opens the gate, deletes
-- old rows and closes it in one transaction; no other delete gets through.
CREATE TABLE audit_prune_gate (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    open BOOLEAN NOT NULL
);
INSERT INTO audit_prune_gate (id, open) VALUES (1, FALSE);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT (SELECT open FROM audit_prune_gate WHERE id = 1) BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
