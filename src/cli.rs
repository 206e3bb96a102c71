//! The `dockerlings` command line: parses arguments and hands each subcommand to its module.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::i18n::{tr, Lang};
use crate::privilege::{self, Privilege};

#[derive(Debug, Parser)]
#[command(name = "dockerlings", version, about = "Learn Docker by doing, on a real embedded container runtime")]
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
}

/// Runs dockerlings with the process's arguments.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = cli.lang.unwrap_or_else(Lang::from_env);
    let code = match run(cli, lang) {
        Ok(code) => code,
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
            crate::greet::print(lang);
            Ok(0)
        }
        Some(Command::Docker { args }) => {
            if let Privilege::Refused(code) = privilege::require_root(lang, cli.sudo)? {
                return Ok(code);
            }
            Ok(crate::docker::run_stdio(&args))
        }
    }
}
