//! The model catalogue as the operator manages it: a kill switch, the tiers
//! that may use a model, and its prices, kept in `model_settings` over the
//! catalogue file.

use std::collections::HashMap;

use diesel::Connection;
use serde_json::json;
use shared_types::money::format_pico_usd;
use shared_types::{AdminModel, AdminModelPatch};

use super::AdminError;
use crate::ai::catalogue::{ModelSpec, price_pico_per_1k};
use crate::audit::{self, Action, Event};
use crate::db::admin_analytics::{self, Span};
use crate::db::model_settings::ModelOverride;
use crate::db::{self, DbError, Pool, Scope, model_settings, usage_rollup};
use crate::live::Live;
use crate::quota::Period;

use super::users::By;

use crate::db::admin_analytics::ModelUsage as Usage;

/// Every model with its settings and this month's usage.
pub async fn list(
    pool: &Pool,
    live: &Live,
    provider_on: &dyn Fn(&str) -> bool,
) -> Result<Vec<AdminModel>, AdminError> {
    let month = Period::current().start.date();
    let (overrides, usage) = pool
        .read(Scope::System, move |conn| {
            db::read_snapshot(conn, |conn| {
                let span = Span {
                    from: month,
                    to: db::now().date(),
                    watermark: usage_rollup::watermark(conn)?,
                };
                Ok((
                    model_settings::all(conn)?,
                    admin_analytics::usage_by_model(conn, span)?,
                ))
            })
            .map_err(DbError::from)
        })
        .await?;
    let usage: HashMap<String, Usage> = usage.into_iter().collect();
    let catalogue = live.catalogue();
    Ok(catalogue
        .models()
        .iter()
        .map(|m| {
            let (asks, tokens, cost) = usage.get(&m.id).copied().unwrap_or_default();
            view(
                m,
                provider_on(&m.provider),
                overrides.iter().any(|o| o.model_id == m.id),
                (asks, tokens, cost),
            )
        })
        .collect())
}

fn view(m: &ModelSpec, configured: bool, overridden: bool, usage: Usage) -> AdminModel {
    AdminModel {
        id: m.id.clone(),
        provider: m.provider.clone(),
        display_name: m.display_name.clone(),
        enabled: m.enabled,
        provider_configured: configured,
        tiers: m.tiers.clone(),
        input_usd_per_1k: format_pico_usd(m.input_pico_per_1k),
        output_usd_per_1k: format_pico_usd(m.output_pico_per_1k),
        overridden,
        asks_this_month: usage.0,
        tokens_this_month: usage.1,
        cost_this_month_usd: format_pico_usd(usage.2),
    }
}

/// Changes a model, for every replica; this one sees it at once.
pub async fn update(
    pool: &Pool,
    live: &Live,
    by: By,
    id: &str,
    patch: AdminModelPatch,
) -> Result<(), AdminError> {
    let invalid = AdminError::InvalidInput;
    if patch == AdminModelPatch::default() {
        return Err(invalid(
            "Give any of enabled, tiers, input_usd_per_1k, output_usd_per_1k.".into(),
        ));
    }
    let base = live
        .base()
        .model(id)
        .cloned()
        .ok_or_else(|| AdminError::NotFound(format!("No model '{id}' in the catalogue.")))?;
    let price = |field: &str, text: &Option<String>| -> Result<Option<i64>, AdminError> {
        text.as_deref()
            .map(|t| price_pico_per_1k(t).map_err(|e| invalid(format!("{field}: {e}"))))
            .transpose()
    };
    let input = price("input_usd_per_1k", &patch.input_usd_per_1k)?;
    let output = price("output_usd_per_1k", &patch.output_usd_per_1k)?;
    if let Some(tiers) = &patch.tiers
        && tiers.is_empty()
    {
        return Err(invalid(
            "tiers must name at least one tier; to stop a model, set enabled to false.".into(),
        ));
    }
    let id = id.to_string();
    pool.write(Scope::System, move |conn| {
        conn.transaction(|conn| {
            let previous = model_settings::all(conn)?
                .into_iter()
                .find(|o| o.model_id == id);
            let before = base.clone().with(previous.as_ref());
            let next = ModelOverride {
                model_id: id.clone(),
                enabled: patch.enabled.unwrap_or(before.enabled),
                tiers: patch
                    .tiers
                    .clone()
                    .or_else(|| previous.as_ref().and_then(|p| p.tiers.clone())),
                input_pico_per_1k: input
                    .or_else(|| previous.as_ref().and_then(|p| p.input_pico_per_1k)),
                output_pico_per_1k: output
                    .or_else(|| previous.as_ref().and_then(|p| p.output_pico_per_1k)),
            };
            let after = base.clone().with(Some(&next));
            model_settings::upsert(conn, &next, db::now())?;
            let state = |m: &ModelSpec| {
                json!({
                    "enabled": m.enabled,
                    "tiers": m.tiers.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                    "input_usd_per_1k": format_pico_usd(m.input_pico_per_1k),
                    "output_usd_per_1k": format_pico_usd(m.output_pico_per_1k),
                })
            };
            let event = Event::new(by.actor.clone(), Action::ModelChanged)
                .on("model", id.clone())
                .details(json!({"before": state(&before), "after": state(&after)}));
            audit::record(conn, &by.origin, event)?;
            Ok::<_, AdminError>(())
        })
    })
    .await?;
    live.reload(pool).await?;
    Ok(())
}
