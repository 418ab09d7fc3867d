//! Runs document extraction in a child process that a hostile file cannot
//! break out of: `mentor extract-text --format FORMAT` reads the file on
//! stdin and writes `Result<Extracted, Failure>` as JSON on stdout.
//!
//! The child limits itself before reading anything (address space, CPU
//! seconds, no files written, few descriptors), starts with an empty
//! environment, so it never holds the server's secrets, and confines itself
//! ([`super::confine`]: no file, socket or ptrace, not dumpable). The parent kills it
//! when the wall-clock limit passes, reads at most a bounded amount of its
//! output, and maps a crash, an out-of-memory abort or silence to a clear
//! [`Failure`]. The child's stderr is discarded: it may quote the document.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use shared_types::{RESUME_FILE_MAX_BYTES, RESUME_TEXT_MAX_CHARS, ResumeFormat};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::extract::{self, Extracted, Failure};

/// The child's resource limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The program to run (the `mentor` binary).
    pub program: PathBuf,
    /// Wall-clock time before the child is killed.
    pub timeout: Duration,
    /// Address space the child may map, in bytes.
    pub memory_bytes: u64,
    /// CPU seconds the child may use.
    pub cpu_seconds: u64,
    /// Children that may run at once on this replica.
    pub concurrent: usize,
    /// Of those, how many for one user.
    pub per_user: usize,
}

impl Limits {
    /// 512 MiB, 10 s of CPU, 15 s of wall clock, running the current
    /// executable; one child per core at once, two of them for one user.
    pub fn new(program: PathBuf) -> Self {
        Self {
            program,
            timeout: Duration::from_secs(15),
            memory_bytes: 512 * 1024 * 1024,
            cpu_seconds: 10,
            concurrent: std::thread::available_parallelism().map_or(1, usize::from),
            per_user: 2,
        }
    }
}

/// What the child writes on stdout.
#[derive(serde::Serialize, serde::Deserialize)]
struct Reply {
    /// Whether Landlock held (the seccomp filter always does, or no reply).
    landlock: bool,
    result: Result<Extracted, Failure>,
}

/// The child's exit code when it could not confine itself.
const UNCONFINED: u8 = 4;

/// Logs once that this kernel has no Landlock.
fn warn_without_landlock() {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            "Landlock is not available on this kernel: the extraction child is confined by \
             seccomp (no open, socket or ptrace), rlimits and an empty environment only"
        );
    });
}

const MEMORY_ENV: &str = "MENTOR_EXTRACT_MEMORY_BYTES";
const CPU_ENV: &str = "MENTOR_EXTRACT_CPU_SECONDS";

/// Extracts the text of `bytes` in a limited child process.
pub async fn run(
    limits: &Limits,
    format: ResumeFormat,
    bytes: Vec<u8>,
) -> Result<Extracted, Failure> {
    let mut child = tokio::process::Command::new(&limits.program)
        .arg("extract-text")
        .arg("--format")
        .arg(format.as_str())
        .env_clear()
        .env(MEMORY_ENV, limits.memory_bytes.to_string())
        .env(CPU_ENV, limits.cpu_seconds.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            tracing::error!(error = %e, program = %limits.program.display(), "cannot start the extractor");
            Failure::Crashed
        })?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(Failure::Crashed);
    };
    let work = async move {
        // A child that dies early closes its stdin; that shows in its output.
        let writer = async move {
            let _ = stdin.write_all(&bytes).await;
            drop(stdin);
        };
        // JSON escapes at most six bytes per character, plus warnings.
        let cap = (RESUME_TEXT_MAX_CHARS * 6 + 64 * 1024) as u64;
        let mut output = Vec::new();
        let mut limited = stdout.take(cap);
        let reader = limited.read_to_end(&mut output);
        let (_, read) = tokio::join!(writer, reader);
        read.map(|_| output)
    };
    let output = match tokio::time::timeout(limits.timeout, work).await {
        Ok(Ok(output)) => output,
        Ok(Err(_)) => return Err(Failure::Crashed),
        Err(_) => {
            let _ = child.kill().await;
            return Err(Failure::TimedOut);
        }
    };
    let status = tokio::time::timeout(Duration::from_secs(2), child.wait()).await;
    if !matches!(status, Ok(Ok(s)) if s.success()) {
        if let Ok(Ok(s)) = status
            && s.code() == Some(i32::from(UNCONFINED))
        {
            tracing::error!(
                "the extraction child could not confine itself (seccomp or prctl refused); no document is read"
            );
        }
        let _ = child.kill().await;
        return Err(Failure::Crashed);
    }
    let reply = serde_json::from_slice::<Reply>(&output).map_err(|_| Failure::Crashed)?;
    if !reply.landlock {
        warn_without_landlock();
    }
    reply.result
}

/// The child's side: limits itself, reads stdin, extracts, writes JSON.
pub fn child_main(format: &str) -> ExitCode {
    let limit = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let memory = limit(MEMORY_ENV, 512 * 1024 * 1024);
    let cpu = limit(CPU_ENV, 10);
    let limited = rlimit::setrlimit(rlimit::Resource::AS, memory, memory)
        .and_then(|()| rlimit::setrlimit(rlimit::Resource::CPU, cpu, cpu + 1))
        .and_then(|()| rlimit::setrlimit(rlimit::Resource::FSIZE, 0, 0))
        .and_then(|()| rlimit::setrlimit(rlimit::Resource::NOFILE, 16, 16))
        .and_then(|()| rlimit::setrlimit(rlimit::Resource::CORE, 0, 0));
    if limited.is_err() {
        return ExitCode::from(3);
    }
    let Ok(confinement) = super::confine::confine() else {
        return ExitCode::from(UNCONFINED);
    };
    let Ok(format) = format.parse::<ResumeFormat>() else {
        return ExitCode::from(2);
    };
    let mut bytes = Vec::new();
    let read = std::io::stdin()
        .take(RESUME_FILE_MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes);
    if read.is_err() || bytes.len() > RESUME_FILE_MAX_BYTES {
        return ExitCode::from(2);
    }
    let reply = Reply {
        landlock: confinement.landlock,
        result: extract::extract(format, &bytes),
    };
    let Ok(json) = serde_json::to_vec(&reply) else {
        return ExitCode::from(1);
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(&json)
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
