//! What the benchmarks share: timing a command, summarising samples, and cleaning up after
//! podman (its cgroups and the mounts its storage leaves).

#![allow(dead_code)] // each bench uses a different part

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Median and 10th/90th percentiles (nearest rank), in milliseconds.
pub struct Stats {
    pub median: f64,
    pub p10: f64,
    pub p90: f64,
}

impl Stats {
    pub fn of(samples: &[Duration]) -> Self {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let rank = |p: f64| ms[((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
        Self {
            median: rank(0.5),
            p10: rank(0.1),
            p90: rank(0.9),
        }
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1} {:.1}–{:.1}", self.median, self.p10, self.p90)
    }
}

pub fn check(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `cmd` to completion; returns how long it took and what it printed.
pub fn timed(cmd: &mut Command) -> (Duration, Output) {
    let start = Instant::now();
    let out = cmd.stdin(Stdio::null()).output().expect("spawn");
    (start.elapsed(), out)
}

/// Where podman's cgroupfs manager puts its containers and `conmon`: `libpod_parent` in
/// every hierarchy.
pub fn podman_cgroups() -> impl Iterator<Item = PathBuf> {
    let root = Path::new("/sys/fs/cgroup");
    let mut dirs = vec![root.join("libpod_parent")];
    if let Ok(entries) = std::fs::read_dir(root) {
        dirs.extend(entries.flatten().map(|e| e.path().join("libpod_parent")));
    }
    dirs.into_iter()
}

/// Removes an (empty) cgroup and its child cgroups, children first.
pub fn remove_cgroup_tree(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_cgroup_tree(&entry.path());
            }
        }
    }
    let _ = std::fs::remove_dir(dir);
}

/// Unmounts whatever is mounted at or below `dir`, deepest first.
pub fn unmount_below(dir: &Path) {
    let prefix = dir.display().to_string();
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut points: Vec<&str> = mountinfo
        .lines()
        .filter_map(|l| l.split_whitespace().nth(4))
        .filter(|p| *p == prefix || p.starts_with(&format!("{prefix}/")))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in points {
        let _ = nix::mount::umount2(p, nix::mount::MntFlags::MNT_DETACH);
    }
}

/// dockerlings with a temporary state.
pub struct Ours {
    pub root: tempfile::TempDir,
    pub run: tempfile::TempDir,
}

impl Ours {
    /// `run_prefix`: a short prefix for the run dir (unix socket paths must fit 108 bytes).
    pub fn new(run_prefix: &str) -> Self {
        Self {
            root: tempfile::Builder::new()
                .prefix("dl-bench-")
                .tempdir()
                .unwrap(),
            // Short: unix socket paths below it must fit in 108 bytes.
            run: tempfile::Builder::new()
                .prefix(run_prefix)
                .tempdir_in("/tmp")
                .unwrap(),
        }
    }

    pub fn docker(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockerlings"));
        cmd.arg("docker")
            .args(args)
            .env("DOCKERLINGS_ROOT", self.root.path())
            .env("DOCKERLINGS_RUN", self.run.path())
            .env("DOCKERLINGS_OFFLINE", "1")
            .env("LANG", "C");
        cmd
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.docker(args).stdin(Stdio::null()).output().unwrap();
        check(&format!("dockerlings docker {args:?}"), &out);
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Ours {
    fn drop(&mut self) {
        let out = self.docker(&["ps", "-aq", "--no-trunc"]).output();
        if let Ok(out) = out {
            for id in String::from_utf8_lossy(&out.stdout).lines() {
                let _ = self.docker(&["rm", "-f", id]).output();
                dockerlings_runtime::shim::cgroup::kill_all(id, Duration::from_secs(5));
                dockerlings_runtime::shim::cgroup::remove(id);
            }
        }
        // The bridges live in the engine's lab host namespace.
        let _ = dockerlings_runtime::network::labhost::teardown(self.run.path());
    }
}
