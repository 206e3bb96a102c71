//! Starting a supervisor from the engine: the program to re-execute (the app binary with
//! its hidden `__supervise` subcommand, or a test binary), and the progress lines it sends
//! back on its stdout until the container runs.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::RwLock;

use super::ShimError;
use crate::Paths;

/// The hidden subcommand the app answers with the supervisor.
pub const SUBCOMMAND: &str = "__supervise";

/// How to start a supervisor: `program args… <id> [--attach]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisorCommand {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

impl SupervisorCommand {
    /// This very executable with `__supervise`: through `/proc/self/exe`, so the program
    /// that is running starts even when its file was replaced meanwhile (a rebuild or an
    /// upgrade unlinks the old one, and its path then names a different program or none).
    pub fn current_exe() -> Result<Self, ShimError> {
        let own = PathBuf::from("/proc/self/exe");
        let program = if own.exists() {
            own
        } else {
            std::env::current_exe().map_err(|e| ShimError::io("find own executable", e))?
        };
        Ok(Self {
            program,
            args: vec![OsString::from(SUBCOMMAND)],
        })
    }
}

static OVERRIDE: RwLock<Option<SupervisorCommand>> = RwLock::new(None);

/// Makes the engine start supervisors with `command` (tests, embedders) instead of the
/// current executable.
pub fn set_supervisor_command(command: SupervisorCommand) {
    *OVERRIDE.write().unwrap_or_else(|e| e.into_inner()) = Some(command);
}

pub(crate) fn supervisor_command() -> Result<SupervisorCommand, ShimError> {
    match OVERRIDE.read().unwrap_or_else(|e| e.into_inner()).clone() {
        Some(c) => Ok(c),
        None => SupervisorCommand::current_exe(),
    }
}

/// A supervisor on its way up.
pub struct Launch {
    child: Child,
    lines: BufReader<ChildStdout>,
}

/// Starts the supervisor of container `id`; with `attach`, it waits for one client on the
/// attach socket before starting the container.
pub fn spawn(paths: &Paths, id: &str, attach: bool) -> Result<Launch, ShimError> {
    let command = supervisor_command()?;
    let mut cmd = Command::new(&command.program);
    cmd.args(&command.args)
        .arg(id)
        .env("DOCKERLINGS_ROOT", paths.root())
        .env("DOCKERLINGS_RUN", paths.run())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if attach {
        cmd.arg("--attach");
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| ShimError::io(format!("start supervisor {}", command.program.display()), e))?;
    let stdout = child.stdout.take().expect("piped");
    Ok(Launch {
        child,
        lines: BufReader::new(stdout),
    })
}

impl Launch {
    fn next_line(&mut self) -> Result<String, ShimError> {
        let mut line = String::new();
        let n = self
            .lines
            .read_line(&mut line)
            .map_err(|e| ShimError::io("read supervisor progress", e))?;
        if n == 0 {
            return Err(ShimError::Start(
                "the container's supervisor exited before the container started".to_string(),
            ));
        }
        Ok(line.trim_end().to_string())
    }

    fn interpret(&mut self, line: &str) -> Result<Option<i32>, ShimError> {
        if let Some(pid) = line.strip_prefix("started ") {
            return Ok(Some(pid.trim().parse().unwrap_or(0)));
        }
        if let Some(rest) = line.strip_prefix("error ") {
            let (code, message) = rest.split_once(' ').unwrap_or(("125", rest));
            let code: i32 = code.parse().unwrap_or(125);
            return Err(if code == 126 || code == 127 {
                ShimError::Exec {
                    code,
                    message: message.to_string(),
                }
            } else {
                ShimError::Start(message.to_string())
            });
        }
        Ok(None)
    }

    /// Waits until the supervisor listens for the foreground client.
    pub fn wait_attach_ready(&mut self) -> Result<(), ShimError> {
        loop {
            let line = self.next_line()?;
            if line == "attach-ready" {
                return Ok(());
            }
            if let Some(pid) = self.interpret(&line)? {
                return Err(ShimError::Start(format!(
                    "container started (pid {pid}) before the client attached"
                )));
            }
        }
    }

    /// Waits until the container runs; returns its PID (or the start error).
    pub fn wait_started(mut self) -> Result<i32, ShimError> {
        let result = loop {
            match self.next_line() {
                Ok(line) => match self.interpret(&line) {
                    Ok(Some(pid)) => break Ok(pid),
                    Ok(None) => {}
                    Err(e) => break Err(e),
                },
                Err(e) => break Err(e),
            }
        };
        // The direct child only forked the real supervisor and exited.
        let _ = self.child.wait();
        result
    }
}
