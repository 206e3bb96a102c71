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
    /// (`dockerlings docker --xray run …` also shows what happened underneath)
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
    /// Start (or resume) a guided lesson: `dockerlings learn 02`
    Learn {
        /// Lesson id or number (default: where you left off)
        lesson: Option<String>,
    },
    /// List the lessons and your progress
    Lessons,
    /// The lab without a lesson: free experimentation with real docker commands
    Sandbox,
    /// Your own $SHELL with `docker` meaning dockerlings (checks run when you return)
    Shell,
    /// Show your progress, or start over with --reset
    Progress {
        /// Forget all progress (the file in your data directory is removed)
        #[arg(long)]
        reset: bool,
    },
    /// Graded labs: list, start, status, grade, submit, verify
    Lab {
        #[command(subcommand)]
        command: crate::lab::cli::LabCommand,
    },
    /// Tools for content authors and CI
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Validate all embedded content: the image catalogue and the lessons (ko/en agree);
    /// with --live, also play every lesson through on the real runtime
    Check {
        /// Play every step: its checks must fail after its setup and pass after its solution
        #[arg(long)]
        live: bool,
        /// Only the lessons and labs whose id starts with this (with --live)
        #[arg(long)]
        lesson: Option<String>,
        /// Lessons from this directory (`<dir>/<lang>/*.md`) instead of the built-in ones
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
        /// Labs from this directory (`<dir>/<lang>/*.md`) instead of the built-in ones
        #[arg(long)]
        labs_dir: Option<std::path::PathBuf>,
    },
    /// Write the book's command reference from the docker front-end's definitions
    #[command(hide = true)]
    Reference {
        /// Folder to write it to (default: book/src/reference in the source tree)
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Print the lines book/src/SUMMARY.md needs for the reference's pages instead
        #[arg(long)]
        summary: bool,
    },
}

/// The command line as clap reads it.
fn parse(argv: Vec<OsString>) -> Cli {
    // The two forms the engine and every learner's command use most, taken without building
    // clap's whole command tree (~0.4 ms of CPU, paid by each `docker …` and by each
    // container's supervisor before it can start the container). What clap would make of
    // them is the same: every word after `docker` belongs to the docker command once the
    // first one is not a flag (`--lang`, `--sudo`, `--xray` and `--` take clap's way).
    match argv.get(1).and_then(|a| a.to_str()) {
        Some("docker")
            if argv
                .get(2)
                .is_none_or(|a| !a.as_encoded_bytes().starts_with(b"-")) =>
        {
            Cli {
                lang: None,
                sudo: false,
                command: Some(Command::Docker {
                    args: argv[2..].to_vec(),
                }),
            }
        }
        Some("__supervise") if argv[2..].iter().all(|a| a.to_str().is_some()) => Cli {
            lang: None,
            sudo: false,
            command: Some(Command::Supervise {
                args: argv[2..]
                    .iter()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect(),
            }),
        },
        _ => Cli::parse_from(argv),
    }
}

/// Runs dockerlings with the process's arguments.
pub fn main() -> ExitCode {
    let cli = parse(std::env::args_os().collect());
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
            use std::io::IsTerminal;
            use std::io::Write;
            crate::greet::print(lang, &mut std::io::stdout().lock())?;
            let lessons = crate::repl::shipped_lessons(lang)?;
            let progress = crate::progress::Progress::load(&crate::home::data_dir())?;
            // Not `println!`: a reader that has gone (`| head -n 1`) must end us quietly.
            writeln!(std::io::stdout().lock())?;
            crate::repl::print_lessons(&lessons, &progress, lang, &mut std::io::stdout().lock())?;
            if !std::io::stdin().is_terminal() || lessons.is_empty() {
                return Ok(0);
            }
            if let Privilege::Refused(code) = privilege::require_root(lang, cli.sudo)? {
                return Ok(code);
            }
            let resume = progress
                .current
                .clone()
                .unwrap_or_else(|| lessons[0].meta.id.clone());
            crate::repl::Session::new(lang, crate::repl::Mode::Lesson(resume))?.run()
        }
        Some(Command::Learn { lesson }) => {
            if let Privilege::Refused(code) = privilege::require_root(lang, cli.sudo)? {
                return Ok(code);
            }
            let progress = crate::progress::Progress::load(&crate::home::data_dir())?;
            let first = crate::repl::shipped_lessons(lang)?
                .first()
                .map(|l| l.meta.id.clone())
                .unwrap_or_default();
            let lesson = lesson.or(progress.current).unwrap_or(first);
            crate::repl::Session::new(lang, crate::repl::Mode::Lesson(lesson))?.run()
        }
        Some(Command::Lessons) | Some(Command::Progress { reset: false }) => {
            let lessons = crate::repl::shipped_lessons(lang)?;
            let progress = crate::progress::Progress::load(&crate::home::data_dir())?;
            crate::repl::print_lessons(&lessons, &progress, lang, &mut std::io::stdout().lock())?;
            Ok(0)
        }
        Some(Command::Progress { reset: true }) => {
            crate::progress::Progress::reset(&crate::home::data_dir())?;
            println!("{}", tr(lang, "progress.reset", &[]));
            Ok(0)
        }
        Some(Command::Lab { command }) => {
            if crate::lab::cli::needs_root(&command) {
                if let Privilege::Refused(code) = privilege::require_root(lang, cli.sudo)? {
                    return Ok(code);
                }
            }
            crate::lab::cli::run(command, lang)
        }
        Some(Command::Sandbox) => {
            if let Privilege::Refused(code) = privilege::require_root(lang, cli.sudo)? {
                return Ok(code);
            }
            crate::repl::Session::new(lang, crate::repl::Mode::Sandbox)?.run()
        }
        Some(Command::Shell) => {
            if let Privilege::Refused(code) = privilege::require_root(lang, cli.sudo)? {
                return Ok(code);
            }
            crate::repl::own_shell(lang)
        }
        Some(Command::Docker { args }) => {
            if let Privilege::Refused(code) = privilege::require_root(lang, cli.sudo)? {
                return Ok(code);
            }
            let xray = args.first().is_some_and(|a| a == "--xray");
            let args = if xray { &args[1..] } else { &args[..] };
            let code = docker_stdio(args);
            if xray {
                let line: Vec<String> = std::iter::once("docker".to_string())
                    .chain(args.iter().map(|a| {
                        let a = a.to_string_lossy();
                        if a.contains(char::is_whitespace) {
                            format!("'{a}'")
                        } else {
                            a.into_owned()
                        }
                    }))
                    .collect();
                let engine =
                    dockerlings_runtime::Engine::open(dockerlings_runtime::Paths::from_env())?;
                print!("{}", crate::xray::report(&engine, &line.join(" "), lang));
            }
            Ok(code)
        }
        Some(Command::Supervise { args }) => Ok(crate::supervise::run(&args)),
        Some(Command::Dev {
            command: DevCommand::Reference { out, summary },
        }) => crate::dev::reference::run(out.as_deref(), summary, &mut std::io::stdout().lock()),
        Some(Command::Dev {
            command:
                DevCommand::Check {
                    live,
                    lesson,
                    dir,
                    labs_dir,
                },
        }) => {
            let mut code = crate::dev::check::run(
                dir.as_deref(),
                labs_dir.as_deref(),
                &mut std::io::stdout().lock(),
            )?;
            if live {
                if let Privilege::Refused(c) = privilege::require_root(lang, cli.sudo)? {
                    return Ok(c);
                }
                let mut lessons = crate::dev::live::lessons(dir.as_deref(), labs_dir.as_deref())?;
                if let Some(id) = lesson {
                    lessons.retain(|l| l.meta.id == id || l.meta.id.starts_with(&id));
                }
                let problems = crate::dev::live::run(&lessons, &mut std::io::stdout().lock())?;
                if problems > 0 {
                    println!("\n{problems} live problem(s) found");
                    code = 1;
                }
            }
            Ok(code)
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The forms `parse` takes without clap come out as clap would read them.
    #[test]
    fn the_short_way_reads_what_clap_reads() {
        let forms: &[&[&str]] = &[
            &["docker"],
            &["docker", "ps"],
            &["docker", "ps", "--lang", "ko"],
            &[
                "docker", "run", "--rm", "-it", "ubuntu", "bash", "-c", "ls -l /",
            ],
            &["docker", "run", "-d", "--", "nginx"],
            &["docker", "container", "ls", "--sudo", "--help"],
            &["__supervise", "0123abcd", "--attach"],
            &["__supervise"],
        ];
        for form in forms {
            let argv: Vec<OsString> = std::iter::once("dockerlings")
                .chain(form.iter().copied())
                .map(OsString::from)
                .collect();
            let short = format!("{:?}", parse(argv.clone()));
            let clap = format!("{:?}", Cli::parse_from(argv));
            assert_eq!(short, clap, "{form:?}");
        }
        // Flags right after `docker` are clap's: `--lang` here is dockerlings' own.
        let argv = ["dockerlings", "docker", "--lang", "en", "ps"].map(OsString::from);
        let cli = parse(argv.to_vec());
        assert!(cli.lang.is_some(), "{cli:?}");
    }
}
