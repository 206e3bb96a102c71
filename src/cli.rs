//! The `dockerlings` command line: parses arguments and hands each subcommand to its module.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::i18n::{tr, Lang};
use crate::privilege::{self, Privilege};

#[derive(Debug, Parser)]
#[command(
    name = "dockerlings",
    version,
    about = "Learn Docker by doing, on a real embedded container runtime"
)]
pub struct Cli {
    /// Language of everything dockerlings itself says (default: from LANG/LC_ALL)
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,
    /// When not root, re-run through sudo without asking
    #[arg(long, global = true)]
    pub sudo: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a docker command on the embedded engine: `dockerlings docker images`
    #[command(disable_help_flag = true, disable_version_flag = true)]
    Docker {
        /// The docker command and its arguments, as you would type them after `docker`
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// The supervisor of one container (started by the engine itself)
    #[command(name = "__supervise", hide = true)]
    Supervise {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Tools for content authors and CI
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Validate all embedded content: the image catalogue (lessons and labs as they arrive)
    Check,
}

/// Runs dockerlings with the process's arguments.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = cli.lang.unwrap_or_else(Lang::from_env);
    let code = match run(cli, lang) {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => 0,
        Err(error) => {
            eprintln!("{}: {error:#}", tr(lang, "error.prefix", &[]));
            1
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn run(cli: Cli, lang: Lang) -> anyhow::Result<i32> {
    match cli.command {
        None => {
            crate::greet::print(lang, &mut std::io::stdout().lock())?;
            Ok(0)
        }
        Some(Command::Docker { args }) => {
            if let Privilege::Refused(code) = privilege::require_root(lang, cli.sudo)? {
                return Ok(code);
            }
            Ok(docker_stdio(&args))
        }
        Some(Command::Supervise { args }) => Ok(crate::supervise::run(&args)),
        Some(Command::Dev {
            command: DevCommand::Check,
        }) => crate::dev::check::run(&mut std::io::stdout().lock()),
    }
}

/// A reader that went away (`dockerlings | head`) is not an error.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Runs the docker front-end on the process's own streams and the engine from the
/// environment (`DOCKERLINGS_ROOT`, `DOCKERLINGS_RUN`).
fn docker_stdio(args: &[OsString]) -> i32 {
    use std::io::IsTerminal;
    let (stdin, stdout, stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    let mut io = crate::docker::Io {
        stdin_is_tty: stdin.is_terminal(),
        stdout_is_tty: stdout.is_terminal(),
        stdin: &mut stdin.lock(),
        stdout: &mut stdout.lock(),
        stderr: &mut stderr.lock(),
    };
    crate::docker::run(args, &mut io, &dockerlings_runtime::Paths::from_env())
}
