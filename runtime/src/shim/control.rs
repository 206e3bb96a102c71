//! The supervisor side of [`ProcessControl`]: how `rm -f`, `system prune` and
//! reconciliation end a container and release what it held on the host.

use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::{cgroup, layout::Layout, overlay};
use crate::container::control::{supervisor_alive, ProcessControl};
use crate::container::record::ContainerRecord;
use crate::container::state::RuntimeState;
use crate::{Paths, Result};

/// Ends containers through their cgroup and lets their supervisors record the exit.
#[derive(Debug, Clone)]
pub struct ShimControl {
    paths: Paths,
}

impl ShimControl {
    pub fn new(paths: &Paths) -> Self {
        Self {
            paths: paths.clone(),
        }
    }
}

impl ProcessControl for ShimControl {
    fn kill_and_wait(&self, container: &ContainerRecord, state: &RuntimeState) -> Result<()> {
        let id = &container.id;
        // Stop a restart loop first, so the supervisor does not start it again.
        let layout = Layout::new(&self.paths, id);
        let _ = layout.update_state(|s| s.stopped_by_user = true);
        if state.pid > 0 {
            let _ = kill(Pid::from_raw(state.pid), Signal::SIGKILL);
        }
        let had_cgroup = !cgroup::dirs(id).is_empty();
        cgroup::kill_all(id, Duration::from_secs(10));
        // A real container's supervisor records the exit and leaves by itself; without a
        // cgroup there is nothing it could be waiting for.
        let grace = if had_cgroup { 10 } else { 0 };
        wait_exit(state, Instant::now() + Duration::from_secs(grace));
        if supervisor_alive(state) {
            let _ = kill(Pid::from_raw(state.supervisor_pid), Signal::SIGKILL);
        }
        Ok(())
    }

    fn cleanup(&self, container: &ContainerRecord) -> Result<()> {
        let layout = Layout::new(&self.paths, &container.id);
        cgroup::kill_all(&container.id, Duration::from_secs(10));
        if let Ok(mut c) = libcontainer::container::Container::load(layout.libcontainer_dir()) {
            let _ = c.delete(true);
        }
        let _ = std::fs::remove_dir_all(layout.libcontainer_dir());
        cgroup::remove(&container.id);
        // The supervisor mounts in a namespace of its own; a mount on the host's side of the
        // root filesystem only exists if someone mounted it on demand.
        if overlay::mounted_below(&layout.rootfs()) {
            overlay::unmount(&layout.rootfs());
        }
        let _ = std::fs::remove_file(layout.attach_socket());
        let _ = std::fs::remove_file(layout.console_socket());
        Ok(())
    }

    fn wait_supervisor_exit(&self, state: &RuntimeState, timeout: Duration) {
        wait_exit(state, Instant::now() + timeout);
    }
}

/// Waits until the supervisor recorded in `state` has exited, or `deadline` has passed:
/// woken by its pidfd the moment it exits, or looking every millisecond on kernels without
/// pidfds (before 5.3).
fn wait_exit(state: &RuntimeState, deadline: Instant) {
    // Opened before the liveness check below, so it cannot name a recycled PID.
    let pidfd = pidfd_open(state.supervisor_pid);
    while supervisor_alive(state) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        match &pidfd {
            Some(fd) => {
                let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
                let ms = left.as_millis().clamp(1, 100) as i32;
                let _ = poll(
                    &mut fds,
                    PollTimeout::try_from(ms).unwrap_or(PollTimeout::NONE),
                );
            }
            None => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

/// A pidfd of process `pid` (readable once it has exited), if the kernel has them.
fn pidfd_open(pid: i32) -> Option<OwnedFd> {
    if pid <= 0 {
        return None;
    }
    // SAFETY: pidfd_open(2) takes a PID and flags and returns a new descriptor or -1; it
    // reads and writes no memory of ours.
    let fd = unsafe { nix::libc::syscall(nix::libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: the kernel has just installed this descriptor for us; nothing else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}
