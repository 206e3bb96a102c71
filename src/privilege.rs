//! Root, and how to get it.
//!
//! Namespaces, cgroups and overlay mounts need root. When dockerlings runs as an ordinary
//! user it says so in one sentence and, if the learner agrees (or passed `--sudo`), runs
//! itself again through `sudo`, passing along the learner's own data directory so progress
//! and history stay in their home rather than root's.

use std::ffi::OsString;
use std::io::{BufRead, IsTerminal, Write};
use std::os::unix::process::CommandExt;
use std::process::Command;

use anyhow::{Context, Result};

use crate::home;
use crate::i18n::{tr, Lang};

/// Marks the process started through sudo, so it never asks again.
const ELEVATED_VAR: &str = "DOCKERLINGS_ELEVATED";

/// Variables the elevated process keeps (sudo resets the environment).
const KEPT_VARS: &[&str] = &[
    "DOCKERLINGS_ROOT",
    "DOCKERLINGS_RUN",
    "DOCKERLINGS_OFFLINE",
    "DOCKERLINGS_LESSONS",
    "DOCKERLINGS_LABS",
    "LANG",
    "LC_ALL",
    "LC_MESSAGES",
    "NO_COLOR",
    "TERM",
    "COLUMNS",
];

/// What the caller should do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Privilege {
    /// We are root: go on.
    Root,
    /// We are not root and will not become root: exit with this code.
    Refused(i32),
}

/// Makes sure the process is root. Returns [`Privilege::Root`] to go on; when the learner
/// agrees to sudo, this does not return (the process is replaced by sudo).
pub fn require_root(lang: Lang, use_sudo: bool) -> Result<Privilege> {
    if nix::unistd::geteuid().is_root() {
        return Ok(Privilege::Root);
    }
    let mut stderr = std::io::stderr().lock();
    writeln!(stderr, "{}", tr(lang, "sudo.why", &[]))?;
    if std::env::var_os(ELEVATED_VAR).is_some() {
        // sudo ran us and we are still not root: do not loop.
        writeln!(stderr, "{}", tr(lang, "sudo.how", &[]))?;
        return Ok(Privilege::Refused(1));
    }
    let agreed = use_sudo || (std::io::stdin().is_terminal() && ask(lang)?);
    if !agreed {
        writeln!(stderr, "{}", tr(lang, "sudo.how", &[]))?;
        return Ok(Privilege::Refused(1));
    }
    let Some(sudo) = find_in_path("sudo") else {
        writeln!(stderr, "{}", tr(lang, "sudo.missing", &[]))?;
        return Ok(Privilege::Refused(1));
    };
    let command = sudo_command(sudo)?;
    let shown = format!("sudo {}", display_args(&command));
    writeln!(
        stderr,
        "{}",
        tr(lang, "sudo.rerunning", &[("command", &shown)])
    )?;
    drop(stderr);
    let error = Command::new(command.program).args(&command.args).exec();
    Err(error).context("run sudo")
}

fn ask(lang: Lang) -> Result<bool> {
    eprint!("{}", tr(lang, "sudo.ask", &[]));
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(is_yes(&answer))
}

/// Empty (the default), y/yes, and Korean 예/네/응/ㅇ mean yes.
fn is_yes(answer: &str) -> bool {
    matches!(
        answer.trim().to_lowercase().as_str(),
        "" | "y" | "yes" | "예" | "네" | "응" | "ㅇ"
    )
}

/// `sudo -- env DOCKERLINGS_HOME=… DOCKERLINGS_ELEVATED=1 LANG=… <this program> <args…>`,
/// without our own `--sudo` flag.
struct SudoCommand {
    program: std::path::PathBuf,
    args: Vec<OsString>,
}

fn sudo_command(sudo: std::path::PathBuf) -> Result<SudoCommand> {
    let exe = std::env::current_exe().context("find the dockerlings executable")?;
    let mut args: Vec<OsString> = vec!["--".into(), "env".into()];
    let mut home_var = OsString::from(format!("{}=", home::HOME_VAR));
    home_var.push(home::data_dir());
    args.push(home_var);
    args.push(format!("{ELEVATED_VAR}=1").into());
    for name in KEPT_VARS {
        if let Some(value) = std::env::var_os(name) {
            let mut pair = OsString::from(format!("{name}="));
            pair.push(value);
            args.push(pair);
        }
    }
    args.push(exe.into_os_string());
    args.extend(std::env::args_os().skip(1).filter(|a| a != "--sudo"));
    Ok(SudoCommand {
        program: sudo,
        args,
    })
}

fn display_args(command: &SudoCommand) -> String {
    command
        .args
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

fn find_in_path(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_answers() {
        for yes in ["", "\n", "y", "Yes\n", "예", "네"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["n", "no\n", "아니요", "q"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
