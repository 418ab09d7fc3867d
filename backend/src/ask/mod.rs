//! Asking a question: check it, reserve one question of the user's quota,
//! start an answer down the model chain, stream it, and settle: store the
//! answer, write the ledger row, and give the question back if the provider
//! failed. Knows nothing of HTTP.

pub mod prompt;
mod run;

use std::sync::Arc;
use std::time::Instant;

use diesel::Connection;
use shared_types::{
    AskRequest, ConversationId, MessageId, QUESTION_MAX_CHARS, StreamEvent, StreamMeta, Tier,
    UserId,
};
use tokio::sync::mpsc;

use crate::ai::catalogue::{Catalogue, ChainError};
use crate::ai::router::AiRouter;
use crate::ai::{ChatMessage, ChatRole, ProviderError, ProviderErrorKind};
use crate::db::models::NewUsageEvent;
use crate::db::{self, DbError, Pool, conversations, quota as quota_db, usage_events, users};
use crate::live::Live;
use crate::metrics::Metrics;
use crate::quota::Period;

/// Earlier messages loaded to continue a conversation.
const HISTORY_MESSAGES: i64 = 20;
/// Characters of the first question kept as a conversation's title.
const TITLE_CHARS: usize = 80;

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

/// An answer under way: its ids, then its events.
pub struct Answer {
    /// Ids and model, also the first event.
    pub meta: StreamMeta,
    /// `meta`, `delta`s, then `usage` or `error`, then `done`.
    pub events: mpsc::Receiver<StreamEvent>,
}

/// The ask rules, with what they need.
#[derive(Clone)]
pub struct AskService {
    pool: Pool,
    router: Arc<AiRouter>,
    live: Arc<Live>,
    max_output_tokens: u32,
    metrics: Arc<Metrics>,
}

/// What was written before the upstream call, to finish or undo.
struct Reservation {
    user_id: i64,
    period: Period,
    limit: Option<u32>,
    conversation_id: i64,
    new_conversation: bool,
    question_id: i64,
    answer_id: i64,
}

impl AskService {
    /// Wires the service.
    pub fn new(
        pool: Pool,
        router: Arc<AiRouter>,
        live: Arc<Live>,
        max_output_tokens: u32,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            pool,
            router,
            live,
            max_output_tokens,
            metrics,
        }
    }

    /// The catalogue in force (with the admins' overrides).
    pub fn catalogue(&self) -> Arc<Catalogue> {
        self.live.catalogue()
    }

    /// Whether a provider is configured.
    pub fn provider_on(&self, provider: &str) -> bool {
        self.router.has(provider)
    }

    /// Asks; resolves once the answer has begun (or failed before it did).
    pub async fn ask(&self, user: UserId, request: AskRequest) -> Result<Answer, AskError> {
        let started_at = Instant::now();
        let question = request.question.trim().to_string();
        if question.is_empty() {
            return Err(AskError::InvalidInput("The question is empty.".into()));
        }
        if question.chars().count() > QUESTION_MAX_CHARS {
            return Err(AskError::InvalidInput(format!(
                "The question is longer than {QUESTION_MAX_CHARS} characters."
            )));
        }
        let continuing = request.conversation_id.map(|c| c.0);
        let use_resume = request.use_resume;
        let Loaded {
            tier,
            history,
            resume,
        } = self
            .pool
            .read(move |conn| load(conn, user.0, continuing, use_resume))
            .await?;
        let catalogue = self.live.catalogue();
        let chain = catalogue
            .chain(tier, request.model.as_deref(), &|p| self.router.has(p))
            .map_err(|e| self.chain_error(e))?;

        let limit = catalogue.plan(tier).monthly_questions;
        let period = Period::current();
        let title: String = question.chars().take(TITLE_CHARS).collect();
        let reservation = {
            let question = question.clone();
            self.pool
                .write(move |conn| {
                    reserve(conn, user.0, period, limit, continuing, &title, &question)
                })
                .await?
        };

        let context = request.context;
        let max_output = self.max_output_tokens;
        self.metrics
            .ask_prepare_seconds
            .observe(started_at.elapsed().as_secs_f64());
        let started = self
            .router
            .start(&chain, |model| {
                prompt::build(
                    model,
                    &question,
                    prompt::Context {
                        page: context.as_ref(),
                        resume: resume.as_deref(),
                    },
                    &history,
                    max_output,
                )
            })
            .await;
        let started = match started {
            Ok(started) => started,
            Err(failed) => {
                self.undo(reservation, failed.model, &failed.error, started_at)
                    .await;
                return Err(AskError::Upstream(failed.error));
            }
        };

        let meta = StreamMeta {
            conversation_id: ConversationId(reservation.conversation_id),
            message_id: MessageId(reservation.answer_id),
            model: started.model.id.clone(),
            resume_used: resume.is_some(),
        };
        let (sender, events) = mpsc::channel(64);
        tokio::spawn(run::drive(
            run::Run {
                pool: self.pool.clone(),
                reservation,
                meta: meta.clone(),
                started_at,
                metrics: self.metrics.clone(),
            },
            started,
            sender,
        ));
        Ok(Answer { meta, events })
    }

    fn chain_error(&self, error: ChainError) -> AskError {
        match error {
            ChainError::Unknown(id) => AskError::UnknownModel(id),
            ChainError::NotAllowed(id) => AskError::ModelNotAllowed(id),
            ChainError::Disabled(id) => AskError::ModelDisabled(id),
            ChainError::NoProvider if self.router.is_empty() => AskError::NoProvider(
                "No AI provider is configured on this server. The operator sets one of OPENAI_API_KEY, \
                 ANTHROPIC_API_KEY, GEMINI_API_KEY, DEEPSEEK_API_KEY, GROQ_API_KEY or XAI_API_KEY \
                 (or MENTOR_DEMO_PROVIDER=1 to try it without a key) and restarts it."
                    .into(),
            ),
            ChainError::NoProvider => AskError::NoProvider(
                "The provider of this model is not configured on this server; pick another model.".into(),
            ),
        }
    }

    /// Undoes a reservation whose answer never began, and records why.
    async fn undo(
        &self,
        r: Reservation,
        model: Option<crate::ai::catalogue::ModelSpec>,
        error: &ProviderError,
        started_at: Instant,
    ) {
        let total_ms = elapsed_ms(started_at);
        let outcome = if error.kind == ProviderErrorKind::Timeout {
            "upstream_timeout"
        } else {
            "upstream_error"
        };
        let result = self
            .pool
            .write(move |conn| {
                conn.transaction(|conn| {
                    quota_db::release(conn, r.user_id, &r.period.key)?;
                    conversations::delete_messages(conn, &[r.question_id, r.answer_id])?;
                    if r.new_conversation {
                        conversations::delete_owned(conn, r.user_id, r.conversation_id)?;
                    }
                    let ledger = NewUsageEvent {
                        user_id: r.user_id,
                        conversation_id: (!r.new_conversation).then_some(r.conversation_id),
                        provider: model
                            .as_ref()
                            .map(|m| m.provider.clone())
                            .unwrap_or_default(),
                        model: model.as_ref().map(|m| m.id.clone()).unwrap_or_default(),
                        input_tokens: 0,
                        output_tokens: 0,
                        cost_pico: 0,
                        ttft_ms: None,
                        total_ms,
                        outcome: outcome.into(),
                        charged: false,
                        created_at: db::now(),
                    };
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
}

/// What an ask reads before it starts.
struct Loaded {
    tier: Tier,
    history: Vec<ChatMessage>,
    resume: Option<String>,
}

/// The user's tier, the active resume's text (when wanted and there is one)
/// and, when continuing, the conversation's recent turns.
fn load(
    conn: &mut db::Db,
    user_id: i64,
    conversation: Option<i64>,
    use_resume: bool,
) -> Result<Loaded, AskError> {
    let (user, resume) =
        users::find_with_active_resume(conn, user_id)?.ok_or(AskError::AccountGone)?;
    if user.suspended_at.is_some() {
        return Err(AskError::Suspended);
    }
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
    })
}

/// Counts the question and writes it, with an empty answer to fill later,
/// in one transaction that starts with the quota's write.
fn reserve(
    conn: &mut db::Db,
    user_id: i64,
    period: Period,
    limit: Option<u32>,
    continuing: Option<i64>,
    title: &str,
    question: &str,
) -> Result<Reservation, AskError> {
    conn.transaction(|conn| {
        if quota_db::reserve(conn, user_id, &period.key, limit)?.is_none() {
            return Err(AskError::QuotaExceeded {
                limit: limit.unwrap_or_default(),
                period_end: db::rfc3339(period.end),
            });
        }
        let now = db::now();
        let conversation_id = match continuing {
            Some(id) => id,
            None => conversations::insert(conn, user_id, title, now)?,
        };
        let question_id = conversations::insert_message(
            conn,
            conversation_id,
            "user",
            question,
            None,
            true,
            now,
        )?;
        let answer_id = conversations::insert_message(
            conn,
            conversation_id,
            "assistant",
            "",
            None,
            false,
            now,
        )?;
        Ok(Reservation {
            user_id,
            period,
            limit,
            conversation_id,
            new_conversation: continuing.is_none(),
            question_id,
            answer_id,
        })
    })
}

fn elapsed_ms(since: Instant) -> i32 {
    i32::try_from(since.elapsed().as_millis()).unwrap_or(i32::MAX)
}
