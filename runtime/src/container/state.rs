//! The runtime state of a container, as `docker ps` and `docker inspect` report it.
//!
//! This is the contract between the engine (which creates and removes containers) and the
//! per-container supervisor (which starts the process, waits for it and records how it
//! ended). Both write it with `fsutil::atomic_write` while holding the container's lock.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Docker's container states (`State.Status` in inspect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
}

/// Everything about a container that changes while it lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuntimeState {
    pub status: Status,
    /// Host PID of the container's init process (PID 1 inside), 0 when not running.
    pub pid: i32,
    /// Host PID of the supervisor process, 0 when none.
    pub supervisor_pid: i32,
    /// Start time of the supervisor process (from /proc/<pid>/stat, clock ticks since boot):
    /// with `supervisor_pid`, tells a live supervisor from a recycled PID.
    pub supervisor_start_ticks: u64,
    pub exit_code: i32,
    pub oom_killed: bool,
    /// Set when `docker stop`/`kill` asked the container to end (restart policies skip it).
    pub stopped_by_user: bool,
    pub restart_count: u32,
    pub error: String,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// What the supervisor's port proxies listen on while it runs.
    #[serde(default)]
    pub ports: Vec<crate::network::ports::PublishedPort>,
}

impl RuntimeState {
    /// The state of a container that was just created.
    pub fn created() -> Self {
        Self {
            status: Status::Created,
            pid: 0,
            supervisor_pid: 0,
            supervisor_start_ticks: 0,
            exit_code: 0,
            oom_killed: false,
            stopped_by_user: false,
            restart_count: 0,
            error: String::new(),
            started_at: None,
            finished_at: None,
            ports: Vec::new(),
        }
    }
}
