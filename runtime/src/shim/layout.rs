//! Where one container's files are (see `container/mod.rs` for the on-disk layout), and
//! crash-safe reads and updates of its `state.json` under its lock.

use std::path::PathBuf;

use super::ShimError;
use crate::container::state::RuntimeState;
use crate::fsutil::{self, FileLock};
use crate::Paths;

/// The files of one container.
#[derive(Debug, Clone)]
pub struct Layout {
    pub id: String,
    pub dir: PathBuf,
    pub run_dir: PathBuf,
    /// libcontainer's state root (its per-container directories live below it).
    pub libcontainer_root: PathBuf,
}

impl Layout {
    pub fn new(paths: &Paths, id: &str) -> Self {
        Self {
            id: id.to_string(),
            dir: crate::container::containers_dir(paths).join(id),
            run_dir: crate::container::run_dir(paths, id),
            libcontainer_root: paths.run().join("libcontainer"),
        }
    }

    pub fn lock_path(&self) -> PathBuf {
        self.dir.join("lock")
    }
    pub fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }
    pub fn log_path(&self) -> PathBuf {
        self.dir.join(format!("{}-json.log", self.id))
    }
    pub fn rootfs(&self) -> PathBuf {
        self.dir.join("rootfs")
    }
    pub fn upper(&self) -> PathBuf {
        self.dir.join("upper")
    }
    pub fn work(&self) -> PathBuf {
        self.dir.join("work")
    }
    pub fn bundle(&self) -> PathBuf {
        self.dir.join("bundle")
    }
    /// The attach socket clients (`docker attach`, foreground `run`) connect to.
    pub fn attach_socket(&self) -> PathBuf {
        self.run_dir.join("attach.sock")
    }
    /// Where libcontainer's init sends the pty master (`-t`).
    pub fn console_socket(&self) -> PathBuf {
        self.run_dir.join("console.sock")
    }
    /// libcontainer's own state directory of this container.
    pub fn libcontainer_dir(&self) -> PathBuf {
        self.libcontainer_root.join(&self.id)
    }

    /// Takes the container's lock.
    pub fn lock(&self) -> Result<FileLock, ShimError> {
        FileLock::exclusive(&self.lock_path()).map_err(|e| ShimError::io("lock container", e))
    }

    /// Reads `state.json`; a container without one is freshly created.
    pub fn read_state(&self) -> Result<RuntimeState, ShimError> {
        match std::fs::read(self.state_path()) {
            Ok(bytes) => crate::container::store::parse_state(&bytes)
                .map_err(|e| ShimError::Corrupt(format!("{}: {e}", self.state_path().display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(RuntimeState::created()),
            Err(e) => Err(ShimError::io("read state", e)),
        }
    }

    /// Writes `state.json` atomically, not forced to disk (call with the lock held; see
    /// [`fsutil::replace`]).
    pub fn write_state(&self, state: &RuntimeState) -> Result<(), ShimError> {
        let bytes = serde_json::to_vec_pretty(state).expect("state always serializes");
        fsutil::replace(&self.state_path(), &bytes).map_err(|e| ShimError::io("write state", e))
    }

    /// Reads, changes and writes the state under the container's lock; returns the new state.
    pub fn update_state(
        &self,
        change: impl FnOnce(&mut RuntimeState),
    ) -> Result<RuntimeState, ShimError> {
        if !self.dir.is_dir() {
            return Err(ShimError::Gone(self.id.clone()));
        }
        let _lock = self.lock()?;
        let mut state = self.read_state()?;
        let before = state.clone();
        change(&mut state);
        // A change that changes nothing (clearing ports a container never had, at every exit)
        // costs no new file.
        if state != before {
            self.write_state(&state)?;
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;

    #[test]
    fn an_update_that_changes_nothing_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = Paths::new(tmp.path().join("root"), tmp.path().join("run"));
        let layout = Layout::new(&paths, "c0ffee");
        std::fs::create_dir_all(&layout.dir).unwrap();
        layout.update_state(|s| s.restart_count = 2).unwrap();
        let inode = || std::fs::metadata(layout.state_path()).unwrap().ino();
        let written = inode();
        let state = layout.update_state(|s| s.ports.clear()).unwrap();
        assert_eq!(inode(), written, "no new state.json");
        assert_eq!(state.restart_count, 2);
        layout.update_state(|s| s.restart_count = 3).unwrap();
        assert_ne!(inode(), written, "a real change is written");
        assert_eq!(layout.read_state().unwrap().restart_count, 3);
    }
}
