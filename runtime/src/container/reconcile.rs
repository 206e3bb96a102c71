//! Reconciliation: a container whose `state.json` says a process runs, but whose
//! supervisor is gone (killed, crashed, or the machine rebooted), is marked exited.
//!
//! This is the hook the supervisor side extends (restart policies after a crash, releasing
//! a leaked overlay mount or cgroup through [`ProcessControl::cleanup`]); the engine calls it
//! before it shows or changes a container.

use chrono::Utc;

use super::control::{supervisor_alive, ProcessControl};
use super::state::Status;
use super::store::ContainerStore;
use crate::Result;

/// The exit code Docker reports for a container whose runtime lost track of it.
pub const LOST_EXIT_CODE: i32 = 255;

/// Brings one container's state in line with reality; returns whether it changed.
pub fn reconcile(store: &ContainerStore, control: &dyn ProcessControl, id: &str) -> Result<bool> {
    let state = store.state(id)?;
    if !needs_reconcile(&state) {
        return Ok(false);
    }
    let changed = {
        let _lock = store.lock_container(id)?;
        let mut state = store.state(id)?;
        if !needs_reconcile(&state) {
            false
        } else {
            state.status = Status::Exited;
            if state.finished_at.is_none() || state.finished_at < state.started_at {
                state.exit_code = LOST_EXIT_CODE;
                state.finished_at = Some(Utc::now());
            }
            state.pid = 0;
            state.ports.clear();
            state.supervisor_pid = 0;
            state.supervisor_start_ticks = 0;
            store.write_state(id, &state)?;
            true
        }
    };
    if changed {
        control.cleanup(&store.record(id)?)?;
    }
    Ok(changed)
}

/// A live status without a live supervisor.
pub fn needs_reconcile(state: &super::state::RuntimeState) -> bool {
    matches!(
        state.status,
        Status::Running | Status::Paused | Status::Restarting | Status::Removing
    ) && !supervisor_alive(state)
}
