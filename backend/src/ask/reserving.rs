//! Reserving before the upstream call, and undoing it when the answer never
//! begins: what is read first, the reservation itself, the fall-back from a
//! refused key to the platform, and the ledger row of an ask that failed.

use std::time::Instant;

use diesel::Connection;
use shared_types::Tier;

use super::{AskError, AskService, Asking, Loaded, Reservation, Reserving, Route, Via, elapsed_ms};
use crate::ai::catalogue::{Catalogue, ModelSpec};
use crate::ai::{ChatMessage, ChatRole};
use crate::db::models::NewUsageEvent;
use crate::db::{
    self, Scope, asks, conversations, open_asks, quota as quota_db, usage_events, users,
};
use crate::keys::provider_keys::Byok;
use crate::quota::Period;

/// Earlier messages loaded to continue a conversation.
const HISTORY_MESSAGES: i64 = 20;
/// Characters of the first question kept as a conversation's title.
const TITLE_CHARS: usize = 80;

impl AskService {
    /// Reserves on the platform's keys for the tier the caller claims; the
    /// reservation checks the account has it. `None` when it does not (or
    /// that tier may not use the model asked for): nothing was written.
    pub(super) async fn reserve_as_claimed(
        &self,
        asking: Asking,
        claimed: Tier,
    ) -> Result<Option<Reserving>, AskError> {
        let Ok(chain) =
            self.platform_chain(&asking.catalogue, claimed, asking.requested.as_deref())
        else {
            return Ok(None);
        };
        let route = Route::Platform(chain);
        let limit = asking.catalogue.plan(claimed).monthly_questions;
        let period = asking.period.clone();
        let account = asks::Account {
            tier: claimed.as_str(),
            resume: asking.use_resume,
        };
        let reserve = asking.reservation(&route, limit, Some(account));
        let mut reserved = match self.pool.reserve(reserve).await? {
            Ok(reserved) => reserved,
            Err(asks::ReserveError::AccountChanged) => return Ok(None),
            Err(e) => return Err(reserve_error(e, &period, limit)),
        };
        Ok(Some(Reserving {
            loaded: Loaded {
                tier: claimed,
                history: Vec::new(),
                resume: reserved.resume.take(),
                fallback: false,
                keys: None,
            },
            route,
            limit,
            reserved,
        }))
    }

    /// Reads what decides the route, then reserves, in one trip to the
    /// blocking pool (on PostgreSQL, on one connection).
    pub(super) async fn read_then_reserve(&self, asking: Asking) -> Result<Reserving, AskError> {
        let this = self.clone();
        self.pool
            .read_then_write(
                Scope::User(asking.user.0),
                move |conn| {
                    let loaded = load(
                        conn,
                        &this.byok,
                        &asking.catalogue,
                        asking.user.0,
                        asking.continuing,
                        asking.use_resume,
                    )?;
                    let route = this.route(
                        &asking.catalogue,
                        loaded.tier,
                        asking.requested.as_deref(),
                        loaded.keys.as_ref(),
                        loaded.fallback,
                    )?;
                    let limit = asking.catalogue.plan(loaded.tier).monthly_questions;
                    Ok::<_, AskError>((asking, loaded, route, limit))
                },
                move |conn, (asking, loaded, route, limit)| {
                    let reserve = asking.reservation(&route, limit, None);
                    let reserved = asks::reserve(conn, &reserve)
                        .map_err(|e| reserve_error(e, &asking.period, limit))?;
                    Ok(Reserving {
                        loaded,
                        route,
                        limit,
                        reserved,
                    })
                },
            )
            .await
    }

    /// After the user's key was refused: records that attempt and counts
    /// the question, so the platform can answer it.
    pub(super) async fn fall_back(
        &self,
        mut r: Reservation,
        failed: &crate::ai::router::Failed,
        next: &ModelSpec,
        started_at: Instant,
    ) -> Result<Reservation, AskError> {
        let ledger = failed_row(
            &r,
            failed.model.as_ref(),
            "provider_key_invalid",
            started_at,
        );
        let (user_id, period, limit, via, next) =
            (r.user_id, r.period.clone(), r.limit, r.via, next.clone());
        let counted = self
            .pool
            .write(Scope::User(user_id), move |conn| {
                conn.transaction(|conn| {
                    usage_events::insert(conn, &ledger)?;
                    let reserve = asks::Reserve {
                        user_id,
                        period: period.key.clone(),
                        limit,
                        count: Some(opening(&next, via)),
                        store: None,
                        account: None,
                        now: db::now(),
                    };
                    // Over the quota, the refused attempt's row still stands.
                    match asks::reserve(conn, &reserve) {
                        Ok(reserved) => Ok(Ok(reserved.open)),
                        Err(e @ asks::ReserveError::QuotaExceeded) => {
                            Ok(Err(reserve_error(e, &period, limit)))
                        }
                        Err(e) => Err(reserve_error(e, &period, limit)),
                    }
                })
            })
            .await?;
        match counted {
            Ok(open) => {
                r.open = open;
                r.byok = false;
                Ok(r)
            }
            Err(exceeded) => {
                self.discard(r).await;
                Err(exceeded)
            }
        }
    }

    /// Undoes a reservation whose answer never began, and records why.
    pub(super) async fn undo(
        &self,
        r: Reservation,
        model: Option<ModelSpec>,
        outcome: &'static str,
        started_at: Instant,
    ) {
        let ledger = failed_row(&r, model.as_ref(), outcome, started_at);
        let result = self
            .pool
            .write(Scope::User(r.user_id), move |conn| {
                conn.transaction(|conn| {
                    forget(conn, &r)?;
                    usage_events::insert(conn, &ledger)?;
                    Ok::<_, AskError>(ledger)
                })
            })
            .await;
        match result {
            Ok(ledger) => self.metrics.record_ask(&ledger),
            Err(e) => {
                tracing::error!(error = %e, "could not undo a reservation after an upstream failure")
            }
        }
    }

    /// Undoes a reservation without a ledger row (its row is written).
    pub(super) async fn discard(&self, r: Reservation) {
        let result = self
            .pool
            .write(Scope::User(r.user_id), move |conn| {
                conn.transaction(|conn| forget(conn, &r))
            })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "could not undo a reservation");
        }
    }
}

impl Asking {
    /// The reservation: count the question if the route's platform answers
    /// it, and store the app's turn; with `account`, only if the account is
    /// as described.
    fn reservation(
        &self,
        route: &Route,
        limit: Option<u32>,
        account: Option<asks::Account>,
    ) -> asks::Reserve {
        asks::Reserve {
            user_id: self.user.0,
            period: self.period.key.clone(),
            limit,
            count: route.first().map(|m| opening(m, self.via)),
            store: self.question.as_deref().map(|question| asks::Turn {
                continuing: self.continuing,
                title: truncate(question, TITLE_CHARS).to_string(),
                question: question.to_string(),
            }),
            account,
            now: db::now(),
        }
    }
}

/// Gives the question back (if it was counted and the sweep has not given
/// it back already) and removes what was stored.
fn forget(conn: &mut db::Db, r: &Reservation) -> Result<(), AskError> {
    if let Some(open) = r.open
        && open_asks::close(conn, open)?
    {
        quota_db::release(conn, r.user_id, &r.period.key)?;
    }
    if let Some(s) = r.stored {
        conversations::delete_messages(conn, &[s.question_id, s.answer_id])?;
        if s.new_conversation {
            conversations::delete_owned(conn, r.user_id, s.conversation_id)?;
        }
    }
    Ok(())
}

/// The ledger row of an ask that never began.
fn failed_row(
    r: &Reservation,
    model: Option<&ModelSpec>,
    outcome: &str,
    started_at: Instant,
) -> NewUsageEvent {
    NewUsageEvent {
        user_id: Some(r.user_id),
        // Not linked: its conversation could be going, and the answer is.
        conversation_id: None,
        provider: model.map(|m| m.provider.clone()).unwrap_or_default(),
        model: model.map(|m| m.id.clone()).unwrap_or_default(),
        input_tokens: 0,
        output_tokens: 0,
        cost_pico: 0,
        ttft_ms: None,
        total_ms: elapsed_ms(started_at),
        outcome: outcome.into(),
        charged: false,
        created_at: db::now(),
        byok: r.byok,
        via: r.via.name().into(),
    }
}

/// The user's tier, the active resume's text (when wanted and there is one),
/// their own keys and, when continuing, the conversation's recent turns.
fn load(
    conn: &mut db::Db,
    byok: &Byok,
    catalogue: &Catalogue,
    user_id: i64,
    conversation: Option<i64>,
    use_resume: bool,
) -> Result<Loaded, AskError> {
    let (user, resume) =
        users::find_with_active_resume(conn, user_id)?.ok_or(AskError::AccountGone)?;
    if user.suspended_at.is_some() {
        return Err(AskError::Suspended);
    }
    let keys = byok.for_ask(conn, &user, catalogue.plan(user.tier()).byok)?;
    let resume = resume.filter(|_| use_resume);
    let mut history = Vec::new();
    if let Some(id) = conversation {
        conversations::find_owned(conn, user_id, id)?.ok_or(AskError::ConversationNotFound)?;
        for row in conversations::recent_messages(conn, id, HISTORY_MESSAGES)? {
            if row.content.is_empty() {
                continue;
            }
            let role = if row.is_user() {
                ChatRole::User
            } else {
                ChatRole::Assistant
            };
            history.push(ChatMessage {
                role,
                content: row.content,
            });
        }
    }
    Ok(Loaded {
        tier: user.tier(),
        history,
        resume,
        fallback: user.byok_fallback,
        keys,
    })
}

/// The open ask's description: the first model tried, and the door.
fn opening(model: &ModelSpec, via: Via) -> asks::Opening {
    asks::Opening {
        provider: model.provider.clone(),
        model: model.id.clone(),
        via: via.name(),
    }
}

/// The first `chars` characters of `text`.
fn truncate(text: &str, chars: usize) -> &str {
    text.char_indices()
        .nth(chars)
        .map_or(text, |(i, _)| &text[..i])
}

fn reserve_error(error: asks::ReserveError, period: &Period, limit: Option<u32>) -> AskError {
    match error {
        asks::ReserveError::QuotaExceeded => AskError::QuotaExceeded {
            limit: limit.unwrap_or_default(),
            period_end: db::rfc3339(period.end),
        },
        asks::ReserveError::ConversationGone => AskError::ConversationNotFound,
        // Only a reservation that checks the account finds it changed, and
        // `reserve_as_claimed` reads it then; the account may be gone.
        asks::ReserveError::AccountChanged => AskError::AccountGone,
        asks::ReserveError::Query(e) => e.into(),
    }
}
