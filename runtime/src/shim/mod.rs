//! The container supervisor ("shim") and the pieces the engine shares with it.
//!
//! One supervisor runs per started container: the dockerlings binary re-executed as
//! `dockerlings __supervise <id>` ([`launch`]), detached from the terminal and a child
//! subreaper. It owns the container's life from start to end ([`supervisor`]): root
//! filesystem ([`overlay`], in its own mount namespace), libcontainer create/start from a
//! single thread, output into the json-file log ([`logfile`]) and to attached clients
//! ([`attach`]), exit code and OOM kill ([`cgroup`]), restart policy and `--rm`.
//! The engine side of stop/kill/pause/logs lives in `container/lifecycle.rs`. The same
//! hidden subcommand also answers `--exec` with the short-lived exec helper ([`exec`],
//! `docker exec`), which joins a running container through libcontainer's tenant builder.

pub mod attach;
pub mod cgroup;
pub mod control;
mod exec;
mod executor;
pub mod launch;
pub mod layout;
pub mod logfile;
pub mod overlay;
mod pages;
pub mod proc;
pub mod seccomp;
mod seccomp_bpf;
mod seccomp_profile;
mod supervisor;

pub use control::ShimControl;
pub use exec::{error_file as exec_error_file, EXEC_FLAG};
pub use launch::{set_supervisor_command, SupervisorCommand, SUBCOMMAND};

/// The hidden subcommand's entry point: `<id> [--attach]` supervises a container,
/// `--exec <id> <process.json> …` runs the exec helper ([`exec`]). Returns the exit code.
pub fn supervise(paths: crate::Paths, args: &[String]) -> i32 {
    match args.first().map(String::as_str) {
        Some(EXEC_FLAG) => exec::main(paths, &args[1..]),
        _ => supervisor::main(paths, args),
    }
}

/// What can go wrong starting or supervising a container. Texts are Docker's where it has one.
#[derive(Debug, thiserror::Error)]
pub enum ShimError {
    /// The program could not be executed (126: not executable, 127: not found).
    #[error("{message}")]
    Exec { code: i32, message: String },
    #[error("{0}")]
    Start(String),
    #[error("container {0} already has a running supervisor")]
    AlreadyRunning(String),
    #[error("No such container: {0}")]
    Gone(String),
    #[error("Container {0} is not running")]
    NotRunning(String),
    #[error("container {0} is not running")]
    ExecNotRunning(String),
    #[error("container {0} is paused, unpause the container before exec")]
    ExecPaused(String),
    #[error("Container {0} is already paused")]
    AlreadyPaused(String),
    #[error("Container {0} is not paused")]
    NotPaused(String),
    #[error("cannot start a paused container, try unpause instead")]
    StartPaused,
    #[error("Cannot kill container: {name}: Container {id} is not running")]
    KillNotRunning { name: String, id: String },
    #[error("Cannot kill container: {name}: Container {id} is paused. Unpause the container before stopping or killing")]
    KillPaused { name: String, id: String },
    #[error("Invalid signal: {0}")]
    InvalidSignal(String),
    #[error("container state is corrupt: {0}")]
    Corrupt(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl ShimError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }

    /// The exit code `docker run` reports for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Exec { code, .. } => *code,
            _ => 125,
        }
    }

    /// The text on one line (for the progress pipe and `State.Error`).
    pub fn message(&self) -> String {
        self.to_string().replace('\n', " ")
    }
}
