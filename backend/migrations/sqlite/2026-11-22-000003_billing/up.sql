-- The Stripe customer, created once at the first checkout.
ALTER TABLE users ADD COLUMN stripe_customer_id TEXT;
-- A paid tier kept through a payment grace period ends here; NULL: no end.
ALTER TABLE users ADD COLUMN tier_expires_at TIMESTAMP;
CREATE UNIQUE INDEX users_stripe_customer_id ON users (stripe_customer_id);

-- Subscriptions as Stripe last described them. last_event_at is the Stripe
-- event time (Unix seconds) of that description: an older event is ignored.
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stripe_subscription_id TEXT NOT NULL UNIQUE,
    stripe_price_id TEXT NOT NULL,
    tier TEXT NOT NULL CHECK (tier IN ('free', 'pro', 'enterprise')),
    status TEXT NOT NULL,
    current_period_end TIMESTAMP,
    cancel_at_period_end BOOLEAN NOT NULL,
    past_due_since TIMESTAMP,
    last_event_at BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX subscriptions_user_id ON subscriptions (user_id);

-- Each Stripe event is applied at most once.
CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
