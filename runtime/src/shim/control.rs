//! The supervisor side of [`ProcessControl`]: how `rm -f`, `system prune` and
//! reconciliation end a container and release what it held on the host.

use std::time::{Duration, Instant};

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
        let deadline = Instant::now() + Duration::from_secs(grace);
        while supervisor_alive(state) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
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
}
