//! Asking a question: check it, reserve one question of the user's quota,
//! start an answer down the model chain, stream it, and settle: store the
//! answer, write the ledger row, and give the question back if the provider
//! failed. Knows nothing of HTTP.
//!
//! Two doors lead here: the app's question ([`AskService::ask`], stored in a
//! conversation) and the OpenAI-compatible API ([`AskService::complete`], the
//! caller's own messages, nothing stored). Both follow the same plans,
//! quotas and ledger.
//!
//! # The user's own keys
//! When the user's plan allows it and they saved a key for the provider of
//! the model that would answer (with no model named, the first of the plan's
//! models whose provider they have a key for), that key answers: no question
//! is counted and the ledger row is marked `byok` with no cost to the
//! platform. If the provider refuses the key (401/403), the key is marked
//! invalid and the ask fails with `provider_key_invalid`, unless the user
//! turned on `fallback_to_platform`: then the platform's models answer and
//! the question counts. Other failures of the user's key are not retried on
//! the platform's.

pub mod prompt;
mod run;
pub mod stops;
pub mod sweep;

pub use run::MAX_ANSWER;

use std::sync::Arc;
use std::time::Instant;

use diesel::Connection;
use shared_types::{
    AskRequest, ConversationId, MessageId, ProviderKeyStatus, QUESTION_MAX_CHARS, StreamEvent,
    StreamMeta, Tier, UserId,
};
use tokio::sync::mpsc;

use crate::ai::catalogue::{Catalogue, ChainError, ModelSpec};
use crate::ai::router::AiRouter;
use crate::ai::{ChatMessage, ChatRequest, ChatRole, ProviderError, ProviderErrorKind};
use crate::db::models::NewUsageEvent;
use crate::db::{
    self, DbError, Pool, asks, conversations, open_asks, quota as quota_db, usage_events, users,
};
use crate::keys::provider_keys::{Byok, ByokError, SealedKeys, UserKey};
use crate::live::Live;
use crate::metrics::Metrics;
use crate::notices::Notices;
use crate::quota::Period;

/// Earlier messages loaded to continue a conversation.
const HISTORY_MESSAGES: i64 = 20;
/// Characters of the first question kept as a conversation's title.
const TITLE_CHARS: usize = 80;
/// The most characters all of an API call's messages may hold.
pub const API_MAX_CHARS: usize = 400_000;

/// Why a question was not answered.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// The request is malformed.
    #[error("{0}")]
    InvalidInput(String),
    /// No such conversation among the user's.
    #[error("No conversation with this id.")]
    ConversationNotFound,
    /// The token is valid but its account was deleted.
    #[error("This account no longer exists; sign in again.")]
    AccountGone,
    /// No such model.
    #[error("There is no model '{0}'. GET /api/v1/models lists the models you can use.")]
    UnknownModel(String),
    /// The tier may not use the model.
    #[error(
        "Your plan does not include the model '{0}'. Upgrade to use it, or pick another model."
    )]
    ModelNotAllowed(String),
    /// An admin turned the model off.
    #[error(
        "The model '{0}' is switched off for now. Pick another model (GET /api/v1/models lists them)."
    )]
    ModelDisabled(String),
    /// The account is suspended.
    #[error("This account is suspended.")]
    Suspended,
    /// No provider serves the request.
    #[error("{0}")]
    NoProvider(String),
    /// The month's questions are used up.
    #[error(
        "You have used all {limit} questions of your plan this month. They renew on {period_end}; upgrade for more."
    )]
    QuotaExceeded {
        /// The plan's monthly limit.
        limit: u32,
        /// When the quota renews (RFC 3339).
        period_end: String,
    },
    /// Every model in the chain failed before answering.
    #[error(
        "The AI provider could not answer right now; this question was not counted. Try again in a moment."
    )]
    Upstream(ProviderError),
    /// The provider refused the user's own key.
    #[error(
        "{0} refused your own API key, so it is now marked invalid. Replace it in your account, or turn on falling back to AI Mentor's key."
    )]
    ProviderKeyInvalid(String),
    /// The user's own key could not be read.
    #[error(transparent)]
    Byok(#[from] ByokError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AskError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}

impl AskError {
    /// Whether an upstream failure was a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Upstream(e) if e.kind == ProviderErrorKind::Timeout)
    }
}

/// An answer under way: the model answering, then its events.
pub struct Answer {
    /// The model that answers.
    pub model: String,
    /// For the app: `meta`, `delta`s, then `usage` or `error`, then `done`.
    /// For the API: the same without `meta`.
    pub events: mpsc::Receiver<StreamEvent>,
}

/// Which door an ask came in by; the ledger records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The extension and `/api/v1/ask`.
    App,
    /// The OpenAI-compatible `/v1/chat/completions`.
    Api,
}

impl Via {
    /// The name in the ledger.
    pub fn name(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Api => "api",
        }
    }
}

/// An API call: the caller's own conversation.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The model asked for; absent: the plan's first.
    pub model: Option<String>,
    /// The caller's system messages, joined.
    pub system: String,
    /// The turns, ending with the user's.
    pub messages: Vec<ChatMessage>,
    /// The caller's answer limit (at most the server's).
    pub max_output_tokens: Option<u32>,
}

/// What is asked, by which door.
enum Prompt {
    App(AskRequest),
    Api(Completion),
}

/// The ask rules, with what they need.
#[derive(Clone)]
pub struct AskService {
    pool: Pool,
    router: Arc<AiRouter>,
    live: Arc<Live>,
    byok: Byok,
    max_output_tokens: u32,
    metrics: Arc<Metrics>,
    /// The 80% and 100% quota mail.
    notices: Notices,
    /// Turns true when the server is stopping and answers must end.
    stopping: tokio::sync::watch::Sender<bool>,
    /// The answers this replica writes, for explicit stops.
    stops: Arc<stops::Stops>,
}

/// What was written before the upstream call, to finish or undo.
struct Reservation {
    user_id: i64,
    period: Period,
    limit: Option<u32>,
    /// When a question of the quota was taken: the open ask that the settle
    /// closes (or, if the process dies first, the sweep).
    open: Option<i64>,
    /// Whether the user's own key answers.
    byok: bool,
    via: Via,
    /// The conversation's rows (the app only).
    stored: Option<asks::StoredTurn>,
}

/// Who answers: the platform's providers down the chain, or the user's key.
enum Route {
    Platform(Vec<ModelSpec>),
    Own(ModelSpec, UserKey),
}

impl Route {
    /// The platform's first model; none when the user's key answers (no
    /// question is counted then).
    fn first(&self) -> Option<&ModelSpec> {
        match self {
            Self::Platform(chain) => chain.first(),
            Self::Own(..) => None,
        }
    }
}

impl AskService {
    /// Wires the service.
    pub fn new(
        pool: Pool,
        router: Arc<AiRouter>,
        live: Arc<Live>,
        byok: Byok,
        max_output_tokens: u32,
        metrics: Arc<Metrics>,
        notices: Notices,
    ) -> Self {
        Self {
            pool,
            router,
            live,
            byok,
            max_output_tokens,
            metrics,
            notices,
            stopping: tokio::sync::watch::Sender::new(false),
            stops: Arc::default(),
        }
    }

    /// Starts looking for stops that other replicas took (see [`stops`]).
    pub fn spawn_stop_watch(&self) {
        self.stops.spawn_watch(self.pool.clone());
    }

    /// Stops one of the user's answers while it is being written: it ends
    /// where it got to, is kept, and is charged as far as it got. Whether
    /// the message is one of the user's answers (stopping a finished one
    /// changes nothing).
    pub async fn stop(&self, user: UserId, message: MessageId) -> Result<bool, DbError> {
        let marked = self
            .pool
            .write(move |conn| {
                conversations::request_stop(conn, user.0, message.0).map_err(DbError::from)
            })
            .await?;
        if marked == Some(true) {
            self.stops.signal(message.0);
        }
        Ok(marked.is_some())
    }

    /// Cuts every answer in progress (the server is stopping): each is
    /// settled, stored as far as it got, and not counted.
    pub fn interrupt(&self) {
        self.stopping.send_replace(true);
    }

    /// The catalogue in force (with the admins' overrides).
    pub fn catalogue(&self) -> Arc<Catalogue> {
        self.live.catalogue()
    }

    /// Whether a provider is configured.
    pub fn provider_on(&self, provider: &str) -> bool {
        self.router.has(provider)
    }

    /// Asks from the app; resolves once the answer has begun (or failed
    /// before it did).
    /// `claimed` is the tier the caller's credentials carry; the account
    /// is checked against it (see `reserve_as_claimed`).
    pub async fn ask(
        &self,
        user: UserId,
        claimed: Tier,
        request: AskRequest,
    ) -> Result<Answer, AskError> {
        if !shared_types::validation::has_text(&request.question) {
            return Err(AskError::InvalidInput("The question is empty.".into()));
        }
        if request.question.chars().count() > QUESTION_MAX_CHARS {
            return Err(AskError::InvalidInput(format!(
                "The question is longer than {QUESTION_MAX_CHARS} characters."
            )));
        }
        self.run(user, claimed, Prompt::App(request)).await
    }

    /// Answers an API call; nothing is stored but the ledger row.
    pub async fn complete(
        &self,
        user: UserId,
        claimed: Tier,
        call: Completion,
    ) -> Result<Answer, AskError> {
        if !call.messages.iter().any(|m| m.role == ChatRole::User) {
            return Err(AskError::InvalidInput(
                "messages must hold at least one message with the role 'user'.".into(),
            ));
        }
        let chars = call.system.chars().count()
            + call
                .messages
                .iter()
                .map(|m| m.content.chars().count())
                .sum::<usize>();
        if chars > API_MAX_CHARS {
            return Err(AskError::InvalidInput(format!(
                "The messages hold more than {API_MAX_CHARS} characters."
            )));
        }
        self.run(user, claimed, Prompt::Api(call)).await
    }

    async fn run(&self, user: UserId, claimed: Tier, prompt: Prompt) -> Result<Answer, AskError> {
        let started_at = Instant::now();
        let (continuing, use_resume, requested, via) = match &prompt {
            Prompt::App(r) => (
                r.conversation_id.map(|c| c.0),
                r.use_resume,
                r.model.clone(),
                Via::App,
            ),
            Prompt::Api(c) => (None, false, c.model.clone(), Via::Api),
        };
        let catalogue = self.live.catalogue();
        let asking = Asking {
            user,
            via,
            period: Period::current(),
            requested: requested.clone(),
            continuing,
            use_resume,
            question: match &prompt {
                Prompt::App(r) => Some(r.question.trim().to_string()),
                Prompt::Api(_) => None,
            },
            catalogue: catalogue.clone(),
        };
        let period = asking.period.clone();
        // The tier the caller claims chooses the route, and the reservation
        // checks the account against it, with no read before. The account
        // is read first when the user's keys or the conversation's turns
        // are wanted, or when it is no longer as the caller claims.
        let quick = continuing.is_none() && !self.byok.in_play(catalogue.plan(claimed).byok);
        let reserving = if quick {
            self.reserve_as_claimed(asking.clone(), claimed).await?
        } else {
            None
        };
        let Reserving {
            loaded:
                Loaded {
                    tier,
                    history,
                    resume,
                    fallback,
                    keys: _,
                },
            route,
            limit,
            reserved:
                asks::Reserved {
                    open,
                    counted,
                    stored,
                    resume: _,
                },
        } = match reserving {
            Some(reserving) => reserving,
            None => self.read_then_reserve(asking).await?,
        };
        if let (Some(counted), Some(limit)) = (counted, limit) {
            let allowance = counted.granted.saturating_add_unsigned(limit);
            self.notices
                .question_counted(user.0, &period, counted.used, allowance);
        }
        let byok = matches!(route, Route::Own(..));
        let mut reservation = Reservation {
            user_id: user.0,
            period,
            limit,
            open,
            byok,
            via,
            stored,
        };

        let max_output = self.max_output_tokens;
        let request_for = |model: &ModelSpec| -> ChatRequest {
            match &prompt {
                Prompt::App(r) => prompt::build(
                    model,
                    r.question.trim(),
                    prompt::Context {
                        page: r.context.as_ref(),
                        resume: resume.as_deref(),
                    },
                    &history,
                    max_output,
                ),
                Prompt::Api(c) => ChatRequest {
                    model: model.upstream_model.clone(),
                    system: c.system.clone(),
                    messages: c.messages.clone(),
                    max_output_tokens: c
                        .max_output_tokens
                        .map_or(max_output, |m| m.clamp(1, max_output)),
                },
            }
        };
        self.metrics
            .ask_prepare_seconds
            .observe(started_at.elapsed().as_secs_f64());
        let started = match route {
            Route::Platform(chain) => self.router.start(&chain, request_for).await,
            Route::Own(model, key) => {
                let provider = self.byok.provider_with(&key);
                let own = self
                    .router
                    .start_with(
                        std::slice::from_ref(&model),
                        |_| provider.clone(),
                        &request_for,
                    )
                    .await;
                match own {
                    Err(failed) if refused(&failed.error) => {
                        self.byok.mark_invalid(&key, &failed.error).await;
                        let chain = if fallback {
                            self.platform_chain(&catalogue, tier, requested.as_deref())
                        } else {
                            Err(AskError::ProviderKeyInvalid(model.provider.clone()))
                        };
                        match chain {
                            Ok(chain) => {
                                reservation = self
                                    .fall_back(reservation, &failed, &chain[0], started_at)
                                    .await?;
                                self.router.start(&chain, request_for).await
                            }
                            Err(e) => {
                                let outcome = "provider_key_invalid";
                                self.undo(reservation, failed.model, outcome, started_at)
                                    .await;
                                return Err(e);
                            }
                        }
                    }
                    other => other,
                }
            }
        };
        let started = match started {
            Ok(started) => started,
            Err(failed) => {
                let outcome = if failed.error.kind == ProviderErrorKind::Timeout {
                    "upstream_timeout"
                } else {
                    "upstream_error"
                };
                self.undo(reservation, failed.model, outcome, started_at)
                    .await;
                return Err(AskError::Upstream(failed.error));
            }
        };

        let meta = reservation.stored.map(|s| StreamMeta {
            conversation_id: ConversationId(s.conversation_id),
            message_id: MessageId(s.answer_id),
            model: started.model.id.clone(),
            resume_used: resume.is_some(),
        });
        let model = started.model.id.clone();
        let (sender, events) = mpsc::channel(64);
        let running = reservation.stored.map(|s| self.stops.register(s.answer_id));
        tokio::spawn(run::drive(
            run::Run {
                pool: self.pool.clone(),
                reservation,
                running,
                meta,
                started_at,
                metrics: self.metrics.clone(),
                stopping: self.stopping.subscribe(),
            },
            started,
            sender,
        ));
        Ok(Answer { model, events })
    }

    /// Reserves on the platform's keys for the tier the caller claims; the
    /// reservation checks the account has it. `None` when it does not (or
    /// that tier may not use the model asked for): nothing was written.
    async fn reserve_as_claimed(
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
    async fn read_then_reserve(&self, asking: Asking) -> Result<Reserving, AskError> {
        let this = self.clone();
        self.pool
            .read_then_write(
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

    /// Chooses who answers: the user's key for the model's provider, else
    /// the platform's chain.
    fn route(
        &self,
        catalogue: &Catalogue,
        tier: Tier,
        requested: Option<&str>,
        keys: Option<&SealedKeys>,
        fallback: bool,
    ) -> Result<Route, AskError> {
        let own = keys.and_then(|keys| {
            let chain = catalogue.chain(tier, requested, &|p| keys.has(p)).ok()?;
            Some((keys, chain.into_iter().next()?))
        });
        if let Some((keys, model)) = own
            && let Some(key) = keys.open(&model.provider).map_err(ByokError::from)?
        {
            if key.status != ProviderKeyStatus::Invalid {
                return Ok(Route::Own(model, key));
            }
            if !fallback {
                return Err(AskError::ProviderKeyInvalid(model.provider));
            }
        }
        self.platform_chain(catalogue, tier, requested)
            .map(Route::Platform)
    }

    /// The models the platform's own keys can answer with, in order.
    fn platform_chain(
        &self,
        catalogue: &Catalogue,
        tier: Tier,
        requested: Option<&str>,
    ) -> Result<Vec<ModelSpec>, AskError> {
        catalogue
            .chain(tier, requested, &|p| self.router.has(p))
            .map_err(|e| self.chain_error(e))
    }

    /// After the user's key was refused: records that attempt and counts
    /// the question, so the platform can answer it.
    async fn fall_back(
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
            .write(move |conn| {
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

    fn chain_error(&self, error: ChainError) -> AskError {
        match error {
            ChainError::Unknown(id) => AskError::UnknownModel(id),
            ChainError::NotAllowed(id) => AskError::ModelNotAllowed(id),
            ChainError::Disabled(id) => AskError::ModelDisabled(id),
            ChainError::NoProvider if self.router.is_empty() => {
                tracing::warn!(
                    "a question found no AI provider: set one of OPENAI_API_KEY, ANTHROPIC_API_KEY, \
                     GEMINI_API_KEY, DEEPSEEK_API_KEY, GROQ_API_KEY or XAI_API_KEY (or \
                     MENTOR_DEMO_PROVIDER=1) and restart"
                );
                AskError::NoProvider(
                    "This server is not connected to an AI model yet, so it cannot answer. \
                     Please tell whoever runs it."
                        .into(),
                )
            }
            ChainError::NoProvider => AskError::NoProvider(
                "The provider of this model is not configured on this server; pick another model."
                    .into(),
            ),
        }
    }

    /// Undoes a reservation whose answer never began, and records why.
    async fn undo(
        &self,
        r: Reservation,
        model: Option<ModelSpec>,
        outcome: &'static str,
        started_at: Instant,
    ) {
        let ledger = failed_row(&r, model.as_ref(), outcome, started_at);
        let result = self
            .pool
            .write(move |conn| {
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
    async fn discard(&self, r: Reservation) {
        let result = self
            .pool
            .write(move |conn| conn.transaction(|conn| forget(conn, &r)))
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "could not undo a reservation");
        }
    }
}

/// Whether the provider refused the key itself.
fn refused(error: &ProviderError) -> bool {
    matches!(error.kind, ProviderErrorKind::Status(401 | 403))
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

/// What an ask reserves with, whichever way it reserves.
#[derive(Clone)]
struct Asking {
    user: UserId,
    via: Via,
    period: Period,
    requested: Option<String>,
    continuing: Option<i64>,
    use_resume: bool,
    /// The app's question (the API stores none).
    question: Option<String>,
    catalogue: Arc<Catalogue>,
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

/// What reserving gave: what was read, the route, the plan's limit, and
/// what was written.
struct Reserving {
    loaded: Loaded,
    route: Route,
    limit: Option<u32>,
    reserved: asks::Reserved,
}

/// What an ask reads before it starts.
struct Loaded {
    tier: Tier,
    history: Vec<ChatMessage>,
    resume: Option<String>,
    /// Whether the platform may answer when the user's key is refused.
    fallback: bool,
    /// The user's own provider keys, when their plan may use them.
    keys: Option<SealedKeys>,
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

fn elapsed_ms(since: Instant) -> i32 {
    i32::try_from(since.elapsed().as_millis()).unwrap_or(i32::MAX)
}
