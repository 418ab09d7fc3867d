//! Prometheus metrics: one registry per app, written through the
//! `prometheus` crate (never formatted by hand) and served at `GET /metrics`
//! to a scraper holding `MENTOR_METRICS_TOKEN`, or on `MENTOR_METRICS_BIND`.
//!
//! Labels are route templates, methods, statuses, providers, models,
//! outcomes and reasons: never a user id or an email.

use prometheus::{
    CounterVec, Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::db::models::NewUsageEvent;

/// Latency buckets, in seconds: 1 ms to 60 s.
const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Every metric the backend records.
pub struct Metrics {
    registry: Registry,
    /// HTTP requests by route template, method and status.
    pub http_requests: IntCounterVec,
    /// HTTP request latency by route template and method.
    pub http_seconds: HistogramVec,
    /// Asks by provider, model and outcome (ok, cancelled, upstream_error, ...).
    pub asks: IntCounterVec,
    /// Time from the ask's arrival to its end, by provider and model.
    pub ask_seconds: HistogramVec,
    /// Time from the ask's arrival to the first text, by provider and model.
    pub ttft_seconds: HistogramVec,
    /// What the backend adds before the provider is called: checks, limits,
    /// the quota reservation, the prompt.
    pub ask_prepare_seconds: Histogram,
    /// Tokens by provider, model and direction (input, output).
    pub tokens: IntCounterVec,
    /// Cost in US dollars by provider and model.
    pub cost_usd: CounterVec,
    /// Asks refused before any provider call, by reason (quota, rate_limit).
    pub refusals: IntCounterVec,
    /// Database connections by pool (readers, writer) and state (in_use, idle).
    pub db_connections: IntGaugeVec,
    /// Time spent waiting for a database connection.
    pub db_wait_seconds: Histogram,
    /// 1 while Redis is unreachable and each process limits on its own.
    pub redis_fallback: IntGauge,
    /// Stripe webhook events by type and result (applied, repeated, refused).
    pub stripe_events: IntCounterVec,
}

impl Metrics {
    /// A registry with every metric registered.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("mentor".into()), None)?;
        let counter =
            |name: &str, help: &str, labels: &[&str]| -> Result<IntCounterVec, prometheus::Error> {
                let metric = IntCounterVec::new(Opts::new(name, help), labels)?;
                registry.register(Box::new(metric.clone()))?;
                Ok(metric)
            };
        let histogram =
            |name: &str, help: &str, labels: &[&str]| -> Result<HistogramVec, prometheus::Error> {
                let metric = HistogramVec::new(
                    HistogramOpts::new(name, help).buckets(SECONDS.to_vec()),
                    labels,
                )?;
                registry.register(Box::new(metric.clone()))?;
                Ok(metric)
            };
        let single = |name: &str, help: &str| -> Result<Histogram, prometheus::Error> {
            let metric =
                Histogram::with_opts(HistogramOpts::new(name, help).buckets(SECONDS.to_vec()))?;
            registry.register(Box::new(metric.clone()))?;
            Ok(metric)
        };
        let cost_usd = CounterVec::new(
            Opts::new("ask_cost_usd_total", "Cost of asks in US dollars."),
            &["provider", "model"],
        )?;
        registry.register(Box::new(cost_usd.clone()))?;
        let db_connections = IntGaugeVec::new(
            Opts::new("db_connections", "Database connections by pool and state."),
            &["pool", "state"],
        )?;
        registry.register(Box::new(db_connections.clone()))?;
        let redis_fallback = IntGauge::new(
            "redis_fallback",
            "1 while Redis is unreachable and rate limits are kept per process.",
        )?;
        registry.register(Box::new(redis_fallback.clone()))?;
        Ok(Self {
            http_requests: counter(
                "http_requests_total",
                "HTTP requests.",
                &["route", "method", "status"],
            )?,
            http_seconds: histogram(
                "http_request_duration_seconds",
                "HTTP request latency.",
                &["route", "method"],
            )?,
            asks: counter(
                "asks_total",
                "Asks by provider, model and outcome.",
                &["provider", "model", "outcome"],
            )?,
            ask_seconds: histogram(
                "ask_duration_seconds",
                "Asks from arrival to end.",
                &["provider", "model"],
            )?,
            ttft_seconds: histogram(
                "ask_time_to_first_token_seconds",
                "Asks from arrival to the first text.",
                &["provider", "model"],
            )?,
            ask_prepare_seconds: single(
                "ask_prepare_seconds",
                "Time the backend spends on an ask before calling the provider.",
            )?,
            tokens: counter(
                "ask_tokens_total",
                "Tokens by provider, model and direction.",
                &["provider", "model", "direction"],
            )?,
            cost_usd,
            refusals: counter(
                "ask_refusals_total",
                "Asks refused before a provider call.",
                &["reason"],
            )?,
            db_connections,
            db_wait_seconds: single(
                "db_pool_wait_seconds",
                "Time spent waiting for a database connection.",
            )?,
            redis_fallback,
            stripe_events: counter(
                "stripe_webhook_events_total",
                "Stripe webhook events.",
                &["type", "result"],
            )?,
            registry,
        })
    }

    /// Records one ask from its ledger row.
    pub fn record_ask(&self, row: &NewUsageEvent) {
        let (provider, model) = (row.provider.as_str(), row.model.as_str());
        self.asks
            .with_label_values(&[provider, model, row.outcome.as_str()])
            .inc();
        self.ask_seconds
            .with_label_values(&[provider, model])
            .observe(f64::from(row.total_ms) / 1000.0);
        if let Some(ttft) = row.ttft_ms {
            self.ttft_seconds
                .with_label_values(&[provider, model])
                .observe(f64::from(ttft) / 1000.0);
        }
        let tokens = |direction: &str, n: i64| {
            self.tokens
                .with_label_values(&[provider, model, direction])
                .inc_by(u64::try_from(n).unwrap_or_default());
        };
        tokens("input", row.input_tokens);
        tokens("output", row.output_tokens);
        self.cost_usd
            .with_label_values(&[provider, model])
            .inc_by(row.cost_pico as f64 / 1e12);
    }

    /// The metrics in the Prometheus text format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}
