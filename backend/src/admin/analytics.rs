//! Analytics over a range of days: the daily series, cost by provider and
//! model, failures, time to first token, tiers, revenue, conversion and the
//! costliest users. The database does the scans; this module folds their
//! small results.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use shared_types::money::format_pico_usd;
use shared_types::{
    Analytics, AnalyticsDay, CostLine, FailureLine, LatencyLine, Revenue, Tier, TierCount, TopUser,
};

use super::AdminError;
use crate::billing::{MonthlyPrice, money};
use crate::db::admin_analytics::{
    self as q, LedgerGroup, PriceGroup, Span, StartedGroup, TtftCount,
};
use crate::db::{self, DbError, Pool, Scope, usage_rollup};

/// The longest range one request covers.
pub const MAX_DAYS: i64 = 366;
/// Users listed as the costliest.
const TOP_USERS: i64 = 10;

/// A range of whole days (UTC), both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
}

impl Range {
    /// From `from` and `to` (`YYYY-MM-DD`), by default the last 30 days.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Self, AdminError> {
        let day = |name: &str, text: &str| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| AdminError::InvalidInput(format!("{name} must be YYYY-MM-DD.")))
        };
        let to = match to.filter(|t| !t.is_empty()) {
            Some(t) => day("to", t)?,
            None => db::now().date(),
        };
        let from = match from.filter(|f| !f.is_empty()) {
            Some(f) => day("from", f)?,
            None => to - TimeDelta::days(29),
        };
        if from > to {
            return Err(AdminError::InvalidInput(
                "from must not be after to.".into(),
            ));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(AdminError::InvalidInput(format!(
                "The range may cover at most {MAX_DAYS} days."
            )));
        }
        Ok(Self { from, to })
    }

    /// The range read at a ledger watermark.
    pub fn span(&self, watermark: i64) -> Span {
        Span {
            from: self.from,
            to: self.to,
            watermark,
        }
    }

    /// The first instant of the range.
    pub fn start(&self) -> NaiveDateTime {
        self.span(0).start()
    }

    /// The first instant after the range.
    pub fn end(&self) -> NaiveDateTime {
        self.span(0).end()
    }

    fn days(&self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(|d| *d <= self.to)
    }
}

/// What the queries return, before folding.
struct Raw {
    ledger: Vec<LedgerGroup>,
    active: Vec<q::DayCount>,
    signups: Vec<q::DayCount>,
    ttft: Vec<TtftCount>,
    top: Vec<q::UserCost>,
    tiers: Vec<q::TierGroup>,
    subscriptions: Vec<PriceGroup>,
    started: Vec<StartedGroup>,
}

/// The analytics of `range`; `prices` gives Stripe's prices per month for
/// the subscriptions' price ids (`None` without Stripe or its answer).
pub async fn build<F, Fut>(pool: &Pool, range: Range, prices: F) -> Result<Analytics, AdminError>
where
    F: FnOnce(Vec<String>) -> Fut,
    Fut: Future<Output = Option<Vec<MonthlyPrice>>>,
{
    let (start, end) = (range.start(), range.end());
    let raw = pool
        .read(Scope::System, move |conn| {
            // One snapshot, so that a fold committing meanwhile is counted
            // once: in the rollups or past the watermark, not both.
            db::read_snapshot(conn, |conn| {
                let span = range.span(usage_rollup::watermark(conn)?);
                Ok(Raw {
                    ledger: q::ledger_groups(conn, span)?,
                    active: q::active_users(conn, span)?,
                    signups: q::signups(conn, start, end)?,
                    ttft: q::ttft_histogram(conn, span)?,
                    top: q::top_users(conn, span, TOP_USERS)?,
                    tiers: q::tiers(conn, db::now(), start, end)?,
                    subscriptions: q::live_subscriptions(conn)?,
                    started: q::started_subscriptions(conn, start, end)?,
                })
            })
            .map_err(DbError::from)
        })
        .await?;
    let mut ids: Vec<String> = raw
        .subscriptions
        .iter()
        .map(|s| s.stripe_price_id.clone())
        .chain(raw.started.iter().map(|s| s.stripe_price_id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    let prices = prices(ids).await;
    Ok(fold(range, raw, prices))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

/// Totals of one provider or model.
#[derive(Default)]
struct Totals {
    asks: u64,
    tokens: u64,
    cost: i64,
}

fn lines(totals: BTreeMap<String, Totals>) -> Vec<CostLine> {
    let mut lines: Vec<(String, Totals)> = totals.into_iter().collect();
    lines.sort_by(|a, b| b.1.cost.cmp(&a.1.cost).then(a.0.cmp(&b.0)));
    lines
        .into_iter()
        .map(|(name, t)| CostLine {
            name,
            asks: t.asks,
            tokens: t.tokens,
            cost_usd: format_pico_usd(t.cost),
        })
        .collect()
}

/// The monthly revenue of `groups` (price id, count) in the plans' main
/// currency, given the prices.
fn revenue_of<'a>(
    prices: &[MonthlyPrice],
    currency: &str,
    groups: impl Iterator<Item = (&'a str, i64)>,
) -> i64 {
    groups
        .filter_map(|(id, count)| {
            prices
                .iter()
                .find(|p| p.id == id && p.currency == currency)
                .map(|p| p.monthly_minor * count)
        })
        .sum()
}

fn fold(range: Range, raw: Raw, prices: Option<Vec<MonthlyPrice>>) -> Analytics {
    // Plans are priced in one currency; should they not be, the revenue
    // figures count the most common one.
    let currency = prices.as_ref().map(|prices| {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for p in prices {
            *counts.entry(&p.currency).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map_or_else(|| "usd".to_string(), |(c, _)| c.to_string())
    });
    let mut days: BTreeMap<String, (AnalyticsDay, i64)> = range
        .days()
        .map(|d| {
            let date = d.format("%Y-%m-%d").to_string();
            let day = AnalyticsDay {
                date: date.clone(),
                signups: 0,
                active_users: 0,
                questions: 0,
                failed: 0,
                input_tokens: 0,
                output_tokens: 0,
                cost_usd: String::new(),
                new_subscriptions: 0,
                new_mrr_minor: None,
            };
            (date, (day, 0))
        })
        .collect();
    let mut providers: BTreeMap<String, Totals> = BTreeMap::new();
    let mut models: BTreeMap<String, Totals> = BTreeMap::new();
    let mut failures: BTreeMap<(String, String), u64> = BTreeMap::new();
    for g in &raw.ledger {
        let tokens = count(g.input_tokens) + count(g.output_tokens);
        if let Some((day, cost)) = days.get_mut(&g.day) {
            if g.charged {
                day.questions += count(g.asks);
            }
            if is_failure(&g.outcome) {
                day.failed += count(g.asks);
            }
            day.input_tokens += count(g.input_tokens);
            day.output_tokens += count(g.output_tokens);
            *cost += g.cost_pico;
        }
        for (map, key) in [(&mut providers, &g.provider), (&mut models, &g.model)] {
            let t = map.entry(key.clone()).or_default();
            t.asks += count(g.asks);
            t.tokens += tokens;
            t.cost += g.cost_pico;
        }
        if is_failure(&g.outcome) {
            *failures
                .entry((g.provider.clone(), g.outcome.clone()))
                .or_default() += count(g.asks);
        }
    }
    for a in &raw.active {
        if let Some((day, _)) = days.get_mut(&a.day) {
            day.active_users = count(a.count);
        }
    }
    for s in &raw.signups {
        if let Some((day, _)) = days.get_mut(&s.day) {
            day.signups = count(s.count);
        }
    }
    for (day, _) in days.values_mut() {
        let started = raw.started.iter().filter(|s| s.day == day.date);
        day.new_subscriptions = started.clone().map(|s| count(s.count)).sum();
        day.new_mrr_minor = prices
            .as_deref()
            .zip(currency.as_deref())
            .map(|(p, c)| revenue_of(p, c, started.map(|s| (s.stripe_price_id.as_str(), s.count))));
    }
    let revenue = prices.as_deref().zip(currency.as_deref()).map(|(p, c)| {
        let mrr_minor = revenue_of(
            p,
            c,
            raw.subscriptions
                .iter()
                .map(|s| (s.stripe_price_id.as_str(), s.count)),
        );
        Revenue {
            currency: c.to_string(),
            mrr_minor,
            mrr: money(mrr_minor, c),
        }
    });

    let mut subscribed: BTreeMap<String, u64> = BTreeMap::new();
    for s in &raw.subscriptions {
        *subscribed.entry(s.tier.clone()).or_default() += count(s.count);
    }
    let tiers: Vec<TierCount> = Tier::ALL
        .iter()
        .map(|&tier| {
            let users = raw
                .tiers
                .iter()
                .filter(|t| t.tier == tier.as_str())
                .map(|t| count(t.users))
                .sum();
            TierCount {
                tier,
                users,
                subscribed: subscribed.get(tier.as_str()).copied().unwrap_or_default(),
            }
        })
        .collect();
    let all_users: u64 = raw.tiers.iter().map(|t| count(t.users)).sum();
    let paid: u64 = tiers
        .iter()
        .filter(|t| t.tier != Tier::Free)
        .map(|t| t.users)
        .sum();
    let signups_in_range = raw.tiers.iter().map(|t| count(t.signed_up_in_range)).sum();
    let converted_in_range = raw
        .tiers
        .iter()
        .filter(|t| t.tier != Tier::Free.as_str())
        .map(|t| count(t.signed_up_in_range))
        .sum();

    Analytics {
        from: range.from.format("%Y-%m-%d").to_string(),
        to: range.to.format("%Y-%m-%d").to_string(),
        days: days
            .into_values()
            .map(|(day, cost)| AnalyticsDay {
                cost_usd: format_pico_usd(cost),
                ..day
            })
            .collect(),
        cost_by_provider: lines(providers),
        cost_by_model: lines(models),
        failures: failures
            .into_iter()
            .map(|((provider, outcome), count)| FailureLine {
                provider,
                outcome,
                count,
            })
            .collect(),
        time_to_first_token: latency(&raw.ttft),
        tiers,
        revenue,
        paid_share: if all_users == 0 {
            0.0
        } else {
            paid as f64 / all_users as f64
        },
        converted_in_range,
        signups_in_range,
        top_users: raw
            .top
            .into_iter()
            .map(|u| TopUser {
                id: u.user_id,
                email: u.email,
                asks: count(u.asks),
                cost_usd: format_pico_usd(u.cost_pico),
            })
            .collect(),
    }
}

/// Outcomes that are failures of the provider (`upstream_error`,
/// `upstream_timeout`), not an answer or the user's stop (`cancelled`).
fn is_failure(outcome: &str) -> bool {
    outcome.starts_with("upstream_")
}

/// The width of the time-to-first-token buckets (as the rollup keeps them).
const TTFT_BUCKET_MS: u32 = 10;

/// p50 and p95 per provider from a histogram of 10 ms buckets, each given
/// as its bucket's upper bound (3 ms reads as 10 ms: never better than it was).
fn latency(histogram: &[TtftCount]) -> Vec<LatencyLine> {
    let mut by_provider: BTreeMap<&str, Vec<(i32, u64)>> = BTreeMap::new();
    for h in histogram {
        by_provider
            .entry(&h.provider)
            .or_default()
            .push((h.ttft_ms, count(h.count)));
    }
    by_provider
        .into_iter()
        .map(|(provider, mut buckets)| {
            buckets.sort_unstable();
            let samples: u64 = buckets.iter().map(|b| b.1).sum();
            LatencyLine {
                provider: provider.to_string(),
                samples,
                p50_ms: percentile(&buckets, samples, 50) + TTFT_BUCKET_MS,
                p95_ms: percentile(&buckets, samples, 95) + TTFT_BUCKET_MS,
            }
        })
        .collect()
}

/// The nearest-rank percentile: the smallest value with at least `p`% of
/// the samples at or below it.
fn percentile(sorted: &[(i32, u64)], samples: u64, p: u64) -> u32 {
    let rank = (samples * p).div_ceil(100).max(1);
    let mut seen = 0;
    for &(value, n) in sorted {
        seen += n;
        if seen >= rank {
            return u32::try_from(value).unwrap_or_default();
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_over_the_histogram() {
        // 1..=100 ms, one sample each.
        let buckets: Vec<(i32, u64)> = (1..=100).map(|v| (v, 1)).collect();
        assert_eq!(percentile(&buckets, 100, 50), 50);
        assert_eq!(percentile(&buckets, 100, 95), 95);
        // Skewed: 90 fast and 10 slow.
        let skewed = [(10, 90), (900, 10)];
        assert_eq!(percentile(&skewed, 100, 50), 10);
        assert_eq!(percentile(&skewed, 100, 95), 900);
        assert_eq!(percentile(&[(7, 1)], 1, 95), 7);
    }

    #[test]
    fn a_range_defaults_to_30_days_and_refuses_bad_ones() {
        let r = Range::parse(Some("2026-11-01"), Some("2026-11-30")).expect("valid");
        assert_eq!(r.days().count(), 30);
        assert_eq!(r.end().to_string(), "2026-12-01 00:00:00");
        assert_eq!(
            Range::parse(None, Some("2026-11-30"))
                .expect("valid")
                .from
                .to_string(),
            "2026-11-01"
        );
        assert!(Range::parse(Some("2026-12-01"), Some("2026-11-30")).is_err());
        assert!(Range::parse(Some("2025-01-01"), Some("2026-11-30")).is_err());
        assert!(Range::parse(Some("yesterday"), None).is_err());
    }
}
