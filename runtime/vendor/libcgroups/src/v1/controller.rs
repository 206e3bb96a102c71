use std::fs;
use std::path::Path;

use nix::unistd::Pid;

use crate::common::{self, CGROUP_PROCS, ControllerOpt, WrapIoResult, WrappedIoError};

/// The v1 file that moves one thread; "0" in it means the calling thread.
const CGROUP_TASKS: &str = "tasks";

pub(super) trait Controller {
    type Error: From<WrappedIoError>;
    type Resource;

    /// Adds a new task specified by its pid to the cgroup
    fn add_task(pid: Pid, cgroup_path: &Path) -> Result<(), Self::Error> {
        fs::create_dir_all(cgroup_path).wrap_create_dir(cgroup_path)?;
        write_task(cgroup_path, pid)?;
        Ok(())
    }

    /// Applies resource restrictions to the cgroup
    fn apply(controller_opt: &ControllerOpt, cgroup_root: &Path) -> Result<(), Self::Error>;

    /// Checks if the controller needs to handle this request
    fn needs_to_handle<'a>(controller_opt: &'a ControllerOpt) -> Option<&'a Self::Resource>;
}

// dockerlings patch: moves `pid` into the cgroup at `cgroup_path`.
//
// Writing a pid to `cgroup.procs` (or `tasks`) takes the kernel's global threadgroup lock for
// writing, and the first such writer after a quiet spell waits for a whole RCU grace period
// (10-15 ms on the machines we measured) — in every container start, since the intermediate
// process moves itself. Writing "0" to `tasks` moves just the calling thread, which the kernel
// does without that lock (cgroup_procs_write_start: only `pid || threadgroup` locks). When the
// caller moves itself and is its process's only thread, that thread is the whole process, so
// the result is the same as writing its pid to `cgroup.procs`. Anything else goes as upstream.
pub(super) fn write_task(cgroup_path: &Path, pid: Pid) -> Result<(), WrappedIoError> {
    if pid == nix::unistd::getpid() && is_single_threaded() {
        return common::write_cgroup_file(cgroup_path.join(CGROUP_TASKS), 0);
    }
    common::write_cgroup_file(cgroup_path.join(CGROUP_PROCS), pid)
}

/// Whether the calling process has one thread (false when that cannot be read).
fn is_single_threaded() -> bool {
    fs::read_dir("/proc/self/task")
        .map(|tasks| tasks.take(2).count() == 1)
        .unwrap_or(false)
}
