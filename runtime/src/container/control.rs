//! The seam between the container store and running processes.
//!
//! Removing a running container with `-f` must first end its process and then release
//! what its supervisor set up (overlay mount, cgroup, runtime dir). The supervisor side
//! (`shim`) implements [`ProcessControl`]; the store only calls it. [`SignalProcesses`] is
//! the fallback used until the shim's implementation is plugged in, and in tests.

use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::record::ContainerRecord;
use super::state::RuntimeState;
use crate::Result;

/// How long `rm` and `start` wait for a supervisor that recorded its container's exit to
/// leave (it unmounts and closes sockets after; milliseconds in practice).
pub const SUPERVISOR_EXIT_GRACE: Duration = Duration::from_secs(10);

/// Ends and cleans up a container's processes.
pub trait ProcessControl: Send + Sync + std::fmt::Debug {
    /// Kills the container's processes (SIGKILL) and waits until they and the supervisor
    /// are gone. Called with the container's lock NOT held (the supervisor needs it to
    /// record the exit).
    fn kill_and_wait(&self, container: &ContainerRecord, state: &RuntimeState) -> Result<()>;

    /// Releases what the container held on the host (mounts, cgroup, runtime files) once no
    /// process runs; must succeed when there is nothing to release.
    fn cleanup(&self, container: &ContainerRecord) -> Result<()>;

    /// Waits (up to `timeout`) for a supervisor that has recorded its container's exit to
    /// finish releasing what it held and leave, so that `rm` or `start` right after the
    /// exit never races it.
    fn wait_supervisor_exit(&self, state: &RuntimeState, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while supervisor_alive(state) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Reads the start time (field 22 of `/proc/<pid>/stat`, clock ticks since boot).
pub fn process_start_ticks(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Whether a process has exited but not been reaped yet (state `Z` or `X`).
fn process_is_zombie(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    stat.rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next())
        .is_some_and(|s| s == "Z" || s == "X")
}

/// Whether the supervisor recorded in `state` is still alive (same PID, same start time,
/// so a recycled PID does not count).
pub fn supervisor_alive(state: &RuntimeState) -> bool {
    if state.supervisor_pid <= 0 {
        return false;
    }
    if process_is_zombie(state.supervisor_pid) {
        return false;
    }
    match process_start_ticks(state.supervisor_pid) {
        Some(ticks) => state.supervisor_start_ticks == 0 || ticks == state.supervisor_start_ticks,
        None => false,
    }
}

/// Fallback control: SIGKILL the container's init and its supervisor, then wait for the
/// supervisor to disappear. Releases nothing (it knows of no mounts or cgroups).
#[derive(Debug, Clone, Copy, Default)]
pub struct SignalProcesses;

impl ProcessControl for SignalProcesses {
    fn kill_and_wait(&self, _container: &ContainerRecord, state: &RuntimeState) -> Result<()> {
        if !supervisor_alive(state) {
            return Ok(());
        }
        if state.pid > 0 {
            let _ = kill(Pid::from_raw(state.pid), Signal::SIGKILL);
        }
        let _ = kill(Pid::from_raw(state.supervisor_pid), Signal::SIGKILL);
        let deadline = Instant::now() + Duration::from_secs(10);
        while supervisor_alive(state) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }

    fn cleanup(&self, _container: &ContainerRecord) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_alive_and_pid_zero_is_not() {
        let me = std::process::id() as i32;
        let ticks = process_start_ticks(me).expect("own stat readable");
        let mut state = RuntimeState::created();
        assert!(!supervisor_alive(&state));
        state.supervisor_pid = me;
        state.supervisor_start_ticks = ticks;
        assert!(supervisor_alive(&state));
        state.supervisor_start_ticks = ticks + 1;
        assert!(!supervisor_alive(&state), "a recycled PID must not count");
    }

    #[test]
    fn signal_processes_kills_a_child_supervisor() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let mut state = RuntimeState::created();
        state.supervisor_pid = pid;
        state.supervisor_start_ticks = process_start_ticks(pid).unwrap();
        // A reaper thread, as a real supervisor's parent would not be us.
        let waiter = std::thread::spawn(move || child.wait().unwrap());
        let record: ContainerRecord = serde_json::from_value(serde_json::json!({
            "Id": "x", "Created": "2024-01-01T00:00:00Z", "Path": "sleep", "Args": [],
            "Image": "sha256:x", "ResolvConfPath": "", "HostnamePath": "", "HostsPath": "",
            "LogPath": "", "Name": "/x", "Driver": "overlay2", "Platform": "linux",
            "HostConfig": serde_json::to_value(crate::container::record::HostConfig::default()).unwrap(),
            "Mounts": [], "Config": serde_json::to_value(crate::container::record::Config::default()).unwrap(),
        }))
        .unwrap();
        SignalProcesses.kill_and_wait(&record, &state).unwrap();
        let status = waiter.join().unwrap();
        assert!(!status.success());
        assert!(!supervisor_alive(&state));
    }
}
