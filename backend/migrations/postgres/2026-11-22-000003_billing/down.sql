DROP TABLE stripe_events;
DROP TABLE subscriptions;
DROP INDEX users_stripe_customer_id;
ALTER TABLE users DROP COLUMN tier_expires_at;
ALTER TABLE users DROP COLUMN stripe_customer_id;
