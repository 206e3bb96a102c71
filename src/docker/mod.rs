//! The Docker-compatible front-end: `dockerlings docker <args…>`.
//!
//! It reads Docker's command line (see [`spec`] and [`commands`]), calls the engine
//! (`dockerlings_runtime::Engine`, one method per Docker Engine API request), and prints what
//! Docker's CLI prints: the same tables ([`table`]), sizes and ages ([`units`]), `--format`
//! templates ([`template`], [`format`]), help texts ([`help`]) and error texts with the same
//! exit codes (125 for a command-line error, 1 for a failed request).
//!
//! Everything goes through [`Io`] so tests can run commands against in-memory buffers.

pub mod commands;
pub mod format;
pub mod help;
pub mod spec;
pub mod table;
pub mod template;
pub mod units;

mod cmd;

use std::ffi::OsString;
use std::io::{Read, Write};

use chrono::{DateTime, Utc};
use dockerlings_runtime::{Engine, Paths};

use commands::Resolved;

/// The streams a command reads and writes, and whether they are terminals.
pub struct Io<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    pub stdin_is_tty: bool,
    pub stdout_is_tty: bool,
}

/// How a command ended when it did not succeed: what goes to stderr, and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub code: i32,
}

impl Failure {
    pub fn new(message: impl Into<String>, code: i32) -> Self {
        Self {
            message: message.into(),
            code,
        }
    }

    /// A request the engine refused: `Error response from daemon: …`, exit 1.
    pub fn daemon(err: impl std::fmt::Display) -> Self {
        Self::new(format!("Error response from daemon: {err}"), 1)
    }

    /// An error the CLI itself reports (exit 1).
    pub fn cli(message: impl Into<String>) -> Self {
        Self::new(message, 1)
    }

    /// Output failed (e.g. a closed pipe): exit 1 without a message of ours.
    pub fn io(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Self::new("", 1)
        } else {
            Self::new(format!("write error: {err}"), 1)
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Self {
        Self::io(err)
    }
}

pub type CmdResult = Result<(), Failure>;

/// What a command runs with: its streams, the engine (opened on first use), and the clock.
pub struct Ctx<'a, 'io> {
    pub io: &'a mut Io<'io>,
    paths: Paths,
    engine: Option<Engine>,
    /// "Now" for `2 weeks ago`; fixed in tests.
    pub now: DateTime<Utc>,
    /// The command as invoked (`docker images` or `docker image ls`).
    pub path: String,
}

impl Ctx<'_, '_> {
    /// Where the engine's state lives.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The engine; opening failures read like Docker's "cannot connect" errors.
    pub fn engine(&mut self) -> Result<&Engine, Failure> {
        if self.engine.is_none() {
            let engine = Engine::open(self.paths.clone()).map_err(|e| {
                Failure::cli(format!(
                    "Cannot open the dockerlings engine at {}: {e}",
                    self.paths.root().display()
                ))
            })?;
            self.engine = Some(engine);
        }
        Ok(self.engine.as_ref().expect("opened above"))
    }

    /// The engine and stdout together, for streaming engine output (`docker save`).
    pub fn engine_and_stdout(&mut self) -> Result<(&Engine, &mut dyn Write), Failure> {
        self.engine()?;
        let engine = self.engine.as_ref().expect("opened above");
        Ok((engine, &mut *self.io.stdout))
    }

    pub fn out(&mut self, text: &str) -> CmdResult {
        self.io.stdout.write_all(text.as_bytes())?;
        Ok(())
    }

    pub fn err(&mut self, text: &str) -> CmdResult {
        self.io.stderr.write_all(text.as_bytes())?;
        Ok(())
    }
}

/// The version line `docker --version` prints: honest about what answers.
pub fn version_line() -> String {
    format!(
        "dockerlings docker {} (Docker CLI compatible, API {})",
        dockerlings_runtime::VERSION,
        dockerlings_runtime::API_VERSION
    )
}

/// Runs `docker <args…>` with the engine under `paths`; returns the exit code.
pub fn run(args: &[OsString], io: &mut Io<'_>, paths: &Paths) -> i32 {
    run_at(args, io, paths, Utc::now())
}

/// [`run`] with a fixed "now" (for reproducible ages in tests).
pub fn run_at(args: &[OsString], io: &mut Io<'_>, paths: &Paths, now: DateTime<Utc>) -> i32 {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let result = dispatch(&args, io, paths, now);
    let _ = io.stdout.flush();
    match result {
        Ok(()) => 0,
        Err(f) => {
            if !f.message.is_empty() {
                let _ = writeln!(io.stderr, "{}", f.message);
            }
            f.code
        }
    }
}

fn flag_failure(err: impl std::fmt::Display, path: &str) -> Failure {
    Failure::new(format!("{err}\nSee '{path} --help'."), 125)
}

fn dispatch(args: &[String], io: &mut Io<'_>, paths: &Paths, now: DateTime<Utc>) -> CmdResult {
    // Docker's global options come before the command.
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "-v" | "--version" => {
                writeln!(io.stdout, "{}", version_line())?;
                return Ok(());
            }
            "-h" | "--help" => {
                io.stdout.write_all(help::root_help().as_bytes())?;
                return Ok(());
            }
            "-D" | "--debug" | "--debug=true" | "--debug=false" => i += 1,
            "-l" | "--log-level" => {
                if args.get(i + 1).is_none() {
                    return Err(flag_failure(
                        format!(
                            "flag needs an argument: {}",
                            if arg == "-l" {
                                "'l' in -l".to_string()
                            } else {
                                "--log-level".to_string()
                            }
                        ),
                        "docker",
                    ));
                }
                i += 2;
            }
            a if a.starts_with("--log-level=") => i += 1,
            "--" => {
                i += 1;
                break;
            }
            a if a.starts_with("--") && a.len() > 2 => {
                let name = a[2..].split('=').next().unwrap_or("");
                return Err(flag_failure(format!("unknown flag: --{name}"), "docker"));
            }
            a if a.starts_with('-') && a.len() > 1 => {
                let c = a[1..].chars().next().unwrap_or('-');
                return Err(flag_failure(
                    format!("unknown shorthand flag: {c:?} in {a}"),
                    "docker",
                ));
            }
            _ => break,
        }
    }
    let rest = &args[i..];
    let Some(first) = rest.first() else {
        io.stdout.write_all(help::root_help().as_bytes())?;
        return Ok(());
    };
    let resolved = if let Some(desc) = commands::group_description(first) {
        let _ = desc;
        match rest.get(1).map(String::as_str) {
            None | Some("--help") | Some("-h") => {
                io.stdout.write_all(help::group_help(first).as_bytes())?;
                return Ok(());
            }
            Some(sub) if sub.starts_with('-') => {
                let g = first.clone();
                return Err(flag_failure(
                    format!("unknown flag: {sub}"),
                    &format!("docker {g}"),
                ));
            }
            Some(sub) => match commands::find_in_group(first, sub) {
                Some(r) => r,
                None => {
                    return Err(Failure::cli(format!(
                        "docker: '{first} {sub}' is not a docker command.\nSee 'docker --help'"
                    )))
                }
            },
        }
    } else if first == "help" {
        // `docker help images` is `docker images --help`.
        let topic: Vec<String> = rest[1..].to_vec();
        let resolved = match topic.as_slice() {
            [] => None,
            [g] if commands::group_description(g).is_some() => {
                io.stdout.write_all(help::group_help(g).as_bytes())?;
                return Ok(());
            }
            [g, s, ..] if commands::group_description(g).is_some() => commands::find_in_group(g, s),
            [c, ..] => commands::find_top_level(c),
        };
        match resolved {
            Some(r) => io.stdout.write_all(help::command_help(&r).as_bytes())?,
            None => io.stdout.write_all(help::root_help().as_bytes())?,
        }
        return Ok(());
    } else {
        match commands::find_top_level(first) {
            Some(r) => r,
            None => {
                return Err(Failure::cli(format!(
                    "docker: '{first}' is not a docker command.\nSee 'docker --help'"
                )))
            }
        }
    };
    run_command(resolved, &rest[resolved.consumed..], io, paths, now)
}

fn run_command(
    resolved: Resolved,
    args: &[String],
    io: &mut Io<'_>,
    paths: &Paths,
    now: DateTime<Utc>,
) -> CmdResult {
    let path = resolved.path();
    let matches = spec::parse(resolved.spec, args).map_err(|e| flag_failure(e, &path))?;
    if matches.help_requested() {
        io.stdout
            .write_all(help::command_help(&resolved).as_bytes())?;
        return Ok(());
    }
    spec::check_arity(resolved.spec, &path, matches.args.len()).map_err(Failure::cli)?;
    let mut ctx = Ctx {
        io,
        paths: paths.clone(),
        engine: None,
        now,
        path,
    };
    cmd::run(
        resolved.spec.action,
        &mut ctx,
        &matches,
        resolved.spec.group.is_none(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a command that needs no engine; returns (code, stdout, stderr).
    pub(crate) fn run_offline(args: &[&str]) -> (i32, String, String) {
        let dir = std::env::temp_dir().join("dockerlings-frontend-unit-nonexistent");
        let paths = Paths::new(dir.join("root"), dir.join("run"));
        let mut stdin = std::io::empty();
        let mut out = Vec::new();
        let mut err = Vec::new();
        let mut io = Io {
            stdin: &mut stdin,
            stdout: &mut out,
            stderr: &mut err,
            stdin_is_tty: false,
            stdout_is_tty: false,
        };
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let code = run(&args, &mut io, &paths);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn unknown_flag_is_125_with_hint() {
        let (code, out, err) = run_offline(&["images", "--foo"]);
        assert_eq!((code, out.as_str()), (125, ""));
        assert_eq!(err, "unknown flag: --foo\nSee 'docker images --help'.\n");
        let (code, _, err) = run_offline(&["image", "ls", "-z"]);
        assert_eq!(code, 125);
        assert_eq!(
            err,
            "unknown shorthand flag: 'z' in -z\nSee 'docker image ls --help'.\n"
        );
    }

    #[test]
    fn wrong_arg_count_is_1_with_usage() {
        let (code, _, err) = run_offline(&["tag", "alpine"]);
        assert_eq!(code, 1);
        assert_eq!(
            err,
            "\"docker tag\" requires exactly 2 arguments.\nSee 'docker tag --help'.\n\n\
             Usage:  docker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\n\
             Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n"
        );
    }

    #[test]
    fn unknown_commands() {
        let (code, _, err) = run_offline(&["foo"]);
        assert_eq!(
            (code, err.as_str()),
            (
                1,
                "docker: 'foo' is not a docker command.\nSee 'docker --help'\n"
            )
        );
        let (code, _, err) = run_offline(&["image", "foo"]);
        assert_eq!(
            (code, err.as_str()),
            (
                1,
                "docker: 'image foo' is not a docker command.\nSee 'docker --help'\n"
            )
        );
    }

    #[test]
    fn version_flag_and_help() {
        let (code, out, _) = run_offline(&["--version"]);
        assert_eq!(code, 0);
        assert!(out.starts_with("dockerlings docker "), "{out}");
        assert!(out.contains("API 1.44"));
        let (code, out, _) = run_offline(&["images", "--help"]);
        assert_eq!(code, 0);
        assert!(out.starts_with("\nUsage:  docker images [OPTIONS] [REPOSITORY[:TAG]]\n"));
        let (code, out, _) = run_offline(&["help", "rmi"]);
        assert_eq!(code, 0);
        assert!(
            out.starts_with("\nUsage:  docker rmi [OPTIONS] IMAGE [IMAGE...]\n"),
            "{out}"
        );
        let (code, out, _) = run_offline(&["--bogus"]);
        assert_eq!((code, out.as_str()), (125, ""));
    }
}
