//! A real SMTP server for tests ([`mailin_embedded`]), keeping every message
//! it receives so a test can read it and follow its links.

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server, SslConfig};

/// A message as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `RCPT TO` addresses.
    pub to: Vec<String>,
    /// The raw message (headers and body, as sent).
    pub raw: Vec<u8>,
}

impl Received {
    /// The subject, decoded.
    pub fn subject(&self) -> String {
        self.parsed(|m| m.subject().map(str::to_string))
    }

    /// The plain-text body, decoded.
    pub fn text(&self) -> String {
        self.parsed(|m| m.body_text(0).map(|t| t.into_owned()))
    }

    /// The HTML body, decoded.
    pub fn html(&self) -> String {
        self.parsed(|m| m.body_html(0).map(|t| t.into_owned()))
    }

    /// The first link in the text body that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        let text = self.text();
        let start = text.find(prefix)?;
        let link = text[start..]
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or_default();
        Some(link.to_string())
    }

    fn parsed(&self, get: impl Fn(&mail_parser::Message<'_>) -> Option<String>) -> String {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .and_then(|m| get(&m))
            .unwrap_or_default()
    }
}

#[derive(Clone, Default)]
struct Catch {
    inbox: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Catch {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = Received {
            to: std::mem::take(&mut self.to),
            raw: std::mem::take(&mut self.data),
        };
        self.inbox.lock().expect("inbox").push(message);
        response::OK
    }
}

/// The SMTP server; it runs until the test process ends.
#[derive(Clone)]
pub struct MailCatcher {
    address: SocketAddr,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl MailCatcher {
    /// Starts on a free loopback port.
    pub fn start() -> Self {
        Self::start_on("127.0.0.1:0")
    }

    /// Starts on `address` (a port reserved earlier, to bring mail "back").
    pub fn start_on(address: &str) -> Self {
        let listener = TcpListener::bind(address).expect("SMTP port free");
        let address = listener.local_addr().expect("address");
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let mut server = Server::new(Catch {
            inbox: inbox.clone(),
            ..Catch::default()
        });
        server
            .with_name("mail.test")
            .with_ssl(SslConfig::None)
            .expect("no TLS")
            .with_num_threads(2)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { address, inbox }
    }

    /// `smtp://127.0.0.1:PORT` for `SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    /// Every message so far.
    pub fn messages(&self) -> Vec<Received> {
        self.inbox.lock().expect("inbox").clone()
    }

    /// The messages to `to` so far.
    pub fn to(&self, to: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .collect()
    }

    /// Serves what arrived over HTTP on `address`, for tests in other
    /// languages: `GET /messages` lists `{to, subject, text}`. Returns the
    /// URL. Call within a tokio runtime.
    pub fn serve_inbox(&self, address: &str) -> std::io::Result<String> {
        use actix_web::{App, HttpResponse, HttpServer, web};
        let listener = TcpListener::bind(address)?;
        let url = format!("http://{}", listener.local_addr()?);
        let catcher = self.clone();
        let server = HttpServer::new(move || {
            let catcher = catcher.clone();
            App::new().route(
                "/messages",
                web::get().to(move || {
                    let list: Vec<serde_json::Value> = catcher
                        .messages()
                        .iter()
                        .map(|m| {
                            serde_json::json!({"to": m.to, "subject": m.subject(), "text": m.text()})
                        })
                        .collect();
                    async move { HttpResponse::Ok().json(list) }
                }),
            )
        })
        .listen(listener)?
        .workers(1)
        .disable_signals()
        .run();
        tokio::spawn(server);
        Ok(url)
    }

    /// Waits (up to `timeout`) until `to` has at least `count` messages;
    /// returns them all.
    pub async fn wait_for(&self, to: &str, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.to(to);
            if got.len() >= count || Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
