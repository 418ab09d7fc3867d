//! Builds the app from [`Settings`] and binds it; tests start it on port 0.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpMessage, HttpServer, ResponseError, web};
use shared_types::ErrorCode;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::ai::{self, catalogue::Catalogue};
use crate::ask::AskService;
use crate::auth::Accounts;
use crate::auth::tokens::AccessTokens;
use crate::billing::Billing;
use crate::config::Settings;
use crate::db::Pool;
use crate::error::ApiError;
use crate::jobs::Jobs;
use crate::keys::provider_keys::Byok;
use crate::lifecycle::export::Exports;
use crate::live::Live;
use crate::metrics::Metrics;
use crate::notices::Notices;
use crate::rate_limit::Limiter;
use crate::resumes::Resumes;
use crate::resumes::ai_parse::AiParse;
use crate::routes;
use crate::state::AppState;
use crate::telemetry::RequestSpan;

/// How long an idle client connection is kept open.
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(75);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(String),
    /// A setting or the catalogue file is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// The listen address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address from `MENTOR_BIND`.
        address: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A bound, migrated, ready-to-run server.
pub struct Application {
    server: Server,
    address: SocketAddr,
    metrics_address: Option<SocketAddr>,
    ask: crate::ask::AskService,
    shutdown_grace: std::time::Duration,
}

impl Application {
    /// Opens and migrates the database, then binds the listen address.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let metrics =
            Arc::new(Metrics::new().map_err(|e| StartupError::Config(format!("metrics: {e}")))?);
        let pool = Pool::new(&settings.database_url, settings.db_pool_size)
            .map_err(StartupError::Database)?
            .observing_waits(metrics.db_wait_seconds.clone());
        let migrating = pool.clone();
        let applied = actix_web::rt::task::spawn_blocking(move || migrating.migrate())
            .await
            .map_err(|e| StartupError::Database(e.to_string()))?
            .map_err(StartupError::Database)?;
        if !applied.is_empty() {
            tracing::info!(?applied, "database migrated");
        }
        let listener = TcpListener::bind(&settings.bind).map_err(|source| StartupError::Bind {
            address: settings.bind.clone(),
            source,
        })?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind {
            address: settings.bind.clone(),
            source,
        })?;

        pool.spawn_checkpoints();
        crate::maintenance::spawn_hourly(
            pool.clone(),
            settings.audit_retention_days,
            settings.retention,
        );
        crate::admin::rollup::spawn(pool.clone());
        crate::ask::sweep::spawn(pool.clone());
        crate::skills_upgrade::spawn(pool.clone());
        let catalogue =
            Catalogue::load(settings.ai.config_file.as_deref()).map_err(StartupError::Config)?;
        let router = ai::build_router(&settings.ai).map_err(StartupError::Config)?;
        if router.is_empty() {
            tracing::warn!(
                "no AI provider is configured: questions will be answered with 503 no_provider"
            );
        }
        let limiter = Limiter::per_minute(settings.redis_url.as_ref(), &settings.redis_prefix)
            .map_err(StartupError::Config)?;
        let tokens = Arc::new(AccessTokens::new(
            settings.jwt_secret_bytes(),
            settings.auth.access_token_ttl,
        ));
        let live = Arc::new(Live::new(catalogue));
        live.reload(&pool)
            .await
            .map_err(|e| StartupError::Database(format!("cannot read the model settings: {e}")))?;
        live.spawn_refresh(pool.clone());
        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}"));
        let mailer = crate::mail::Mailer::new(&settings.mail, &public_url, pool.clone())
            .map_err(StartupError::Config)?;
        mailer.spawn_sender();
        let notices = Notices::new(pool.clone(), mailer.clone());
        let billing = settings
            .billing
            .clone()
            .map(|billing| Billing::new(billing, pool.clone(), notices.clone()));
        if billing.is_none() {
            tracing::info!("billing is off: set the STRIPE_* variables to sell plans");
        }
        let router = Arc::new(router);
        let byok = Byok::new(pool.clone(), settings.vault.clone(), router.clone());
        if !byok.is_configured() {
            tracing::info!(
                "users cannot bring their own provider keys: set MENTOR_MASTER_KEY to let them"
            );
        }
        let state = web::Data::new(AppState {
            byok: byok.clone(),
            accounts: Accounts::new(
                pool.clone(),
                tokens.clone(),
                settings.auth.clone(),
                mailer.clone(),
            ),
            require_verified_email: settings.require_verified_email,
            exports: Exports::new(pool.clone(), settings.jwt_secret_bytes(), &public_url),
            resumes: Resumes::new(
                pool.clone(),
                settings.extractor.clone(),
                settings.max_resumes,
                Some(AiParse::new(router.clone(), live.clone())),
            ),
            jobs: Jobs::new(pool.clone()),
            ask: AskService::new(
                pool.clone(),
                router.clone(),
                live.clone(),
                byok.clone(),
                settings.ai.max_output_tokens,
                metrics.clone(),
                notices.clone(),
            ),
            pool,
            tokens,
            limiter,
            auth_requests_per_minute: settings.auth.auth_requests_per_minute,
            trusted_proxies: settings.trusted_proxies.clone(),
            hsts: settings
                .public_url
                .as_deref()
                .is_some_and(|url| url.starts_with("https://")),
            billing,
            metrics,
            metrics_token: settings.metrics_token.clone(),
            live,
        });
        state.ask.spawn_stop_watch();
        let metrics_address = match &settings.metrics_bind {
            Some(bind) => Some(metrics_server(bind, state.clone())?),
            None => None,
        };
        let origins = settings.allowed_origins.clone();
        let ask = state.ask.clone();
        let server = HttpServer::new(move || {
            let origins = origins.clone();
            let cors = Cors::default()
                .allowed_origin_fn(move |origin, _| {
                    origin.to_str().is_ok_and(|o| origins.allows(o))
                })
                .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
                .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
                .expose_headers([header::RETRY_AFTER, HeaderName::from_static("x-request-id")])
                .max_age(3600);
            App::new()
                .app_data(state.clone())
                .configure(routes::configure)
                .wrap(cors)
                .wrap(from_fn(finalize_response))
                .wrap(TracingLogger::<RequestSpan>::new())
        })
        // Answers stream as many small writes: without this, Nagle's
        // algorithm and delayed ACKs hold each one back by up to 40 ms.
        .tcp_nodelay(true)
        // Idle connections stay open longer than a proxy keeps them (nginx's
        // upstream keepalive_timeout is 60 s): the proxy, not this server,
        // closes them, so it never sends a request on a connection this side
        // is closing (a 502 that nginx cannot retry for a POST).
        .keep_alive(KEEP_ALIVE)
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            address: settings.bind.clone(),
            source,
        })?
        // Signals are handled in `run_until_stopped`, which cuts answers
        // still going at the end of the grace; the workers wait a little
        // longer, for those answers to settle.
        .disable_signals()
        .shutdown_timeout(settings.shutdown_grace.as_secs() + 5)
        .run();
        Ok(Self {
            server,
            address,
            metrics_address,
            ask,
            shutdown_grace: settings.shutdown_grace,
        })
    }

    /// Where `MENTOR_METRICS_BIND` serves the metrics, when set.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_address
    }

    /// A handle that stops the server (gracefully with `stop(true)`).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The address actually bound (useful with port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until SIGINT/SIGTERM, then stops taking connections and lets
    /// the requests in flight finish; answers still going after the grace
    /// (`MENTOR_SHUTDOWN_GRACE_SECS`) are cut, settled and not counted.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (handle, ask, grace) = (self.server.handle(), self.ask, self.shutdown_grace);
        tokio::spawn(async move {
            if let Err(e) = stop_signal().await {
                tracing::error!(error = %e, "cannot listen for stop signals");
                return;
            }
            tracing::info!(
                grace_secs = grace.as_secs(),
                "stopping: answers in progress may finish"
            );
            tokio::select! {
                () = handle.stop(true) => {}
                () = tokio::time::sleep(grace) => {
                    tracing::warn!("cutting the answers still in progress");
                    ask.interrupt();
                }
            }
        });
        self.server.await
    }
}

/// SIGTERM (as sent by orchestrators) or SIGINT (Ctrl-C).
async fn stop_signal() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => Ok(()),
        result = tokio::signal::ctrl_c() => result,
    }
}

/// Serves `GET /metrics` alone, without a token, on `bind` (in the
/// background); returns the address bound.
fn metrics_server(bind: &str, state: web::Data<AppState>) -> Result<SocketAddr, StartupError> {
    let failed = |source| StartupError::Bind {
        address: bind.to_string(),
        source,
    };
    let listener = TcpListener::bind(bind).map_err(failed)?;
    let address = listener.local_addr().map_err(failed)?;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .service(web::resource("/metrics").get(routes::metrics::scrape))
    })
    .workers(1)
    .listen(listener)
    .map_err(failed)?
    .run();
    tokio::spawn(server);
    tracing::info!(%address, "metrics served without a token on MENTOR_METRICS_BIND");
    Ok(address)
}

/// Every response leaves with an `X-Request-Id`, the security headers
/// ([`crate::security_headers`]), and, when it is an error, our JSON error
/// body, even those actix or a middleware produced; and every response is
/// counted in the metrics (here rather than in layers of their own: at 1,000
/// asks/s on PostgreSQL in `scripts/bench-ask.sh`, an extra layer cut
/// throughput from 995 to 934 (JSON) and 828 (streaming) a second).
async fn finalize_response(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse, actix_web::Error> {
    let started = std::time::Instant::now();
    let request_id = req.extensions().get::<RequestId>().map(ToString::to_string);
    let mut res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        // Errors raised by middleware travel as `Err`, past this function;
        // they leave in our format, carrying the request id with them (and
        // the security headers: `ApiError::error_response`).
        Err(err) => {
            let api_error = match err.as_error::<ApiError>() {
                Some(api_error) => api_error.clone(),
                None => ApiError::new(
                    code_for_status(err.as_response_error().status_code().as_u16()),
                    err.to_string(),
                ),
            };
            return Err(api_error.with_request_id(request_id).into());
        }
    };
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let (request, old) = res.into_parts();
        let code = code_for_status(status.as_u16());
        let message = match code {
            ErrorCode::NotFound => format!("No route for {} {}.", request.method(), request.path()),
            ErrorCode::MethodNotAllowed => {
                format!("{} is not allowed on {}.", request.method(), request.path())
            }
            _ => "The request was refused.".to_string(),
        };
        let mut new = ApiError::new(code, message).error_response();
        for (name, value) in old.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                new.headers_mut().append(name.clone(), value.clone());
            }
        }
        res = ServiceResponse::new(request, new);
    }
    if let Some(id) = request_id
        && let Ok(value) = HeaderValue::from_str(&id)
    {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    let hsts = res
        .request()
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.hsts);
    crate::security_headers::add(res.headers_mut(), hsts);
    routes::metrics::record_http(&res, started);
    Ok(res)
}

fn code_for_status(status: u16) -> ErrorCode {
    match status {
        401 => ErrorCode::InvalidToken,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::PayloadTooLarge,
        429 => ErrorCode::RateLimited,
        503 => ErrorCode::ServiceUnavailable,
        s if s >= 500 => ErrorCode::Internal,
        _ => ErrorCode::InvalidRequest,
    }
}
