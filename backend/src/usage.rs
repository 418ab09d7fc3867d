//! The usage report: this period's quota, tokens and cost, and the last 30
//! days by day. Knows nothing of HTTP.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use shared_types::money::format_pico_usd;
use shared_types::{DailyUsage, Plan, UsageReport, UserId};

use crate::db::{self, DbError, Pool, Scope, quota, usage_events};
use crate::quota::Period;

/// Builds the user's report under `plan`.
pub async fn report(pool: &Pool, user: UserId, plan: &Plan) -> Result<UsageReport, DbError> {
    let period = Period::current();
    let since = (db::now() - TimeDelta::days(29))
        .date()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let from = since.min(period.start);
    let key = period.key.clone();
    let ((used, granted), events) = pool
        .read(Scope::User(user.0), move |conn| {
            Ok::<_, DbError>((
                quota::used(conn, user.0, &key)?,
                usage_events::since(conn, user.0, from)?,
            ))
        })
        .await?;

    let (mut input, mut output, mut cost) = (0u64, 0u64, 0i64);
    let mut days: BTreeMap<String, (DailyUsage, i64)> = BTreeMap::new();
    for event in events {
        let (event_input, event_output) = (
            event.input_tokens.max(0) as u64,
            event.output_tokens.max(0) as u64,
        );
        if event.created_at >= period.start {
            input += event_input;
            output += event_output;
            cost += event.cost_pico;
        }
        if event.created_at < since {
            continue;
        }
        let date = event.created_at.date().format("%Y-%m-%d").to_string();
        let (day, day_cost) = days.entry(date.clone()).or_insert_with(|| {
            let day = DailyUsage {
                date,
                questions: 0,
                input_tokens: 0,
                output_tokens: 0,
                cost_usd: String::new(),
            };
            (day, 0)
        });
        day.questions += u32::from(event.charged);
        day.input_tokens += event_input;
        day.output_tokens += event_output;
        *day_cost += event.cost_pico;
    }
    let daily = days
        .into_values()
        .map(|(day, day_cost)| DailyUsage {
            cost_usd: format_pico_usd(day_cost),
            ..day
        })
        .collect();
    Ok(UsageReport {
        quota: period.status(used, granted, plan.monthly_questions),
        input_tokens: input,
        output_tokens: output,
        cost_usd: format_pico_usd(cost),
        daily,
    })
}
