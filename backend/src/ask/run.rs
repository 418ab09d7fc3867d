//! Drives one answer after it has begun: forwards text to the client as it
//! arrives, and settles at the end.
//!
//! An app's answer is stored, so it is written to its end even when the
//! client goes away (a popup closed mid-answer finds it whole when it comes
//! back); only an explicit stop ([`super::stops`]) ends it early, and it is
//! charged as far as it got. An API call's answer is stored nowhere, so a
//! client that leaves cancels it, and is charged for what was spent.
//!
//! Settling: the answer (complete or not) is stored, a ledger row records
//! tokens, exact cost, timings and outcome, and the question is given back
//! if the provider broke off. Tokens a provider did not report are
//! estimated.
//!
//! An answer is cut at [`MAX_ANSWER`] (a provider trickling tokens cannot
//! hold it open), so every live ask settles well before the sweep
//! ([`super::sweep`]) could take it for abandoned.

use std::time::Instant;

use futures_util::StreamExt;
use shared_types::{
    ErrorBody, ErrorCode, MessageStatus, StreamDelta, StreamEvent, StreamMeta, Usage,
};
use tokio::sync::mpsc;

use super::{AskError, Reservation, elapsed_ms};
use crate::ai::router::Started;
use crate::ai::{ChatEvent, ProviderError, ProviderErrorKind, estimate_tokens};
use crate::db::models::NewUsageEvent;
use crate::db::{self, DbError, Pool, asks};

/// The longest an answer may stream.
pub const MAX_ANSWER: std::time::Duration =
    std::time::Duration::from_secs(shared_types::ANSWER_MAX_SECS);

/// What a run needs besides the stream.
pub(super) struct Run {
    pub pool: Pool,
    pub reservation: Reservation,
    /// The app's answer, which only an explicit stop ends early.
    pub running: Option<super::stops::Running>,
    /// The app's first event; the API has none.
    pub meta: Option<StreamMeta>,
    pub started_at: Instant,
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
    /// Turns true when the server is stopping.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

enum Outcome {
    Ok,
    /// The API's client left.
    Cancelled,
    /// The user stopped the app's answer.
    Stopped,
    /// The server stopped before the answer ended.
    Interrupted,
    Failed(ProviderError),
}

impl Outcome {
    fn name(&self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Cancelled => "cancelled",
            Self::Stopped => "stopped",
            Self::Interrupted => "interrupted",
            Self::Failed(e) if e.kind == ProviderErrorKind::Timeout => "upstream_timeout",
            Self::Failed(_) => "upstream_error",
        }
    }
}

#[derive(Default)]
struct Progress {
    answer: String,
    input: Option<u64>,
    output: Option<u64>,
    ttft_ms: Option<i32>,
}

impl Progress {
    fn apply(&mut self, event: ChatEvent, started_at: Instant) -> Option<String> {
        match event {
            ChatEvent::Text(text) => {
                self.ttft_ms.get_or_insert_with(|| elapsed_ms(started_at));
                self.answer.push_str(&text);
                Some(text)
            }
            ChatEvent::Usage { input, output } => {
                self.input = input.or(self.input);
                self.output = output.or(self.output);
                None
            }
            ChatEvent::Finished => None,
        }
    }
}

/// Runs the answer to its end and settles it.
pub(super) async fn drive(mut run: Run, started: Started, sender: mpsc::Sender<StreamEvent>) {
    let Started {
        model,
        first,
        mut rest,
        prompt_tokens_estimate,
    } = started;
    let mut progress = Progress::default();
    let mut outcome = Outcome::Ok;
    let mut events: Vec<StreamEvent> = run
        .meta
        .clone()
        .map(StreamEvent::Meta)
        .into_iter()
        .collect();
    if let Some(text) = progress.apply(first, run.started_at) {
        events.push(StreamEvent::Delta(StreamDelta { text }));
    }
    let deadline = tokio::time::Instant::from_std(run.started_at + MAX_ANSWER);
    let stop = run.running.take();
    // The app's client went away: the answer goes on, unseen.
    let mut detached = false;
    'stream: loop {
        for event in events.drain(..) {
            if detached {
                continue;
            }
            if sender.send(event).await.is_err() {
                if stop.is_none() {
                    outcome = Outcome::Cancelled;
                    break 'stream;
                }
                detached = true;
            }
        }
        tokio::select! {
            () = sender.closed(), if !detached => {
                if stop.is_none() {
                    outcome = Outcome::Cancelled;
                    break;
                }
                detached = true;
            }
            () = requested(stop.as_ref()) => {
                outcome = Outcome::Stopped;
                break;
            }
            _ = run.stopping.wait_for(|stopping| *stopping) => {
                outcome = Outcome::Interrupted;
                break;
            }
            () = tokio::time::sleep_until(deadline) => {
                tracing::warn!(model = %model.id, "an answer ran past the longest allowed; it is cut");
                outcome = Outcome::Failed(ProviderError::new(
                    &model.provider,
                    ProviderErrorKind::Timeout,
                    "the answer took longer than allowed",
                ));
                break;
            }
            next = rest.next() => match next {
                None => break,
                Some(Err(error)) => {
                    tracing::warn!(model = %model.id, error = %error, "the AI provider broke off an answer");
                    outcome = Outcome::Failed(error);
                    break;
                }
                Some(Ok(event)) => {
                    if let Some(text) = progress.apply(event, run.started_at) {
                        events.push(StreamEvent::Delta(StreamDelta { text }));
                    }
                }
            }
        }
    }
    drop(rest); // closes the upstream connection at once when cancelled

    let input = progress.input.unwrap_or(prompt_tokens_estimate);
    let output = progress
        .output
        .unwrap_or_else(|| estimate_tokens(&progress.answer));
    let r = &run.reservation;
    // The user's own key paid the provider: no cost to the platform.
    let cost_pico = if r.byok {
        0
    } else {
        model.cost_pico(input, output)
    };
    let charged = r.open.is_some() && !matches!(outcome, Outcome::Failed(_) | Outcome::Interrupted);
    let status = match outcome {
        Outcome::Ok => MessageStatus::Complete,
        Outcome::Stopped | Outcome::Cancelled => MessageStatus::Stopped,
        Outcome::Interrupted | Outcome::Failed(_) => MessageStatus::Failed,
    };
    let ledger = NewUsageEvent {
        user_id: Some(r.user_id),
        conversation_id: None, // linked below, if the conversation is still there
        provider: model.provider.clone(),
        model: model.id.clone(),
        input_tokens: i64::try_from(input).unwrap_or(i64::MAX),
        output_tokens: i64::try_from(output).unwrap_or(i64::MAX),
        cost_pico,
        ttft_ms: progress.ttft_ms,
        total_ms: elapsed_ms(run.started_at),
        outcome: outcome.name().into(),
        charged,
        created_at: db::now(),
        byok: r.byok,
        via: r.via.name().into(),
    };
    run.metrics.record_ask(&ledger);
    let settle = asks::Settle {
        ledger,
        period: r.period.key.clone(),
        open: r.open,
        answer: r.stored.map(|s| asks::Answered {
            conversation_id: s.conversation_id,
            message_id: s.answer_id,
            text: progress.answer,
            model: model.id.clone(),
            status,
        }),
    };
    let settled = run.pool.settle(settle).await.map_err(AskError::from);

    let last = match (&outcome, settled) {
        (Outcome::Cancelled, _) => return,
        (_, Err(AskError::Db(DbError::Unavailable(e)))) => {
            tracing::error!(error = %e, "could not settle an answer: the database is unavailable");
            StreamEvent::Error(ErrorBody {
                error: ErrorCode::ServiceUnavailable,
                message: "The database could not be reached, so this answer was not saved; the question is given back within minutes. Ask again in a moment."
                    .into(),
            })
        }
        (_, Err(e)) => {
            tracing::error!(error = %e, "could not settle an answer");
            StreamEvent::Error(ErrorBody {
                error: ErrorCode::Internal,
                message: "The answer could not be saved.".into(),
            })
        }
        (Outcome::Failed(error), Ok(_)) => StreamEvent::Error(ErrorBody {
            error: if error.kind == ProviderErrorKind::Timeout {
                ErrorCode::UpstreamTimeout
            } else {
                ErrorCode::UpstreamError
            },
            message: "The AI provider broke off the answer; this question was not counted.".into(),
        }),
        (Outcome::Interrupted, Ok(_)) => StreamEvent::Error(ErrorBody {
            error: ErrorCode::ServiceUnavailable,
            message: "The server restarted and cut this answer; it was not counted. Ask again in a moment."
                .into(),
        }),
        (Outcome::Ok | Outcome::Stopped, Ok((used, granted))) => StreamEvent::Usage(Usage {
            input_tokens: input,
            output_tokens: output,
            cost_usd: shared_types::money::format_pico_usd(cost_pico),
            quota: r.period.status(used, granted, r.limit),
        }),
    };
    for event in [last, StreamEvent::Done] {
        if sender.send(event).await.is_err() {
            break;
        }
    }
}

/// Resolves when the user stops the answer; never for an API call.
async fn requested(stop: Option<&super::stops::Running>) {
    match stop {
        Some(running) => running.requested().await,
        None => std::future::pending().await,
    }
}
