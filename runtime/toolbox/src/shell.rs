//! `sh` and `bash`: the brush shell (a bash-compatible shell written in Rust, from the
//! `brush-shell` crate), run with the toolbox's own argv so `$0` is `sh` or `bash`.
//!
//! # The prompt
//! An interactive shell takes its prompt the way real images give it one:
//! 1. `PS1` from the environment, if the image or `docker run -e` sets it;
//! 2. otherwise whatever `/etc/bash.bashrc` (then `~/.bashrc`) sets — brush reads these
//!    for every interactive, non-login shell, whether called `sh` or `bash`. The catalogue
//!    writes the distribution's usual line there: `PS1='\u@\h:\w\$ '` for Debian/Ubuntu,
//!    `PS1='[\u@\h \W]\$ '` for CentOS, `PS1='\w \$ '` for busybox/alpine (`/ # `).
//!    `\u` works: user names come from `/etc/passwd` (see `nss.rs`).
//! 3. when neither exists, the toolbox exports a default before starting the shell:
//!    invoked as `bash` → `\u@\h:\w\$ ` (`[\u@\h \W]\$ ` when `/etc/os-release` says
//!    centos/rhel/fedora); invoked as `sh` → `\w \$ ` on busybox/alpine or when there is
//!    no os-release (ash's `/ # `), `\$ ` elsewhere (dash's `# `).

use std::ffi::OsString;
use std::os::unix::process::CommandExt;

use crate::sys::OsRelease;

pub fn main(args: Vec<OsString>) -> i32 {
    let name = crate::applets::basename(&args[0].to_string_lossy()).to_string();

    // brush reads the process's own argv; when we were reached through `toolbox sh …`,
    // run ourselves again with argv[0] = the applet name so `$0` and options line up.
    let own: Vec<OsString> = std::env::args_os().collect();
    if own != args {
        let err = std::process::Command::new("/proc/self/exe")
            .arg0(&args[0])
            .args(&args[1..])
            .exec();
        eprintln!("{name}: cannot re-execute the toolbox: {err}");
        return 126;
    }

    let interactive = is_interactive(&args);
    if interactive {
        exit_on_hangup();
    }
    if interactive && std::env::var_os("PS1").is_none() && !rc_file_exists() {
        let ps1 = default_prompt(&name, &OsRelease::read());
        // Setting the variable before brush starts any thread: the process is still
        // single-threaded here.
        std::env::set_var("PS1", ps1);
    }
    brush_shell::entry::run();
    0
}

extern "C" fn on_hangup(_: i32) {
    // SAFETY: _exit is async-signal-safe; nothing else runs in the handler.
    unsafe { libc::_exit(129) }
}

/// An interactive shell whose terminal goes away (the learner closed the window, the
/// pty of a `docker exec -it` was torn down) must exit, as bash does on SIGHUP. brush
/// 0.4 keeps polling the dead terminal at full CPU instead, so the toolbox exits on
/// SIGHUP itself (status 129 = 128 + SIGHUP, like bash).
fn exit_on_hangup() {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let action = SigAction::new(
        SigHandler::Handler(on_hangup),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler only calls the async-signal-safe `_exit`.
    let _ = unsafe { sigaction(Signal::SIGHUP, &action) };
}

/// True when the shell will read commands from its standard input (no `-c`, no script).
fn is_interactive(args: &[OsString]) -> bool {
    let mut rest = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = rest.next() {
        if a == "-i" || a == "-s" {
            return true;
        }
        if a == "--" {
            return rest.next().is_none();
        }
        if a == "-o" || a == "+o" || a == "-O" || a == "+O" || a == "--rcfile" {
            rest.next();
            continue;
        }
        if a.starts_with('-') || a.starts_with('+') {
            if !a.starts_with("--") && a.contains('c') {
                return false;
            }
            continue;
        }
        return false;
    }
    true
}

fn rc_file_exists() -> bool {
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    std::path::Path::new("/etc/bash.bashrc").exists()
        || std::path::Path::new(&home).join(".bashrc").exists()
}

/// The prompt an image of this distribution shows for a shell invoked as `name`.
pub fn default_prompt(name: &str, os: &OsRelease) -> &'static str {
    if name == "bash" {
        if os.is_like("rhel") || os.is_like("centos") || os.is_like("fedora") {
            r"[\u@\h \W]\$ "
        } else {
            r"\u@\h:\w\$ "
        }
    } else if os.is_busybox_like() {
        r"\w \$ "
    } else {
        r"\$ "
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn interactive_detection() {
        assert!(is_interactive(&v(&["sh"])));
        assert!(is_interactive(&v(&["bash", "-l"])));
        assert!(!is_interactive(&v(&["sh", "-c", "echo"])));
        assert!(!is_interactive(&v(&["sh", "-ec", "echo"])));
        assert!(!is_interactive(&v(&["sh", "script.sh"])));
        assert!(is_interactive(&v(&["sh", "-s", "a"])));
    }

    #[test]
    fn prompt_flavours() {
        let alpine = OsRelease::parse("ID=alpine\n");
        let ubuntu = OsRelease::parse("ID=ubuntu\nID_LIKE=debian\n");
        let centos = OsRelease::parse("ID=\"centos\"\nID_LIKE=\"rhel fedora\"\n");
        assert_eq!(default_prompt("sh", &alpine), r"\w \$ ");
        assert_eq!(default_prompt("bash", &ubuntu), r"\u@\h:\w\$ ");
        assert_eq!(default_prompt("bash", &centos), r"[\u@\h \W]\$ ");
        assert_eq!(default_prompt("sh", &ubuntu), r"\$ ");
    }
}
