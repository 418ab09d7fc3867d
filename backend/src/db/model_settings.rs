//! Queries on `model_settings`: admins' changes to the model catalogue.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::Tier;

use super::Db;
use super::schema::model_settings::dsl as m;

/// An admin's change to one model, kept in the database (`model_settings`);
/// `None` keeps the catalogue's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelOverride {
    /// The model.
    pub model_id: String,
    /// Whether it may be used.
    pub enabled: bool,
    /// The tiers that may use it.
    pub tiers: Option<Vec<Tier>>,
    /// Pico-dollars per 1,000 input tokens.
    pub input_pico_per_1k: Option<i64>,
    /// Pico-dollars per 1,000 output tokens.
    pub output_pico_per_1k: Option<i64>,
}

/// A row of `model_settings`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::model_settings)]
#[diesel(treat_none_as_null = true)]
struct Row {
    model_id: String,
    enabled: bool,
    tiers: Option<String>,
    input_pico_per_1k: Option<i64>,
    output_pico_per_1k: Option<i64>,
    updated_at: NaiveDateTime,
}

impl From<Row> for ModelOverride {
    fn from(row: Row) -> Self {
        ModelOverride {
            model_id: row.model_id,
            enabled: row.enabled,
            // Written by `upsert` from parsed tiers, so each part parses.
            tiers: row.tiers.map(|list| {
                list.split(',')
                    .filter_map(|t| t.parse::<Tier>().ok())
                    .collect()
            }),
            input_pico_per_1k: row.input_pico_per_1k,
            output_pico_per_1k: row.output_pico_per_1k,
        }
    }
}

/// Every model an admin changed.
pub fn all(conn: &mut Db) -> QueryResult<Vec<ModelOverride>> {
    let rows: Vec<Row> = m::model_settings
        .select(Row::as_select())
        .order(m::model_id)
        .load(conn)?;
    Ok(rows.into_iter().map(ModelOverride::from).collect())
}

/// Stores a model's override, replacing any earlier one.
pub fn upsert(conn: &mut Db, o: &ModelOverride, at: NaiveDateTime) -> QueryResult<()> {
    let row = Row {
        model_id: o.model_id.clone(),
        enabled: o.enabled,
        tiers: o.tiers.as_ref().map(|tiers| {
            tiers
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(",")
        }),
        input_pico_per_1k: o.input_pico_per_1k,
        output_pico_per_1k: o.output_pico_per_1k,
        updated_at: at,
    };
    let changed = diesel::update(m::model_settings.find(&row.model_id))
        .set(&row)
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(m::model_settings)
            .values(&row)
            .execute(conn)?;
    }
    Ok(())
}
