//! `ps`: the process list from `/proc`.
//!
//! Formats, as the real tools print them:
//! - busybox/alpine images (by `/etc/os-release`): busybox's `PID   USER     TIME  COMMAND`,
//!   whatever the options (busybox ps ignores BSD-style ones);
//! - elsewhere procps': `ps` (processes on this terminal, `PID TTY TIME CMD`),
//!   `ps aux` / `ps -aux` (BSD user format), `ps -ef` / `ps -e` / `ps -A` (all processes).

use std::ffi::OsString;

use super::procfs::{self, hhmmss, mmss, Process};
use crate::sys;
use crate::timefmt::{Civil, MONTHS};

#[derive(Debug, PartialEq, Eq)]
enum Format {
    Busybox,
    Default { all: bool },
    Full { all: bool },
    User { all: bool },
}

fn choose_format(args: &[String], busybox: bool) -> Format {
    if busybox {
        return Format::Busybox;
    }
    let mut all = false;
    let mut full = false;
    let mut user = false;
    for a in args {
        if let Some(flags) = a.strip_prefix('-') {
            for c in flags.chars() {
                match c {
                    'e' | 'A' => all = true,
                    'f' | 'F' | 'l' => full = true,
                    'a' | 'x' => all = true,
                    'u' => user = true,
                    _ => {}
                }
            }
        } else {
            // BSD syntax: `aux`, `ax`, `u`.
            for c in a.chars() {
                match c {
                    'a' | 'x' => all = true,
                    'u' => user = true,
                    _ => {}
                }
            }
        }
    }
    if user {
        Format::User { all }
    } else if full {
        Format::Full { all }
    } else {
        Format::Default { all }
    }
}

pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let busybox = sys::OsRelease::read().is_busybox_like();
    let procs = procfs::all_processes();
    if procs.is_empty() && !std::path::Path::new("/proc/self").exists() {
        eprintln!("Error: /proc must be mounted");
        return 1;
    }
    print!("{}", render(choose_format(&args, busybox), &procs));
    0
}

fn render(format: Format, procs: &[Process]) -> String {
    let mut out = String::new();
    let me = procfs::read_process(std::process::id() as i32);
    let my_tty = me.as_ref().map(|p| p.tty_nr).unwrap_or(0);
    let mine = |p: &Process, all: bool| {
        all || (my_tty != 0 && p.tty_nr == my_tty) || (my_tty == 0 && p.uid == sys::euid())
    };
    match format {
        Format::Busybox => {
            out.push_str("PID   USER     TIME  COMMAND\n");
            for p in procs {
                let user: String = sys::user_name(p.uid).chars().take(8).collect();
                out.push_str(&format!(
                    "{:>5} {:<8} {:>5} {}\n",
                    p.pid,
                    user,
                    mmss(p.ticks()),
                    p.command()
                ));
            }
        }
        Format::Default { all } => {
            out.push_str("    PID TTY          TIME CMD\n");
            for p in procs.iter().filter(|p| mine(p, all)) {
                out.push_str(&format!(
                    "{:>7} {:<8} {:>8} {}\n",
                    p.pid,
                    p.tty(),
                    hhmmss(p.ticks()),
                    p.comm
                ));
            }
        }
        Format::Full { all } => {
            out.push_str("UID          PID    PPID  C STIME TTY          TIME CMD\n");
            let uptime = sys::uptime_secs().unwrap_or(0.0);
            for p in procs.iter().filter(|p| mine(p, all)) {
                let user: String = sys::user_name(p.uid).chars().take(8).collect();
                out.push_str(&format!(
                    "{:<8} {:>7} {:>7} {:>2} {:<5} {:<8} {:>8} {}\n",
                    user,
                    p.pid,
                    p.ppid,
                    cpu_percent(p, uptime) as u64,
                    start_time(p),
                    p.tty(),
                    hhmmss(p.ticks()),
                    p.command()
                ));
            }
        }
        Format::User { all } => {
            out.push_str(
                "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n",
            );
            let uptime = sys::uptime_secs().unwrap_or(0.0);
            let total_kb = sys::meminfo()
                .into_iter()
                .find(|(k, _)| k == "MemTotal")
                .map(|(_, v)| v)
                .unwrap_or(0);
            for p in procs.iter().filter(|p| mine(p, all)) {
                let user: String = sys::user_name(p.uid).chars().take(8).collect();
                let mem = if total_kb > 0 {
                    p.rss_kb as f64 * 100.0 / total_kb as f64
                } else {
                    0.0
                };
                out.push_str(&format!(
                    "{:<8} {:>7} {:>4.1} {:>4.1} {:>6} {:>5} {:<8} {:<4} {:>5} {:>6} {}\n",
                    user,
                    p.pid,
                    cpu_percent(p, uptime),
                    mem,
                    p.vsize_kb,
                    p.rss_kb,
                    p.tty(),
                    p.stat(),
                    start_time(p),
                    mmss(p.ticks()),
                    p.command()
                ));
            }
        }
    }
    out
}

/// CPU use over the process's lifetime, as ps computes %CPU.
fn cpu_percent(p: &Process, uptime: f64) -> f64 {
    let age = uptime - p.starttime as f64 / sys::CLK_TCK as f64;
    if age <= 0.0 {
        return 0.0;
    }
    (p.ticks() as f64 / sys::CLK_TCK as f64 * 100.0 / age).min(999.9)
}

/// START/STIME: `HH:MM` when the process started today, `MonDD` otherwise.
fn start_time(p: &Process) -> String {
    let Some(boot) = procfs::boot_time() else {
        return "?".into();
    };
    let started = boot + p.starttime / sys::CLK_TCK;
    let t = Civil::from_system(std::time::UNIX_EPOCH + std::time::Duration::from_secs(started));
    let now = Civil::now();
    if (t.year, t.month, t.day) == (now.year, now.month, now.day) {
        format!("{:02}:{:02}", t.hour, t.min)
    } else {
        format!("{}{:02}", MONTHS[(t.month - 1) as usize], t.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(a: &[&str]) -> Vec<String> {
        a.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn formats_by_arguments() {
        assert_eq!(
            choose_format(&s(&["aux"]), false),
            Format::User { all: true }
        );
        assert_eq!(
            choose_format(&s(&["-ef"]), false),
            Format::Full { all: true }
        );
        assert_eq!(
            choose_format(&s(&[]), false),
            Format::Default { all: false }
        );
        assert_eq!(choose_format(&s(&["aux"]), true), Format::Busybox);
    }
}
