//! What the extraction child gives up before it reads a document, so that a
//! file that takes over the parser still cannot reach the server's secrets,
//! its database or the network:
//! - not dumpable, and no new privileges (no setuid gain, needed below);
//! - Landlock, where the kernel has it: no file may be opened, read,
//!   written or listed (best effort: older kernels lack it, and the parent
//!   logs that once);
//! - a seccomp filter that lets through only what parsing in memory needs
//!   (reading stdin, writing stdout, memory, threads, time, exiting); any
//!   other call, `openat`, `socket`, `connect` and `ptrace` among them,
//!   fails with `EPERM`. Without it the child does not parse at all.
//!
//! The `rlimit`s set before (address space, CPU, no file writes) stay.

use std::collections::BTreeMap;

use landlock::{ABI, Access, AccessFs, Ruleset, RulesetAttr, RulesetStatus};
use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

/// What the child could put in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Confinement {
    /// Whether Landlock denies every file access (the kernel supports it).
    pub landlock: bool,
}

/// The system calls the child may make once confined.
const ALLOWED: &[libc::c_long] = &[
    libc::SYS_read,
    libc::SYS_readv,
    libc::SYS_write,
    libc::SYS_writev,
    libc::SYS_close,
    libc::SYS_lseek,
    libc::SYS_fstat,
    libc::SYS_newfstatat,
    libc::SYS_statx,
    libc::SYS_fcntl,
    libc::SYS_mmap,
    libc::SYS_munmap,
    libc::SYS_mremap,
    libc::SYS_mprotect,
    libc::SYS_madvise,
    libc::SYS_brk,
    libc::SYS_futex,
    libc::SYS_sched_yield,
    libc::SYS_sched_getaffinity,
    libc::SYS_set_robust_list,
    libc::SYS_rseq,
    libc::SYS_clone3,
    libc::SYS_getrandom,
    libc::SYS_clock_gettime,
    libc::SYS_clock_nanosleep,
    libc::SYS_getpid,
    libc::SYS_gettid,
    libc::SYS_tgkill,
    libc::SYS_prlimit64,
    libc::SYS_rt_sigaction,
    libc::SYS_rt_sigprocmask,
    libc::SYS_rt_sigreturn,
    libc::SYS_sigaltstack,
    libc::SYS_exit,
    libc::SYS_exit_group,
];

/// Confines the calling thread (and the threads it starts) for good.
pub fn confine() -> Result<Confinement, String> {
    nix::sys::prctl::set_dumpable(false).map_err(|e| format!("PR_SET_DUMPABLE: {e}"))?;
    nix::sys::prctl::set_no_new_privs().map_err(|e| format!("PR_SET_NO_NEW_PRIVS: {e}"))?;
    let landlock = deny_files();
    let filter = seccomp_filter()?;
    seccompiler::apply_filter(&filter).map_err(|e| format!("seccomp: {e}"))?;
    Ok(Confinement { landlock })
}

/// Landlock with every file right handled and none granted.
fn deny_files() -> bool {
    Ruleset::default()
        .handle_access(AccessFs::from_all(ABI::V5))
        .and_then(Ruleset::create)
        .and_then(|ruleset| ruleset.restrict_self())
        .is_ok_and(|status| status.ruleset != RulesetStatus::NotEnforced)
}

fn seccomp_filter() -> Result<BpfProgram, String> {
    let arch = TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|e| format!("seccomp does not know {}: {e}", std::env::consts::ARCH))?;
    let rules: BTreeMap<i64, Vec<seccompiler::SeccompRule>> =
        ALLOWED.iter().map(|&call| (call, Vec::new())).collect();
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Errno(libc::EPERM as u32),
        SeccompAction::Allow,
        arch,
    )
    .map_err(|e| format!("seccomp filter: {e}"))?;
    filter
        .try_into()
        .map_err(|e| format!("seccomp program: {e}"))
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    const PROBE: &str = "MENTOR_CONFINE_PROBE";

    /// In the child: confines itself, then tries what a hostile document
    /// would, and prints one line per try.
    fn probe() {
        let confinement = confine().expect("confined");
        let parent = std::os::unix::process::parent_id();
        let tries: [(&str, bool); 5] = [
            (
                "tcp socket",
                std::net::TcpListener::bind("127.0.0.1:0").is_ok(),
            ),
            ("udp", std::net::UdpSocket::bind("127.0.0.1:0").is_ok()),
            (
                "parent environ",
                std::fs::read(format!("/proc/{parent}/environ")).is_ok(),
            ),
            ("own files", std::fs::read("/proc/self/status").is_ok()),
            (
                "write a file",
                std::fs::write(std::env::temp_dir().join("confined"), b"x").is_ok(),
            ),
        ];
        // What parsing needs still works: memory and a thread.
        let memory = vec![7u8; 64 * 1024 * 1024]
            .iter()
            .map(|&b| u64::from(b))
            .sum::<u64>();
        let thread = std::thread::spawn(|| 40 + 2).join().unwrap_or_default();
        for (what, done) in tries {
            println!("probe {what}: {}", if done { "ALLOWED" } else { "refused" });
        }
        println!(
            "probe work: {memory} {thread} landlock={}",
            confinement.landlock
        );
    }

    #[test]
    fn a_confined_child_can_compute_but_not_open_sockets_or_files() {
        if std::env::var_os(PROBE).is_some() {
            return probe();
        }
        let name =
            "resumes::confine::tests::a_confined_child_can_compute_but_not_open_sockets_or_files";
        let output = Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", name, "--nocapture", "--test-threads=1"])
            .env(PROBE, "1")
            .output()
            .expect("child ran");
        let stdout = String::from_utf8_lossy(&output.stdout);
        // libtest prints the test's name on the line the first probe starts.
        let lines: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.find("probe ").map(|at| &l[at..]))
            .collect();
        assert_eq!(
            lines.len(),
            6,
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        for line in &lines[..5] {
            assert!(line.ends_with("refused"), "{line}");
        }
        assert!(
            lines[5].starts_with("probe work: 469762048 42"),
            "{}",
            lines[5]
        );
    }
}
