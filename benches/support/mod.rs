//! What the benchmarks share: timing a command, summarising samples, and cleaning up after
//! podman (its cgroups and the mounts its storage leaves).

#![allow(dead_code)] // each bench uses a different part

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// True when the bench may run (it needs root: `what` says why). Without root it fails
/// under CI (`CI` set) and otherwise prints why it skips.
pub fn have_root(bench: &str, why: &str) -> bool {
    if nix::unistd::Uid::effective().is_root() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the {bench} benchmark needs root in CI"
    );
    println!("skipping: the {bench} benchmark needs root ({why})");
    false
}

/// A positive count from the environment (`BENCH_RUNS` and the like), or `default`.
pub fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

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

/// Processes that outlive the command that started them, by command name: podman's `conmon`
/// (and the `podman container cleanup` it starts when a container ends) and runc. Our
/// supervisors are known by their `__supervise` argument (their command name is `exe`).
const BACKGROUND: &[&str] = &["conmon", "podman", "runc"];

/// Waits (at most 3 s) until no process of either side is still finishing an earlier
/// command in the background, so a measured command never shares the CPUs with the clean-up
/// of the one before it (podman's runs in particular hand their clean-up to a new `podman`
/// process after they return). Called before a measurement that starts from no running
/// container — with one running, its supervisor or `conmon` would be waited for in vain.
pub fn wait_quiet() {
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline && background_busy() {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Whether a process named in [`BACKGROUND`], or a supervisor, exists (other than this one).
fn background_busy() -> bool {
    let me = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
        else {
            return false;
        };
        if pid == me {
            return false;
        }
        let named = std::fs::read_to_string(entry.path().join("comm"))
            .is_ok_and(|comm| BACKGROUND.contains(&comm.trim()));
        named
            || std::fs::read(entry.path().join("cmdline"))
                .is_ok_and(|c| c.split(|&b| b == 0).nth(1) == Some(b"__supervise".as_slice()))
    })
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

/// podman as the peer of a benchmark, with everything it writes kept in a temporary
/// directory (`--root`, `--runroot`, `--tmpdir`, `--network-config-dir`), a `CONTAINERS_CONF`
/// of its own (the ulimits and runtime this machine needs) and our own images loaded into it
/// (`dockerlings docker save … | podman load`: no internet). Dropping it removes its
/// containers, images, mounts, and the paths and cgroups it made outside its directory.
pub struct Podman {
    dir: tempfile::TempDir,
    /// Paths podman (as root) writes whatever its options say; removed afterwards when this
    /// run created them.
    created_outside: Vec<PathBuf>,
    /// The same for its `libpod_parent` cgroups (one per controller on cgroup v1).
    created_cgroups: Vec<PathBuf>,
}

impl Podman {
    /// Sets podman up and loads `images` from `ours`; `outside` lists the paths it writes
    /// whatever it is told. The reason when podman cannot be used here.
    pub fn new(ours: &Ours, images: &[&str], outside: &[&str]) -> Result<Self, String> {
        match Command::new("podman").arg("--version").output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => return Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
            Err(e) => return Err(format!("podman: {e}")),
        }
        let dir = tempfile::Builder::new()
            .prefix("dl-podman-")
            .tempdir()
            .unwrap();
        std::fs::write(
            dir.path().join("containers.conf"),
            "[containers]\n\
             default_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n\
             [engine]\n\
             runtime = \"runc\"\n",
        )
        .unwrap();
        let podman = Self {
            dir,
            created_outside: outside
                .iter()
                .map(PathBuf::from)
                .filter(|p| !p.exists())
                .collect(),
            created_cgroups: podman_cgroups().filter(|p| !p.exists()).collect(),
        };
        let mut save_args = vec!["save"];
        save_args.extend_from_slice(images);
        let mut save = ours
            .docker(&save_args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let load = podman
            .command(&["load"])
            .stdin(save.stdout.take().unwrap())
            .output();
        let saved = save.wait().unwrap();
        let load = load.map_err(|e| format!("podman load: {e}"))?;
        assert!(saved.success(), "dockerlings docker save failed");
        if !load.status.success() {
            return Err(format!(
                "podman load failed: {}",
                String::from_utf8_lossy(&load.stderr).trim()
            ));
        }
        Ok(podman)
    }

    /// Runs a first container (`run` arguments after `run`): whether podman works here.
    pub fn probe(self, run: &[&str]) -> Result<Self, String> {
        let mut args = vec!["run"];
        args.extend_from_slice(run);
        match self.command(&args).output() {
            Ok(out) if out.status.success() => Ok(self),
            Ok(out) => Err(format!(
                "podman run failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => Err(format!("podman run: {e}")),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `podman <args>` on this podman's own storage and configuration.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("podman");
        cmd.arg("--root")
            .arg(self.path("root"))
            .arg("--runroot")
            .arg(self.path("runroot"))
            .arg("--tmpdir")
            .arg(self.path("tmp"))
            .arg("--network-config-dir")
            .arg(self.path("networks"))
            .args(args)
            .env("CONTAINERS_CONF", self.path("containers.conf"));
        cmd
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        let _ = self.command(&["rm", "-a", "-f", "-t", "0"]).output();
        let _ = self.command(&["rmi", "-a", "-f"]).output();
        unmount_below(self.dir.path());
        for path in &self.created_outside {
            unmount_below(path);
            let _ = std::fs::remove_dir_all(path);
        }
        for path in &self.created_cgroups {
            remove_cgroup_tree(path);
        }
    }
}
