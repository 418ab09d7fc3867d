DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
DROP TABLE data_exports;
DROP TABLE notices_sent;
ALTER TABLE users DROP COLUMN email_notices;
