//! A container's cgroup as the supervisor and the engine see it: where it is on a v1
//! (one directory per controller) or v2 (one unified tree) host, whether the kernel OOM-killed
//! something in it, and how to empty and remove it when its supervisor is gone.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// Serialises creating container cgroups (shared) against removing the empty `dockerlings`
/// parent (exclusive), so the parent never vanishes between libcontainer's mkdir of it and of
/// the container's own directory. Global to the host, like the cgroup tree itself.
const PARENT_LOCK: &str = "/run/dockerlings-cgroup.lock";

/// Held while a container's cgroup is being created.
pub fn creation_guard() -> Option<crate::fsutil::FileLock> {
    crate::fsutil::FileLock::shared(Path::new(PARENT_LOCK)).ok()
}

/// Keeps the kernel's cgroup-migration lock "warm" while a container starts.
///
/// Moving a process between cgroups takes a global lock (`cgroup_threadgroup_rwsem`) for
/// writing, and the first writer after a quiet spell waits for a whole RCU grace period
/// before it gets it (10–15 ms here); writers that follow within a grace period of the last
/// one do not wait. libcontainer moves the container's first process into its cgroups a few
/// milliseconds into the start, so every start paid that wait. While this guard lives, a
/// thread of the launching process moves itself into the cgroup it is already in (a move
/// that changes nothing) every few milliseconds: the first such move pays the grace period
/// in parallel with the start's other work, and libcontainer's moves then find the lock
/// warm. The thread stops soon after the guard is dropped (not waited for: its first move
/// may still be waiting out the grace period); where no cgroup file is writable it does
/// nothing, and a start works the same, only slower.
///
/// Only on a unified (v2) host. On a v1 or hybrid host libcontainer's v1 manager moves the
/// intermediate process by writing "0" to each controller's `tasks` (our libcgroups patch,
/// `runtime/vendor/README.md`), which the kernel does without that lock; a warm-up there
/// would only hold the cgroup mutex through its grace period and make those moves wait.
#[derive(Debug)]
pub struct MigrationWarmup {
    _stop: Option<std::sync::mpsc::Sender<()>>,
}

/// How often the warm-up thread moves itself: well inside one grace period.
const WARMUP_PERIOD: Duration = Duration::from_millis(3);
/// A start that takes longer than this has other trouble; the thread gives up then.
const WARMUP_LIMIT: Duration = Duration::from_secs(2);

/// Whether this process has a warm-up thread already (one is enough).
static WARMUP_RUNNING: AtomicBool = AtomicBool::new(false);

impl MigrationWarmup {
    /// Starts the warm-up thread (none when this process's cgroup file is not found, and
    /// none when one is already running: the guard then changes nothing, and the thread lives
    /// as long as the guard that started it).
    ///
    /// Start it as early as the command allows — for `docker run` before the container's
    /// files are written, not just before the supervisor is spawned — so the grace period
    /// runs alongside as much of the start as possible.
    pub fn start() -> Self {
        if !is_v2() || WARMUP_RUNNING.swap(true, Ordering::SeqCst) {
            return Self { _stop: None };
        }
        let Some(file) = own_migration_file() else {
            WARMUP_RUNNING.store(false, Ordering::SeqCst);
            return Self { _stop: None };
        };
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("cgroup-warmup".to_string())
            .spawn(move || {
                let until = Instant::now() + WARMUP_LIMIT;
                while Instant::now() < until {
                    // v1 `tasks` moves one thread (this one), v2 `cgroup.procs` the
                    // process: either way into the cgroup it is in. Errors change nothing.
                    let _ = std::fs::write(&file, migration_id(&file).to_string());
                    match stopped.recv_timeout(WARMUP_PERIOD) {
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                        _ => break,
                    }
                }
                WARMUP_RUNNING.store(false, Ordering::SeqCst);
            });
        if spawned.is_err() {
            WARMUP_RUNNING.store(false, Ordering::SeqCst);
        }
        // Dropping the sender (with the guard) ends the thread at its next wake-up.
        Self {
            _stop: spawned.is_ok().then_some(stop),
        }
    }
}

/// The ID a write to `file` moves: this thread's for a v1 `tasks` file, the process's for
/// a v2 `cgroup.procs`.
fn migration_id(file: &Path) -> i32 {
    if file.ends_with("tasks") {
        nix::unistd::gettid().as_raw()
    } else {
        std::process::id() as i32
    }
}

/// The file that moves this process (or thread) into the cgroup it is already in: a v1
/// controller's `tasks` where there is one (its moves take the same global lock), else the
/// v2 `cgroup.procs`.
fn own_migration_file() -> Option<PathBuf> {
    let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    migration_file(Path::new(CGROUP_ROOT), &text)
}

fn migration_file(root: &Path, proc_cgroup: &str) -> Option<PathBuf> {
    let entries: Vec<(&str, &str)> = proc_cgroup
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let _id = parts.next()?;
            Some((parts.next()?, parts.next()?))
        })
        .collect();
    let v1 = entries.iter().find_map(|(controllers, path)| {
        (!controllers.is_empty() && !controllers.starts_with("name=")).then(|| {
            root.join(controllers)
                .join(path.trim_start_matches('/'))
                .join("tasks")
        })
    });
    let v2 = entries
        .iter()
        .filter(|(controllers, _)| controllers.is_empty())
        .flat_map(|(_, path)| {
            let relative = path.trim_start_matches('/');
            [
                root.join(relative).join("cgroup.procs"),
                root.join("unified").join(relative).join("cgroup.procs"),
            ]
        });
    v1.into_iter().chain(v2).find(|file| file.exists())
}

/// True when the host runs the unified (v2-only) hierarchy.
pub fn is_v2() -> bool {
    Path::new(CGROUP_ROOT).join("cgroup.controllers").exists()
}

/// Every existing directory of the container's cgroup (`/dockerlings/<id>`): one per v1
/// controller, or the single v2 directory (and the v2 tree of a hybrid host).
pub fn dirs(id: &str) -> Vec<PathBuf> {
    let relative = Path::new("dockerlings").join(id);
    let root = Path::new(CGROUP_ROOT);
    let mut out = Vec::new();
    if root.join(&relative).is_dir() {
        out.push(root.join(&relative));
    }
    if let Ok(entries) = std::fs::read_dir(root) {
        for entry in entries.flatten() {
            let dir = entry.path().join(&relative);
            if dir.is_dir() {
                out.push(dir);
            }
        }
    }
    out
}

/// Whether the kernel's OOM killer killed a process of the container (v1
/// `memory.oom_control`'s `oom_kill`, v2 `memory.events`' `oom_kill`).
pub fn oom_killed(id: &str) -> bool {
    let relative = Path::new("dockerlings").join(id);
    let root = Path::new(CGROUP_ROOT);
    let candidates = [
        root.join(&relative).join("memory.events"),
        root.join("memory")
            .join(&relative)
            .join("memory.oom_control"),
    ];
    candidates
        .iter()
        .any(|file| std::fs::read_to_string(file).is_ok_and(|text| counter(&text, "oom_kill") > 0))
}

fn counter(text: &str, key: &str) -> u64 {
    text.lines()
        .filter_map(|l| l.split_once(' '))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Sets the container's `--pids-limit` (`pids.max`) in each of its cgroup directories that
/// has the pids controller; fails when none has it.
pub fn set_pids_limit(id: &str, limit: i64) -> std::io::Result<()> {
    let files: Vec<PathBuf> = dirs(id)
        .into_iter()
        .map(|d| d.join("pids.max"))
        .filter(|f| f.exists())
        .collect();
    if files.is_empty() {
        return Err(std::io::Error::other(
            "no pids controller in the container's cgroup",
        ));
    }
    for file in files {
        std::fs::write(&file, limit.to_string())?;
    }
    Ok(())
}

/// Every process in the container's cgroup.
pub fn procs(id: &str) -> Vec<i32> {
    let mut all: Vec<i32> = dirs(id)
        .iter()
        .flat_map(|d| super::proc::cgroup_procs(d))
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// Freezes nothing, asks nothing: SIGKILLs every process in the container's cgroup until it
/// is empty (a fork racing the kill is caught by the next round). Thaws a frozen cgroup
/// first, since a frozen process cannot die.
pub fn kill_all(id: &str, timeout: Duration) -> bool {
    thaw(id);
    let deadline = Instant::now() + timeout;
    // A killed process is usually gone within a millisecond: look again soon, then less often.
    let mut pause = Duration::from_millis(1);
    loop {
        let pids = procs(id);
        if pids.is_empty() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        for pid in pids {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(5));
    }
}

/// Writes the freezer's "thawed" state, on v1 and v2.
pub fn thaw(id: &str) {
    for dir in dirs(id) {
        if dir.join("freezer.state").exists() {
            let _ = std::fs::write(dir.join("freezer.state"), "THAWED");
        }
        if dir.join("cgroup.freeze").exists() {
            let _ = std::fs::write(dir.join("cgroup.freeze"), "0");
        }
    }
}

/// Removes the container's (empty) cgroup directories, children first, then the shared
/// `dockerlings` parent where no other container still has a cgroup, so nothing is left
/// behind once the last container is gone.
pub fn remove(id: &str) {
    for dir in dirs(id) {
        remove_tree(&dir);
    }
    let Ok(_exclusive) = crate::fsutil::FileLock::exclusive(Path::new(PARENT_LOCK)) else {
        return;
    };
    for parent in parent_dirs() {
        // Fails (ENOTEMPTY/EBUSY) while another container has a cgroup below it: fine.
        let _ = std::fs::remove_dir(parent);
    }
}

/// Every existing `dockerlings` parent directory: the v2 one and one per v1 controller.
fn parent_dirs() -> Vec<PathBuf> {
    let root = Path::new(CGROUP_ROOT);
    let mut out = vec![root.join("dockerlings")];
    if let Ok(entries) = std::fs::read_dir(root) {
        out.extend(entries.flatten().map(|e| e.path().join("dockerlings")));
    }
    out.retain(|dir| dir.is_dir());
    out
}

fn remove_tree(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_tree(&entry.path());
            }
        }
    }
    let _ = std::fs::remove_dir(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_moves_into_the_cgroup_it_is_in() {
        let root = std::env::temp_dir().join(format!("dl-cg-{}", std::process::id()));
        let v1 = root.join("pids/user.slice");
        let v2 = root.join("unified/user.slice");
        std::fs::create_dir_all(&v1).unwrap();
        std::fs::create_dir_all(&v2).unwrap();
        std::fs::write(v2.join("cgroup.procs"), "").unwrap();
        let hybrid = "12:pids:/user.slice\n1:name=systemd:/user.slice\n0::/user.slice\n";
        // No v1 `tasks` file: the v2 one of the hybrid tree.
        assert_eq!(migration_file(&root, hybrid), Some(v2.join("cgroup.procs")));
        std::fs::write(v1.join("tasks"), "").unwrap();
        assert_eq!(migration_file(&root, hybrid), Some(v1.join("tasks")));
        assert_eq!(migration_file(&root, "0::/elsewhere\n"), None);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn one_warmup_thread_at_a_time_and_it_ends_with_its_guard() {
        let first = MigrationWarmup::start();
        if !is_v2() {
            // v1 moves take no global lock (see the type's docs): nothing to warm.
            assert!(first._stop.is_none(), "a warm-up thread on a v1 host");
            assert!(!WARMUP_RUNNING.load(Ordering::SeqCst));
            return;
        }
        if first._stop.is_none() {
            println!("skipping: this process's cgroup file was not found");
            return;
        }
        // `docker run` warms up before the create, then `container_start` asks again.
        let second = MigrationWarmup::start();
        assert!(second._stop.is_none(), "a second warm-up thread started");
        drop(second);
        assert!(
            WARMUP_RUNNING.load(Ordering::SeqCst),
            "the first one stopped too"
        );
        drop(first);
        let deadline = Instant::now() + Duration::from_secs(5);
        while WARMUP_RUNNING.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            !WARMUP_RUNNING.load(Ordering::SeqCst),
            "the warm-up thread outlived its guard"
        );
    }

    #[test]
    fn reads_oom_kill_counters() {
        assert_eq!(
            counter("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", "oom_kill"),
            2
        );
        assert_eq!(
            counter("low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n", "oom_kill"),
            0
        );
        assert_eq!(counter("", "oom_kill"), 0);
    }
}
