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

mod error;
pub mod prompt;
mod reserving;
mod route;
mod run;
pub mod stops;
pub mod sweep;

pub use error::AskError;
pub use run::MAX_ANSWER;

use std::sync::Arc;
use std::time::Instant;

use shared_types::{
    AskRequest, ConversationId, MessageId, QUESTION_MAX_CHARS, StreamEvent, StreamMeta, Tier,
    UserId,
};
use tokio::sync::mpsc;

use crate::ai::catalogue::{Catalogue, ModelSpec};
use crate::ai::router::AiRouter;
use crate::ai::{ChatMessage, ChatRequest, ChatRole, ProviderErrorKind};
use crate::db::{DbError, Pool, Scope, asks, conversations};
use crate::keys::provider_keys::{Byok, SealedKeys, UserKey};
use crate::live::Live;
use crate::metrics::Metrics;
use crate::notices::Notices;
use crate::quota::Period;

/// The most characters all of an API call's messages may hold.
pub const API_MAX_CHARS: usize = 400_000;

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
            .write(Scope::User(user.0), move |conn| {
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
                    Err(failed) if route::refused(&failed.error) => {
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

fn elapsed_ms(since: Instant) -> i32 {
    i32::try_from(since.elapsed().as_millis()).unwrap_or(i32::MAX)
}
