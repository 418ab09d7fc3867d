//! Building a resume's structure with a model: the plan's models are asked
//! for JSON Resume, and what they answer is grounded in the resume's text
//! (`document::ground`): nothing the text does not hold can enter. The call
//! costs platform tokens, recorded in the ledger as `via = resume_parse`,
//! and no question of the plan. Where the plan does not allow it, no model
//! is configured (or only the demo one), the models fail, or the answer is
//! not JSON, the deterministic parser builds the structure and the
//! warnings say why.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;
use shared_types::UserId;
use shared_types::resume_document::{ParsedResume, ResumeDocument, StructureSource};

use super::document::ground::ground;
use super::document::{assign_ids, parse};
use super::{ResumeError, Resumes, documents};
use crate::ai::catalogue::ModelSpec;
use crate::ai::router::AiRouter;
use crate::ai::{ChatEvent, ChatMessage, ChatRequest, ChatRole, estimate_tokens};
use crate::db::models::NewUsageEvent;
use crate::db::{self, Scope, resumes, usage_events, users};
use crate::live::Live;

/// The ledger's name for these calls.
pub const VIA: &str = "resume_parse";
/// Room for a long resume's structure.
const MAX_OUTPUT_TOKENS: u32 = 8192;
/// The longest a parse may take, start to end.
const DEADLINE: Duration = Duration::from_secs(120);

const SYSTEM: &str = "You turn the text of a resume into one JSON object in the JSON Resume \
schema (basics, work, volunteer, education, awards, certificates, publications, skills, \
languages, projects). Copy every value exactly as the text writes it: never invent, infer, \
translate, summarise or reword anything, and leave out what the text does not say. Write \
dates as YYYY or YYYY-MM. Put each bullet of a job under its highlights. Answer with the JSON \
object only.";

/// What a parse needs besides the database: the providers and the plans.
#[derive(Clone)]
pub struct AiParse {
    router: Arc<AiRouter>,
    live: Arc<Live>,
}

impl AiParse {
    /// Wires the parse.
    pub fn new(router: Arc<AiRouter>, live: Arc<Live>) -> Self {
        Self { router, live }
    }
}

/// The JSON object in a model's answer (it may come fenced as Markdown).
fn json_in(answer: &str) -> Option<Value> {
    let (start, end) = (answer.find('{')?, answer.rfind('}')?);
    serde_json::from_str(answer.get(start..=end)?)
        .ok()
        .filter(Value::is_object)
}

/// A structure as built, before it is stored.
struct Built {
    source: StructureSource,
    document: ResumeDocument,
    warnings: Vec<String>,
    /// The model call's ledger row, when a model was called.
    ledger: Option<NewUsageEvent>,
}

impl Built {
    /// The parser's structure, and why no model's.
    fn by_parser(text: &str, why: String, ledger: Option<NewUsageEvent>) -> Self {
        Self {
            source: StructureSource::Parser,
            document: parse::parse(text),
            warnings: vec![why],
            ledger,
        }
    }
}

impl AiParse {
    /// The models a parse may use for `tier`: the plan's, without the demo
    /// model, whose answers are never a structure.
    fn chain(&self, tier: shared_types::Tier) -> Result<Vec<ModelSpec>, String> {
        let catalogue = self.live.catalogue();
        if !catalogue.plan(tier).resume_ai_parse {
            return Err("Your plan builds the structure without AI; the parser built it.".into());
        }
        let chain: Vec<ModelSpec> = catalogue
            .chain(tier, None, &|provider| self.router.has(provider))
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.provider != "demo")
            .collect();
        if chain.is_empty() {
            return Err(NO_MODEL.into());
        }
        Ok(chain)
    }

    /// Asks the chain for the structure of `text`: the answer (or why
    /// none), and the ledger row of the model that began one.
    async fn ask(
        &self,
        user_id: i64,
        chain: &[ModelSpec],
        text: &str,
    ) -> (Result<String, String>, Option<NewUsageEvent>) {
        let started_at = Instant::now();
        let request = |model: &ModelSpec| ChatRequest {
            model: model.upstream_model.clone(),
            system: SYSTEM.into(),
            messages: vec![ChatMessage {
                role: ChatRole::User,
                content: text.to_string(),
            }],
            max_output_tokens: MAX_OUTPUT_TOKENS,
        };
        let started = match self.router.start(chain, request).await {
            Ok(started) => started,
            Err(failed) => return (Err(failed.error.to_string()), None),
        };
        let model = started.model;
        let (mut answer, mut input, mut output, mut failed) = (String::new(), None, None, None);
        let mut events = futures_util::stream::iter([Ok(started.first)]).chain(started.rest);
        let deadline = tokio::time::sleep(DEADLINE);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                () = &mut deadline => {
                    failed = Some("it took too long".to_string());
                    break;
                }
                next = events.next() => match next {
                    None | Some(Ok(ChatEvent::Finished)) => break,
                    Some(Ok(ChatEvent::Text(text))) => answer.push_str(&text),
                    Some(Ok(ChatEvent::Usage { input: i, output: o })) => {
                        input = i.or(input);
                        output = o.or(output);
                    }
                    Some(Err(e)) => {
                        failed = Some(e.to_string());
                        break;
                    }
                }
            }
        }
        drop(events); // closes the upstream connection at once
        let input = input.unwrap_or(started.prompt_tokens_estimate);
        let output = output.unwrap_or_else(|| estimate_tokens(&answer));
        let ledger = NewUsageEvent {
            user_id: Some(user_id),
            conversation_id: None,
            provider: model.provider.clone(),
            model: model.id.clone(),
            input_tokens: i64::try_from(input).unwrap_or(i64::MAX),
            output_tokens: i64::try_from(output).unwrap_or(i64::MAX),
            cost_pico: model.cost_pico(input, output),
            ttft_ms: None,
            total_ms: i32::try_from(started_at.elapsed().as_millis()).unwrap_or(i32::MAX),
            outcome: if failed.is_some() {
                "upstream_error"
            } else {
                "ok"
            }
            .into(),
            charged: false,
            created_at: db::now(),
            byok: false,
            via: VIA.into(),
        };
        (failed.map_or(Ok(answer), Err), Some(ledger))
    }

    /// The structure of `text`, by a model if one may and can build it.
    async fn build(&self, user_id: i64, tier: shared_types::Tier, text: &str) -> Built {
        let chain = match self.chain(tier) {
            Ok(chain) => chain,
            Err(why) => return Built::by_parser(text, why, None),
        };
        match self.ask(user_id, &chain, text).await {
            (Ok(answer), ledger) => match json_in(&answer) {
                Some(value) => {
                    let grounded = ground(value, text);
                    Built {
                        source: StructureSource::Model,
                        document: grounded.document,
                        warnings: grounded.dropped,
                        ledger,
                    }
                }
                None => Built::by_parser(
                    text,
                    "The model's answer was not a structure; the parser built it.".into(),
                    ledger,
                ),
            },
            (Err(why), ledger) => Built::by_parser(
                text,
                format!("The model failed ({why}); the parser built it."),
                ledger,
            ),
        }
    }
}

/// Why the parser builds the structure on a server without models.
const NO_MODEL: &str = "No AI model is configured on this server; the parser built it.";

impl Resumes {
    /// Builds the structure of one of the user's resumes with a model,
    /// grounded in its text, and stores it with its warnings (what was
    /// dropped, or why the parser built it instead).
    pub async fn parse_with_ai(&self, user: UserId, id: i64) -> Result<ParsedResume, ResumeError> {
        let (text, tier) = self
            .pool
            .read(Scope::User(user.0), move |conn| {
                let row = resumes::find_owned(conn, user.0, id)?.ok_or(ResumeError::NotFound)?;
                let account = users::find(conn, user.0)?.ok_or(ResumeError::AccountGone)?;
                Ok::<_, ResumeError>((row.text, account.tier()))
            })
            .await?;
        let built = match &self.ai {
            Some(ai) => ai.build(user.0, tier, &text).await,
            None => Built::by_parser(&text, NO_MODEL.into(), None),
        };
        let Built {
            source,
            mut document,
            warnings,
            ledger,
        } = built;
        // The call cost what it cost, whatever becomes of the resume.
        if let Some(ledger) = ledger {
            self.pool
                .write(Scope::User(user.0), move |conn| {
                    usage_events::insert(conn, &ledger).map_err(ResumeError::from)
                })
                .await?;
        }
        assign_ids(&mut document);
        let (json, listed) = (
            documents::json_of(&document),
            serde_json::to_string(&warnings).unwrap_or_else(|_| "[]".into()),
        );
        self.pool
            .write(Scope::User(user.0), move |conn| {
                let stored = resumes::set_document(conn, user.0, id, &json, &listed, db::now())?;
                if stored == 0 {
                    return Err(ResumeError::NotFound);
                }
                Ok(())
            })
            .await?;
        Ok(ParsedResume {
            document,
            warnings,
            source,
        })
    }
}
