//! Reading processes from `/proc/<pid>/{stat,status,cmdline}` — the data ps and top show.

use crate::sys;

/// One process as ps/top see it.
#[derive(Debug, Clone)]
pub struct Process {
    pub pid: i32,
    pub ppid: i32,
    pub pgrp: i32,
    pub session: i32,
    pub tty_nr: u32,
    pub tpgid: i32,
    pub state: char,
    pub comm: String,
    pub cmdline: Vec<String>,
    pub utime: u64,
    pub stime: u64,
    pub priority: i64,
    pub nice: i64,
    pub threads: i64,
    /// Start time, clock ticks after boot.
    pub starttime: u64,
    pub vsize_kb: u64,
    pub rss_kb: u64,
    pub shared_kb: u64,
    pub uid: u32,
}

impl Process {
    /// The command line as ps prints it; `[comm]` for kernel threads and zombies.
    pub fn command(&self) -> String {
        if self.cmdline.is_empty() {
            format!("[{}]", self.comm)
        } else {
            self.cmdline.join(" ")
        }
    }

    /// CPU time in clock ticks.
    pub fn ticks(&self) -> u64 {
        self.utime + self.stime
    }

    /// The terminal name (`pts/0`, `tty1`) or `?`.
    pub fn tty(&self) -> String {
        let major = (self.tty_nr >> 8) & 0xfff;
        let minor = (self.tty_nr & 0xff) | ((self.tty_nr >> 12) & 0xfff00);
        match major {
            0 => "?".into(),
            136..=143 => format!("pts/{}", minor + (major - 136) * 256),
            4 => format!("tty{minor}"),
            5 if minor == 0 => "tty".into(),
            5 => "console".into(),
            _ => "?".into(),
        }
    }

    /// The BSD-style state column: `Ss`, `R+`, `Sl`…
    pub fn stat(&self) -> String {
        let mut s = self.state.to_string();
        if self.nice < 0 {
            s.push('<');
        } else if self.nice > 0 {
            s.push('N');
        }
        if self.session == self.pid {
            s.push('s');
        }
        if self.threads > 1 {
            s.push('l');
        }
        if self.tpgid >= 0 && self.tpgid == self.pgrp && self.tty_nr != 0 {
            s.push('+');
        }
        s
    }
}

/// Parses the text of `/proc/<pid>/stat`.
pub fn parse_stat(pid: i32, text: &str) -> Option<Process> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text[open + 1..close].to_string();
    let f: Vec<&str> = text[close + 1..].split_whitespace().collect();
    // f[0] is field 3 (state) of proc(5).
    let n = |i: usize| -> i64 { f.get(i).and_then(|s| s.parse().ok()).unwrap_or(0) };
    let page_kb = sys::page_size() / 1024;
    Some(Process {
        pid,
        state: f.first()?.chars().next()?,
        ppid: n(1) as i32,
        pgrp: n(2) as i32,
        session: n(3) as i32,
        tty_nr: n(4) as u32,
        tpgid: n(5) as i32,
        utime: n(11) as u64,
        stime: n(12) as u64,
        priority: n(15),
        nice: n(16),
        threads: n(17),
        starttime: n(19) as u64,
        vsize_kb: n(20) as u64 / 1024,
        rss_kb: n(21).max(0) as u64 * page_kb,
        shared_kb: 0,
        comm,
        cmdline: Vec::new(),
        uid: 0,
    })
}

/// Reads one process; `None` when it vanished meanwhile.
pub fn read_process(pid: i32) -> Option<Process> {
    let base = format!("/proc/{pid}");
    let stat = std::fs::read_to_string(format!("{base}/stat")).ok()?;
    let mut p = parse_stat(pid, &stat)?;
    if let Ok(cmd) = std::fs::read(format!("{base}/cmdline")) {
        p.cmdline = cmd
            .split(|&b| b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect();
    }
    if let Ok(status) = std::fs::read_to_string(format!("{base}/status")) {
        for line in status.lines() {
            if let Some(rest) = line.strip_prefix("Uid:") {
                p.uid = rest
                    .split_whitespace()
                    .nth(1)
                    .and_then(|u| u.parse().ok())
                    .unwrap_or(0);
            }
        }
    }
    if let Ok(statm) = std::fs::read_to_string(format!("{base}/statm")) {
        let shared: u64 = statm
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        p.shared_kb = shared * sys::page_size() / 1024;
    }
    Some(p)
}

/// Every process, ordered by pid. Empty when `/proc` is not mounted.
pub fn all_processes() -> Vec<Process> {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<i32> = rd
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    pids.into_iter().filter_map(read_process).collect()
}

/// Boot time in seconds since the epoch (`btime` in `/proc/stat`).
pub fn boot_time() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok())
}

/// Total CPU jiffies split as top shows them: user, nice, system, idle, iowait, irq,
/// softirq, steal.
pub fn cpu_jiffies() -> [u64; 8] {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let mut out = [0u64; 8];
    if let Some(line) = text.lines().find(|l| l.starts_with("cpu ")) {
        for (i, v) in line.split_whitespace().skip(1).take(8).enumerate() {
            out[i] = v.parse().unwrap_or(0);
        }
    }
    out
}

/// Formats ticks as `M:SS` (busybox, ps aux) — minutes may exceed 59.
pub fn mmss(ticks: u64) -> String {
    let s = ticks / sys::CLK_TCK;
    format!("{}:{:02}", s / 60, s % 60)
}

/// Formats ticks as `HH:MM:SS` (procps' default and -ef TIME).
pub fn hhmmss(ticks: u64) -> String {
    let s = ticks / sys::CLK_TCK;
    if s >= 86_400 {
        format!(
            "{}-{:02}:{:02}:{:02}",
            s / 86_400,
            s / 3600 % 24,
            s / 60 % 60,
            s % 60
        )
    } else {
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_line_with_spaces_in_comm() {
        let text = "42 (my prog) S 1 42 42 34816 42 4194560 100 0 0 0 7 3 0 0 20 0 1 0 12345 4734976 950 18446744073709551615";
        let p = parse_stat(42, text).unwrap();
        assert_eq!(p.comm, "my prog");
        assert_eq!(p.ppid, 1);
        assert_eq!(p.ticks(), 10);
        assert_eq!(p.tty(), "pts/0");
        assert_eq!(p.stat(), "Ss+");
        assert_eq!(p.starttime, 12345);
        assert_eq!(p.vsize_kb, 4624);
    }
}
