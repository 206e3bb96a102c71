//! `docker stats`: resource usage of a container read from its cgroup (v1 per-controller
//! directories or the v2 unified one), its network namespace (`/proc/<pid>/net/dev`) and
//! the host's CPU time (`/proc/stat`). A [`StatsSample`] is one reading; CPU % needs two
//! ([`cpu_percent`]), as Docker computes it.

use std::path::{Path, PathBuf};

use super::state::Status;
use crate::shim::cgroup;
use crate::{Engine, Result};

/// One reading of a container's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsSample {
    pub id: String,
    pub name: String,
    pub running: bool,
    /// Total CPU time used by the container, in nanoseconds.
    pub cpu_ns: u64,
    /// Total CPU time of the host (all CPUs, all states), in nanoseconds.
    pub system_ns: u64,
    pub online_cpus: u32,
    /// Memory used, without the inactive page cache (as the Docker CLI shows it).
    pub mem_usage: u64,
    /// The memory limit, or the host's memory when there is none.
    pub mem_limit: u64,
    pub net_rx: u64,
    pub net_tx: u64,
    pub block_read: u64,
    pub block_write: u64,
    pub pids: u64,
}

/// Docker's CPU %: the container's share of the host's CPU time between two samples,
/// scaled by the number of CPUs.
pub fn cpu_percent(before: &StatsSample, after: &StatsSample) -> f64 {
    let cpu = after.cpu_ns.saturating_sub(before.cpu_ns) as f64;
    let system = after.system_ns.saturating_sub(before.system_ns) as f64;
    if cpu > 0.0 && system > 0.0 {
        cpu / system * after.online_cpus.max(1) as f64 * 100.0
    } else {
        0.0
    }
}

/// Docker's MEM %.
pub fn mem_percent(sample: &StatsSample) -> f64 {
    if sample.mem_limit == 0 {
        0.0
    } else {
        sample.mem_usage as f64 / sample.mem_limit as f64 * 100.0
    }
}

/// The first of the container's cgroup directories holding `file`.
fn find(dirs: &[PathBuf], file: &str) -> Option<PathBuf> {
    dirs.iter().map(|d| d.join(file)).find(|p| p.exists())
}

fn read_u64(path: &Path) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// `key value` lines (memory.stat, cpu.stat).
pub fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .filter_map(|l| l.split_once(' '))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// Host CPU time in nanoseconds from `/proc/stat`'s `cpu` line, and the CPUs online.
fn host_cpu() -> (u64, u32) {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let tick = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|t| *t > 0)
        .unwrap_or(100) as u64;
    let total: u64 = text
        .lines()
        .find(|l| l.starts_with("cpu "))
        .map(|l| {
            l.split_whitespace()
                .skip(1)
                .take(8) // guest time is already inside user time
                .filter_map(|v| v.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    let cpus = text
        .lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .count()
        .max(1) as u32;
    (total * (1_000_000_000 / tick), cpus)
}

/// Sums received and sent bytes over a `/proc/net/dev` table, leaving out `lo` (Docker
/// counts the container's network interfaces only).
pub fn net_dev(text: &str) -> (u64, u64) {
    let (mut rx, mut tx) = (0, 0);
    for line in text.lines().skip(2) {
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        if name.trim() == "lo" {
            continue;
        }
        let f: Vec<u64> = rest
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        rx += f.first().copied().unwrap_or(0);
        tx += f.get(8).copied().unwrap_or(0);
    }
    (rx, tx)
}

/// Bytes read and written: v1 `blkio.throttle.io_service_bytes` (`maj:min Read n`) or v2
/// `io.stat` (`maj:min rbytes=n wbytes=n …`).
pub fn block_io(v1: Option<&str>, v2: Option<&str>) -> (u64, u64) {
    let (mut read, mut write) = (0, 0);
    if let Some(text) = v1 {
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() == 3 {
                let n: u64 = f[2].parse().unwrap_or(0);
                match f[1] {
                    "Read" => read += n,
                    "Write" => write += n,
                    _ => {}
                }
            }
        }
        return (read, write);
    }
    for line in v2.unwrap_or_default().lines() {
        for field in line.split_whitespace().skip(1) {
            if let Some(v) = field.strip_prefix("rbytes=") {
                read += v.parse().unwrap_or(0);
            } else if let Some(v) = field.strip_prefix("wbytes=") {
                write += v.parse().unwrap_or(0);
            }
        }
    }
    (read, write)
}

/// `MemTotal` from /proc/meminfo, in bytes.
fn host_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            let line = t.lines().find(|l| l.starts_with("MemTotal:"))?.to_string();
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map(|kib| kib * 1024)
        .unwrap_or(u64::MAX)
}

/// Reads the counters of container `id` (init PID `pid`, 0 when not running).
pub fn sample(id: &str, pid: i32) -> StatsSample {
    let dirs = cgroup::dirs(id);
    let mut s = StatsSample {
        id: id.to_string(),
        ..StatsSample::default()
    };
    let (system_ns, cpus) = host_cpu();
    s.system_ns = system_ns;
    s.online_cpus = cpus;
    let read = |file: &str| find(&dirs, file).and_then(|p| std::fs::read_to_string(p).ok());
    s.cpu_ns = match find(&dirs, "cpuacct.usage").and_then(|p| read_u64(&p)) {
        Some(ns) => ns,
        None => {
            read("cpu.stat")
                .and_then(|t| keyed(&t, "usage_usec"))
                .unwrap_or(0)
                * 1000
        }
    };
    let host_mem = host_memory();
    if let Some(usage) = find(&dirs, "memory.usage_in_bytes").and_then(|p| read_u64(&p)) {
        let inactive = read("memory.stat")
            .and_then(|t| keyed(&t, "total_inactive_file"))
            .unwrap_or(0);
        s.mem_usage = usage.saturating_sub(inactive);
        s.mem_limit = find(&dirs, "memory.limit_in_bytes")
            .and_then(|p| read_u64(&p))
            .unwrap_or(u64::MAX);
    } else if let Some(usage) = find(&dirs, "memory.current").and_then(|p| read_u64(&p)) {
        let inactive = read("memory.stat")
            .and_then(|t| keyed(&t, "inactive_file"))
            .unwrap_or(0);
        s.mem_usage = usage.saturating_sub(inactive);
        s.mem_limit = find(&dirs, "memory.max")
            .and_then(|p| read_u64(&p))
            .unwrap_or(u64::MAX);
    }
    if s.mem_limit == 0 || s.mem_limit > host_mem {
        s.mem_limit = host_mem;
    }
    s.pids = find(&dirs, "pids.current")
        .and_then(|p| read_u64(&p))
        .unwrap_or(0);
    let (r, w) = block_io(
        read("blkio.throttle.io_service_bytes").as_deref(),
        read("io.stat").as_deref(),
    );
    s.block_read = r;
    s.block_write = w;
    if pid > 0 {
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/net/dev")) {
            (s.net_rx, s.net_tx) = net_dev(&text);
        }
    }
    s
}

impl Engine {
    /// One stats reading of a container (zeros, `running: false`, when it does not run).
    pub fn container_stats(&self, reference: &str) -> Result<StatsSample> {
        let (record, state) = self.container(reference)?;
        let running = matches!(state.status, Status::Running | Status::Paused);
        let mut s = if running {
            sample(&record.id, state.pid)
        } else {
            StatsSample {
                id: record.id.clone(),
                ..StatsSample::default()
            }
        };
        s.running = running;
        s.name = record.name.trim_start_matches('/').to_string();
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_counters() {
        let dev = "Inter-|   Receive |  Transmit\n face |bytes packets\n    lo: 100 1 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n  eth0: 2048 5 0 0 0 0 0 0 512 3 0 0 0 0 0 0\n";
        assert_eq!(net_dev(dev), (2048, 512));
        let v1 = "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\nTotal 12288\n";
        assert_eq!(block_io(Some(v1), None), (4096, 8192));
        let v2 = "8:0 rbytes=100 wbytes=200 rios=1 wios=2\n259:0 rbytes=1 wbytes=2\n";
        assert_eq!(block_io(None, Some(v2)), (101, 202));
        assert_eq!(
            keyed("usage_usec 1500\nuser_usec 1000\n", "usage_usec"),
            Some(1500)
        );
    }

    #[test]
    fn cpu_percent_scales_by_cpus() {
        let a = StatsSample {
            cpu_ns: 0,
            system_ns: 0,
            ..StatsSample::default()
        };
        let b = StatsSample {
            cpu_ns: 50,
            system_ns: 400,
            online_cpus: 4,
            ..StatsSample::default()
        };
        assert!((cpu_percent(&a, &b) - 50.0).abs() < 1e-9);
        assert_eq!(cpu_percent(&b, &b), 0.0);
    }
}
