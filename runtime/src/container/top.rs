//! `docker top`: the processes of a running container, found through its cgroup
//! (`cgroup.procs`) and shown with host PIDs. Without ps options the columns are those of
//! `ps -ef` (Docker's default), computed from `/proc`; with options, the host's `ps` is run
//! with them and its lines are kept for the container's PIDs, as Docker does.

use std::collections::HashMap;
use std::process::Command;

use chrono::{DateTime, Local, TimeZone};

use super::state::Status;
use crate::shim::{cgroup, ShimError};
use crate::{Engine, Result};

/// What `docker top` prints: column titles and one row per process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopReport {
    pub titles: Vec<String>,
    pub processes: Vec<Vec<String>>,
}

/// One process as `/proc` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcInfo {
    pub pid: i32,
    pub ppid: i32,
    pub uid: u32,
    pub tty_nr: u64,
    /// utime + stime, in clock ticks.
    pub cpu_ticks: u64,
    /// Start time in clock ticks after boot.
    pub start_ticks: u64,
    pub comm: String,
    pub cmdline: Vec<String>,
}

/// Parses `/proc/<pid>/stat` (fields counted after the last `)`).
pub fn parse_stat(stat: &str) -> Option<ProcInfo> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let pid = stat[..open].trim().parse().ok()?;
    let comm = stat[open + 1..close].to_string();
    let f: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    // f[0] = field 3 (state).
    let num = |i: usize| -> Option<u64> { f.get(i)?.parse().ok() };
    Some(ProcInfo {
        pid,
        ppid: f.get(1)?.parse().ok()?,
        tty_nr: num(4)?,
        cpu_ticks: num(11)? + num(12)?,
        start_ticks: num(19)?,
        comm,
        ..ProcInfo::default()
    })
}

/// Reads one process from `/proc`; `None` when it has gone.
pub fn read_proc(pid: i32) -> Option<ProcInfo> {
    let mut info = parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    info.uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    info.cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        })
        .unwrap_or_default();
    Some(info)
}

/// The terminal name of a `tty_nr` as ps prints it (`?` for none).
pub fn tty_name(tty_nr: u64) -> String {
    if tty_nr == 0 {
        return "?".to_string();
    }
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    match major {
        136..=143 => format!("pts/{}", minor + (major - 136) * 256),
        4 if minor < 64 => format!("tty{minor}"),
        4 => format!("ttyS{}", minor - 64),
        5 if minor == 0 => "tty".to_string(),
        _ => "?".to_string(),
    }
}

/// ps's cumulative CPU time: `HH:MM:SS`, with `D-` in front past a day.
pub fn cpu_time(seconds: u64) -> String {
    let (d, h, m, s) = (
        seconds / 86400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    if d > 0 {
        format!("{d}-{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// ps's STIME: `HH:MM` within the last day, `MonDD` within the year, else the year.
pub fn start_time(start: DateTime<Local>, now: DateTime<Local>) -> String {
    let age = now.signed_duration_since(start);
    if age.num_hours() < 24 {
        start.format("%H:%M").to_string()
    } else if start.format("%Y").to_string() == now.format("%Y").to_string() {
        start.format("%b%d").to_string()
    } else {
        start.format("%Y").to_string()
    }
}

fn boot_time() -> i64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn clock_ticks() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|t| *t > 0)
        .unwrap_or(100) as u64
}

fn uptime_seconds() -> f64 {
    std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// Host user names by UID (ps shows the host's names).
fn host_users() -> HashMap<u32, String> {
    std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some((f.get(2)?.parse().ok()?, f.first()?.to_string()))
        })
        .collect()
}

/// The `ps -ef` rows of `pids`.
pub fn ps_ef(pids: &[i32]) -> TopReport {
    let ticks = clock_ticks();
    let boot = boot_time();
    let uptime = uptime_seconds();
    let users = host_users();
    let now = Local::now();
    let mut procs: Vec<ProcInfo> = pids.iter().filter_map(|p| read_proc(*p)).collect();
    procs.sort_by_key(|p| p.pid);
    let processes = procs
        .iter()
        .map(|p| {
            let started_secs = p.start_ticks as f64 / ticks as f64;
            let elapsed = (uptime - started_secs).max(0.0);
            let cpu_secs = p.cpu_ticks as f64 / ticks as f64;
            let c = if elapsed > 0.0 {
                (cpu_secs * 100.0 / elapsed) as u64
            } else {
                0
            };
            let start = Local
                .timestamp_opt(boot + started_secs as i64, 0)
                .single()
                .unwrap_or(now);
            let cmd = if p.cmdline.is_empty() {
                format!("[{}]", p.comm)
            } else {
                p.cmdline.join(" ")
            };
            vec![
                users
                    .get(&p.uid)
                    .cloned()
                    .unwrap_or_else(|| p.uid.to_string()),
                p.pid.to_string(),
                p.ppid.to_string(),
                c.to_string(),
                start_time(start, now),
                tty_name(p.tty_nr),
                cpu_time(cpu_secs as u64),
                cmd,
            ]
        })
        .collect();
    TopReport {
        titles: ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
            .map(String::from)
            .to_vec(),
        processes,
    }
}

/// Runs the host's `ps` with `args` and keeps the header and the lines of `pids` (found in
/// the `PID` column, which the options must include, as Docker requires).
fn host_ps(args: &[String], pids: &[i32]) -> Result<TopReport> {
    let output = Command::new("ps")
        .args(args)
        .output()
        .map_err(|e| ShimError::Start(format!("Error running ps: {e}")))?;
    if !output.status.success() {
        return Err(ShimError::Start(format!(
            "ps: exit status {}: {}",
            output.status.code().unwrap_or(1),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
        .into());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let titles: Vec<String> = header.split_whitespace().map(String::from).collect();
    let pid_col = titles
        .iter()
        .position(|t| t == "PID")
        .ok_or_else(|| ShimError::Start("Couldn't find PID field in ps output".to_string()))?;
    let mut processes = Vec::new();
    for line in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some(pid) = fields.get(pid_col).and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        if !pids.contains(&pid) {
            continue;
        }
        // The last column takes the rest of the line (commands contain spaces).
        let n = titles.len();
        let mut row: Vec<String> = fields.iter().take(n - 1).map(|s| s.to_string()).collect();
        row.push(fields.get(n - 1..).map(|r| r.join(" ")).unwrap_or_default());
        processes.push(row);
    }
    Ok(TopReport { titles, processes })
}

impl Engine {
    /// `GET /containers/{id}/top`: the container's processes (`ps_args` empty: `-ef`).
    pub fn container_top(&self, reference: &str, ps_args: &[String]) -> Result<TopReport> {
        let (record, state) = self.container(reference)?;
        if !matches!(state.status, Status::Running | Status::Paused) {
            return Err(ShimError::ExecNotRunning(record.id).into());
        }
        let mut pids = cgroup::procs(&record.id);
        if pids.is_empty() && state.pid > 0 {
            pids.push(state.pid);
        }
        if ps_args.is_empty() || ps_args == ["-ef"] {
            Ok(ps_ef(&pids))
        } else {
            host_ps(ps_args, &pids)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_and_names() {
        let stat = "4242 (sleep 1) S 4200 4242 4242 34816 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 98765 1000 10";
        let p = parse_stat(stat).unwrap();
        assert_eq!((p.pid, p.ppid, p.comm.as_str()), (4242, 4200, "sleep 1"));
        assert_eq!((p.cpu_ticks, p.start_ticks, p.tty_nr), (10, 98765, 34816));
        assert_eq!(tty_name(34816), "pts/0");
        assert_eq!(tty_name(0), "?");
        assert_eq!(cpu_time(3725), "01:02:05");
        assert_eq!(cpu_time(90061), "1-01:01:01");
    }

    #[test]
    fn own_process_reads_from_proc() {
        let me = std::process::id() as i32;
        let report = ps_ef(&[me]);
        assert_eq!(report.titles.len(), 8);
        assert_eq!(report.processes.len(), 1);
        assert_eq!(report.processes[0][1], me.to_string());
    }
}
