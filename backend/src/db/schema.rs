//! Diesel table definitions, written by hand to match both migration sets.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        full_name -> Nullable<Text>,
        role -> Text,
        subscription_tier -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        stripe_customer_id -> Nullable<Text>,
        tier_expires_at -> Nullable<Timestamp>,
        suspended_at -> Nullable<Timestamp>,
        byok_fallback -> Bool,
        email_verified_at -> Nullable<Timestamp>,
        email_notices -> Bool,
    }
}

diesel::table! {
    sign_in_throttle (key) {
        key -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, refresh_tokens);

diesel::table! {
    conversations (id) {
        id -> BigInt,
        user_id -> BigInt,
        title -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    messages (id) {
        id -> BigInt,
        conversation_id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        content -> Text,
        model -> Nullable<Text>,
        created_at -> Timestamp,
        status -> Text,
    }
}

diesel::table! {
    quota_usage (user_id, period) {
        user_id -> BigInt,
        period -> Text,
        used -> Integer,
        granted -> Integer,
    }
}

diesel::table! {
    usage_events (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        conversation_id -> Nullable<BigInt>,
        provider -> Text,
        model -> Text,
        input_tokens -> BigInt,
        output_tokens -> BigInt,
        cost_pico -> BigInt,
        ttft_ms -> Nullable<Integer>,
        total_ms -> Integer,
        outcome -> Text,
        charged -> Bool,
        created_at -> Timestamp,
        byok -> Bool,
        via -> Text,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> BigInt,
        user_id -> BigInt,
        stripe_subscription_id -> Text,
        stripe_price_id -> Text,
        tier -> Text,
        status -> Text,
        current_period_end -> Nullable<Timestamp>,
        cancel_at_period_end -> Bool,
        past_due_since -> Nullable<Timestamp>,
        last_event_at -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    stripe_events (id) {
        id -> Text,
        event_type -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    resumes (id) {
        id -> BigInt,
        user_id -> BigInt,
        title -> Text,
        text -> Text,
        word_count -> Integer,
        format -> Text,
        warnings -> Text,
        skills -> Text,
        is_active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        document -> Nullable<Text>,
        skills_version -> Integer,
    }
}

// `search` (PostgreSQL) and `jobs_fts` (SQLite) are only reached through
// raw SQL in `db::jobs`.
diesel::table! {
    jobs (id) {
        id -> BigInt,
        user_id -> BigInt,
        title -> Text,
        company -> Nullable<Text>,
        location -> Nullable<Text>,
        description -> Text,
        url -> Nullable<Text>,
        source -> Nullable<Text>,
        status -> Text,
        notes -> Nullable<Text>,
        skills -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        skills_version -> Integer,
    }
}

diesel::table! {
    job_saves (user_id, day) {
        user_id -> BigInt,
        day -> Text,
        used -> Integer,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_type -> Text,
        actor_id -> Nullable<BigInt>,
        actor_email -> Nullable<Text>,
        action -> Text,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        details -> Text,
    }
}

diesel::table! {
    audit_prune_gate (id) {
        id -> Integer,
        open -> Bool,
    }
}

diesel::table! {
    model_settings (model_id) {
        model_id -> Text,
        enabled -> Bool,
        tiers -> Nullable<Text>,
        input_pico_per_1k -> Nullable<BigInt>,
        output_pico_per_1k -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        user_id -> BigInt,
        public_id -> Text,
        secret_hash -> Text,
        name -> Text,
        last4 -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        scopes -> Text,
    }
}

diesel::table! {
    user_data_keys (user_id) {
        user_id -> BigInt,
        master_key_id -> Text,
        wrapped -> Text,
        created_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    provider_keys (user_id, provider) {
        user_id -> BigInt,
        provider -> Text,
        ciphertext -> Text,
        last4 -> Text,
        status -> Text,
        verified_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    open_asks (id) {
        id -> BigInt,
        user_id -> BigInt,
        period -> Text,
        provider -> Text,
        model -> Text,
        via -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(api_keys -> users (user_id));
diesel::joinable!(subscriptions -> users (user_id));
diesel::joinable!(conversations -> users (user_id));
diesel::joinable!(messages -> conversations (conversation_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    conversations,
    messages,
    quota_usage,
    usage_events,
    subscriptions,
    resumes,
    api_keys,
    user_data_keys,
    provider_keys,
    open_asks
);

diesel::table! {
    account_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        email -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mail_queue (id) {
        id -> BigInt,
        recipient -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        kind -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(account_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, account_tokens);

diesel::table! {
    notices_sent (user_id, kind, period) {
        user_id -> BigInt,
        kind -> Text,
        period -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    data_exports (id) {
        id -> BigInt,
        user_id -> BigInt,
        state -> Text,
        requested_at -> Timestamp,
        claimed_until -> Timestamp,
        ready_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        archive -> Nullable<Binary>,
        size_bytes -> Nullable<BigInt>,
    }
}
