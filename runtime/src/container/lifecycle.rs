//! The lifecycle requests of the Engine API: start (detached or attached), stop, kill,
//! wait, restart, pause/unpause and logs. Starting hands the container to a supervisor
//! (`crate::shim`); everything else acts on the container's processes and cgroup directly
//! and reads the state the supervisor keeps.

use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::record::ContainerRecord;
use super::state::{RuntimeState, Status};
use crate::shim::attach::{self, Hello};
use crate::shim::layout::Layout;
use crate::shim::logfile::{self, LogEntry};
use crate::shim::{cgroup, launch, ShimError};
use crate::{Engine, Result};

/// Docker's default `stop` timeout, in seconds.
pub const DEFAULT_STOP_TIMEOUT: i64 = 10;

/// How often waiting loops look at the state again.
const POLL: Duration = Duration::from_millis(10);

/// A started container with a client attached to it.
#[derive(Debug)]
pub struct Attached {
    pub id: String,
    /// The attach connection; hand it to [`attach::run_client`].
    pub stream: UnixStream,
    pub tty: bool,
    pub open_stdin: bool,
}

/// `docker logs` options.
#[derive(Debug, Clone, Default)]
pub struct LogsOptions {
    pub follow: bool,
    /// Only the last `n` lines.
    pub tail: Option<usize>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

fn live(status: Status) -> bool {
    matches!(
        status,
        Status::Running | Status::Paused | Status::Restarting
    )
}

/// Parses a signal as Docker does: `SIGKILL`, `KILL`, `kill` or `9`.
pub fn parse_signal(text: &str) -> Result<Signal> {
    let invalid = || ShimError::InvalidSignal(text.to_string());
    if let Ok(n) = text.parse::<i32>() {
        return Signal::try_from(n).map_err(|_| invalid().into());
    }
    let upper = text.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    name.parse::<Signal>().map_err(|_| invalid().into())
}

impl Engine {
    fn layout(&self, id: &str) -> Layout {
        Layout::new(&self.paths, id)
    }

    /// The container's current (reconciled) state.
    fn fresh_state(&self, id: &str) -> Result<RuntimeState> {
        self.reconcile(id)?;
        Ok(self.container_store()?.state(id)?)
    }

    /// Call first thing in a command that is going to start a container (`docker run`),
    /// and keep the guard until the start has returned: the kernel's cgroup-migration lock
    /// then warms up while the container is created (see [`cgroup::MigrationWarmup`]).
    /// `container_start` warms it up on its own otherwise, with less to overlap.
    pub fn warm_up_for_start(&self) -> cgroup::MigrationWarmup {
        cgroup::MigrationWarmup::start()
    }

    /// `POST /containers/{id}/start`: starts a created or exited container under a new
    /// supervisor and returns its ID once the process runs. Starting a running container
    /// does nothing, as in Docker.
    pub fn container_start(&self, reference: &str) -> Result<String> {
        let (record, state) = self.container(reference)?;
        if !self.prepare_start(&record, &state)? {
            return Ok(record.id);
        }
        let _warm = cgroup::MigrationWarmup::start();
        let launch = launch::spawn(&self.paths, &record.id, false)?;
        launch.wait_started()?;
        Ok(record.id)
    }

    /// Starts a container with a client attached from before its first byte of output
    /// (`docker run` without `-d`, `docker start -a`).
    pub fn container_start_attached(&self, reference: &str, hello: Hello) -> Result<Attached> {
        let (record, state) = self.container(reference)?;
        let layout = self.layout(&record.id);
        if !self.prepare_start(&record, &state)? {
            let stream = attach::connect(&layout.attach_socket(), hello)
                .map_err(|e| ShimError::io("attach", e))?;
            return Ok(self.attached(record, stream));
        }
        let _warm = cgroup::MigrationWarmup::start();
        let mut launch = launch::spawn(&self.paths, &record.id, true)?;
        launch.wait_attach_ready()?;
        let stream = attach::connect(&layout.attach_socket(), hello)
            .map_err(|e| ShimError::io("attach", e))?;
        launch.wait_started()?;
        Ok(self.attached(record, stream))
    }

    fn attached(&self, record: ContainerRecord, stream: UnixStream) -> Attached {
        Attached {
            id: record.id,
            stream,
            tty: record.config.tty,
            open_stdin: record.config.open_stdin,
        }
    }

    /// Checks a container may start; false when it already runs.
    fn prepare_start(&self, record: &ContainerRecord, state: &RuntimeState) -> Result<bool> {
        match state.status {
            Status::Paused => return Err(ShimError::StartPaused.into()),
            Status::Running | Status::Restarting => return Ok(false),
            _ => {}
        }
        // Just exited: its supervisor may still be unmounting, and a new one must not race it.
        self.process_control()
            .wait_supervisor_exit(state, super::control::SUPERVISOR_EXIT_GRACE);
        // A fresh container was never stopped: no state to rewrite (and fsync).
        if state.stopped_by_user {
            self.container_store()?
                .update_state(&record.id, |s| s.stopped_by_user = false)?;
        }
        Ok(true)
    }

    /// `POST /containers/{id}/stop`: the stop signal (the image's, or SIGTERM), then
    /// SIGKILL after `timeout` seconds (the container's `--stop-timeout`, or 10; negative
    /// waits forever). Returns once the container has exited.
    pub fn container_stop(&self, reference: &str, timeout: Option<i64>) -> Result<()> {
        self.container_stop_with(reference, timeout, None)
    }

    /// [`Engine::container_stop`] with `docker stop -s`: another signal than the stop signal.
    pub fn container_stop_with(
        &self,
        reference: &str,
        timeout: Option<i64>,
        signal: Option<&str>,
    ) -> Result<()> {
        let (record, state) = self.container(reference)?;
        if !live(state.status) {
            return Ok(());
        }
        let id = record.id.clone();
        self.container_store()?
            .update_state(&id, |s| s.stopped_by_user = true)?;
        let signal = match signal.or(record.config.stop_signal.as_deref()) {
            Some(s) if !s.is_empty() => parse_signal(s)?,
            _ => Signal::SIGTERM,
        };
        let timeout = timeout
            .or(record.config.stop_timeout)
            .unwrap_or(DEFAULT_STOP_TIMEOUT);
        if state.pid > 0 {
            let _ = kill(Pid::from_raw(state.pid), signal);
        }
        if state.status == Status::Paused {
            cgroup::thaw(&id);
        }
        let deadline = (timeout >= 0).then(|| Instant::now() + Duration::from_secs(timeout as u64));
        loop {
            let now = match self.fresh_state(&id) {
                Ok(now) => now,
                // A `--rm` container's supervisor removed it as soon as it stopped.
                Err(e) if is_gone(&e) => break,
                Err(e) => return Err(e),
            };
            if !live(now.status) {
                break;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                self.kill_hard(&id)?;
                self.wait_not_live(&id)?;
                break;
            }
            std::thread::sleep(POLL);
        }
        if record.host_config.auto_remove {
            // `--rm`: done once the supervisor has removed the container and its anonymous
            // volumes and exited, so the next command no longer sees them.
            let deadline = Instant::now() + Duration::from_secs(10);
            while super::control::supervisor_alive(&state) && Instant::now() < deadline {
                std::thread::sleep(POLL);
            }
        }
        Ok(())
    }

    /// SIGKILL to PID 1 and everything in the cgroup.
    fn kill_hard(&self, id: &str) -> Result<()> {
        let state = match self.fresh_state(id) {
            Err(e) if is_gone(&e) => return Ok(()),
            state => state?,
        };
        if state.pid > 0 {
            let _ = kill(Pid::from_raw(state.pid), Signal::SIGKILL);
        }
        cgroup::kill_all(id, Duration::from_secs(10));
        Ok(())
    }

    fn wait_not_live(&self, id: &str) -> Result<()> {
        loop {
            match self.fresh_state(id) {
                Ok(state) if live(state.status) => std::thread::sleep(POLL),
                Err(e) if !is_gone(&e) => return Err(e),
                _ => return Ok(()),
            }
        }
    }

    /// `POST /containers/{id}/kill`: sends `signal` (default SIGKILL) to PID 1.
    pub fn container_kill(&self, reference: &str, signal: Option<&str>) -> Result<()> {
        let (record, state) = self.container(reference)?;
        let signal = parse_signal(signal.unwrap_or("SIGKILL"))?;
        let name = record.bare_name().to_string();
        match state.status {
            Status::Running => {}
            Status::Paused => {
                return Err(ShimError::KillPaused {
                    name,
                    id: record.id,
                }
                .into())
            }
            _ => {
                return Err(ShimError::KillNotRunning {
                    name,
                    id: record.id,
                }
                .into())
            }
        }
        let stop_signal = record
            .config
            .stop_signal
            .as_deref()
            .and_then(|s| parse_signal(s).ok())
            .unwrap_or(Signal::SIGTERM);
        if signal == Signal::SIGKILL || signal == stop_signal {
            self.container_store()?
                .update_state(&record.id, |s| s.stopped_by_user = true)?;
        }
        if state.pid > 0 {
            kill(Pid::from_raw(state.pid), signal).map_err(|e| ShimError::io("kill", e.into()))?;
        }
        if signal == Signal::SIGKILL {
            self.wait_not_live(&record.id)?;
        }
        Ok(())
    }

    /// `POST /containers/{id}/wait`: blocks until the container is not running and returns
    /// its exit code.
    pub fn container_wait(&self, reference: &str) -> Result<i32> {
        let id = self.container_id(reference)?;
        loop {
            let state = match self.fresh_state(&id) {
                Ok(s) => s,
                // Removed while we waited (`--rm`): Docker reports the exit it saw.
                Err(crate::Error::Container(e)) if e.is_not_found() => return Ok(0),
                Err(e) => return Err(e),
            };
            if !live(state.status) {
                return Ok(state.exit_code);
            }
            std::thread::sleep(POLL);
        }
    }

    /// `POST /containers/{id}/restart`: stop (with `timeout`) then start.
    pub fn container_restart(&self, reference: &str, timeout: Option<i64>) -> Result<String> {
        let id = self.container_id(reference)?;
        self.container_stop(&id, timeout)?;
        self.container_start(&id)
    }

    /// `POST /containers/{id}/pause`: freezes every process through the cgroup freezer.
    pub fn container_pause(&self, reference: &str) -> Result<()> {
        let (record, state) = self.container(reference)?;
        match state.status {
            Status::Running => {}
            Status::Paused => return Err(ShimError::AlreadyPaused(record.id).into()),
            _ => return Err(ShimError::NotRunning(record.id).into()),
        }
        let layout = self.layout(&record.id);
        let mut container = libcontainer::container::Container::load(layout.libcontainer_dir())
            .map_err(|e| ShimError::Start(format!("load container: {e}")))?;
        container
            .pause()
            .map_err(|e| ShimError::Start(format!("pause: {e}")))?;
        self.container_store()?.update_state(&record.id, |s| {
            if s.status == Status::Running {
                s.status = Status::Paused;
            }
        })?;
        Ok(())
    }

    /// `POST /containers/{id}/unpause`
    pub fn container_unpause(&self, reference: &str) -> Result<()> {
        let (record, state) = self.container(reference)?;
        if state.status != Status::Paused {
            return Err(ShimError::NotPaused(record.id).into());
        }
        let layout = self.layout(&record.id);
        match libcontainer::container::Container::load(layout.libcontainer_dir()) {
            Ok(mut container) => {
                if container.resume().is_err() {
                    cgroup::thaw(&record.id);
                }
            }
            Err(_) => cgroup::thaw(&record.id),
        }
        self.container_store()?.update_state(&record.id, |s| {
            if s.status == Status::Paused {
                s.status = Status::Running;
            }
        })?;
        Ok(())
    }

    /// `GET /containers/{id}/logs`: hands each entry to `sink` (which returns false to stop);
    /// with `follow`, keeps going until the container has stopped.
    pub fn container_logs(
        &self,
        reference: &str,
        opts: &LogsOptions,
        sink: &mut dyn FnMut(&LogEntry) -> std::io::Result<bool>,
    ) -> Result<()> {
        let (record, _) = self.container(reference)?;
        let path = self.layout(&record.id).log_path();
        let wanted = |e: &LogEntry| {
            opts.since.is_none_or(|s| e.time >= s) && opts.until.is_none_or(|u| e.time <= u)
        };
        let (mut entries, mut offset) =
            logfile::read_from(&path, 0).map_err(|e| ShimError::io("read log", e))?;
        entries.retain(|e| wanted(e));
        if let Some(n) = opts.tail {
            let skip = entries.len().saturating_sub(n);
            entries.drain(..skip);
        }
        for e in &entries {
            if !sink(e).map_err(|e| ShimError::io("write log", e))? {
                return Ok(());
            }
        }
        if !opts.follow {
            return Ok(());
        }
        loop {
            let running = match self.fresh_state(&record.id) {
                Ok(s) => live(s.status),
                Err(_) => false,
            };
            let (more, next) =
                logfile::read_from(&path, offset).map_err(|e| ShimError::io("read log", e))?;
            offset = next;
            for e in more.iter().filter(|e| wanted(e)) {
                if !sink(e).map_err(|e| ShimError::io("write log", e))? {
                    return Ok(());
                }
            }
            if !running {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Whether `err` says the container no longer exists: a `--rm` container is removed by its
/// supervisor the moment it stops, so whoever stopped it finds it gone, and that is success.
pub(super) fn is_gone(err: &crate::Error) -> bool {
    matches!(
        err,
        crate::Error::Container(super::ContainerError::NoSuchContainer(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_parse_in_every_docker_spelling() {
        assert_eq!(parse_signal("SIGKILL").unwrap(), Signal::SIGKILL);
        assert_eq!(parse_signal("kill").unwrap(), Signal::SIGKILL);
        assert_eq!(parse_signal("HUP").unwrap(), Signal::SIGHUP);
        assert_eq!(parse_signal("15").unwrap(), Signal::SIGTERM);
        let err = parse_signal("NOPE").unwrap_err().to_string();
        assert_eq!(err, "Invalid signal: NOPE");
    }
}
