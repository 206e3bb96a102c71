//! A container's cgroup as the supervisor and the engine see it: where it is on a v1
//! (one directory per controller) or v2 (one unified tree) host, whether the kernel OOM-killed
//! something in it, and how to empty and remove it when its supervisor is gone.

use std::path::{Path, PathBuf};
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
