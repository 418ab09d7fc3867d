-- Failed sign-ins, counted per address tried (its SHA-256, so that an
-- address with no account is throttled the same way and not kept in clear)
-- and per client IP: `account:<hex>` and `ip:<address>`. Past a threshold
-- each failure blocks the key for a growing time; a success from a client
-- that signed in to the account before is not blocked. This replaces the
-- lock kept on the account's row, which anyone could set off.
CREATE TABLE sign_in_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    blocked_until TIMESTAMP
);
ALTER TABLE users DROP COLUMN failed_login_count;
ALTER TABLE users DROP COLUMN locked_until;
