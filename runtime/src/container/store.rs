//! The container store: one directory per container under `$DOCKERLINGS_ROOT/containers`.
//!
//! Crash safety: a container is assembled in a `.tmp-` directory and renamed into place in
//! one step, and removed by renaming it to a `.tmp-` name before deleting; leftovers of a
//! killed process are swept when the store is next opened with nobody else working in it.
//! Locks: `containers/lock` (exclusive) guards name allocation, renames and removals; each
//! container's `lock` guards its `state.json`. Readers need no lock: every file is replaced
//! atomically and directories appear and disappear by rename.

use std::fs;
use std::path::{Path, PathBuf};

use super::record::ContainerRecord;
use super::state::RuntimeState;
use super::{id, names, ContainerError};
use crate::fsutil::{self, FileLock};
use crate::Paths;

/// The state file's name inside a container directory.
pub const STATE_FILE: &str = "state.json";
/// The per-container lock file.
pub const LOCK_FILE: &str = "lock";

/// A container [taken out](ContainerStore::take_out) of the store whose files are still on
/// disk, under a `.tmp-` name; holds the store lock.
#[derive(Debug)]
#[must_use = "finish deletes the files and lets go of the store lock"]
pub struct Removal {
    _lock: FileLock,
    doomed: PathBuf,
    run_dir: PathBuf,
}

impl Removal {
    /// Deletes the container's files (its directory and its runtime directory).
    pub fn finish(self) -> Result<(), ContainerError> {
        fsutil::remove_tree(&self.doomed)
            .map_err(io(format!("remove {}", self.doomed.display())))?;
        fsutil::remove_tree(&self.run_dir).map_err(io("remove runtime dir"))?;
        Ok(())
    }
}

/// The container store on disk.
#[derive(Debug, Clone)]
pub struct ContainerStore {
    dir: PathBuf,
    run_dir: PathBuf,
}

/// One container as read from disk.
#[derive(Debug, Clone)]
pub struct Entry {
    pub record: ContainerRecord,
    pub state: RuntimeState,
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ContainerError {
    let context = context.into();
    move |e| ContainerError::io(context, e)
}

impl ContainerStore {
    /// Opens the store (creating it), sweeping leftovers when no other process holds it.
    pub fn open(paths: &Paths) -> Result<Self, ContainerError> {
        let store = Self {
            dir: super::containers_dir(paths),
            run_dir: paths.run().join("containers"),
        };
        fs::create_dir_all(&store.dir).map_err(io(format!("create {}", store.dir.display())))?;
        if let Some(_lock) =
            FileLock::try_exclusive(&store.lock_path()).map_err(io("lock container store"))?
        {
            fsutil::sweep_temp_entries(&store.dir).map_err(io("sweep container store"))?;
        }
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn lock_path(&self) -> PathBuf {
        self.dir.join("lock")
    }

    /// A container's directory.
    pub fn container_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// A container's runtime directory (`$DOCKERLINGS_RUN/containers/<id>`).
    pub fn run_dir(&self, id: &str) -> PathBuf {
        self.run_dir.join(id)
    }

    /// Takes the store lock (names, renames, removals), sweeping leftovers first.
    pub fn lock(&self) -> Result<FileLock, ContainerError> {
        let lock = FileLock::exclusive(&self.lock_path()).map_err(io("lock container store"))?;
        fsutil::sweep_temp_entries(&self.dir).map_err(io("sweep container store"))?;
        Ok(lock)
    }

    /// Takes a container's own lock (for changing its state).
    pub fn lock_container(&self, id: &str) -> Result<FileLock, ContainerError> {
        let dir = self.container_dir(id);
        if !dir.is_dir() {
            return Err(ContainerError::NoSuchContainer(id.to_string()));
        }
        FileLock::exclusive(&dir.join(LOCK_FILE)).map_err(io(format!("lock container {id}")))
    }

    /// The IDs of all containers.
    pub fn ids(&self) -> Result<Vec<String>, ContainerError> {
        let mut ids = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ids),
            Err(e) => return Err(ContainerError::io("list containers", e)),
        };
        for entry in entries {
            let entry = entry.map_err(io("list containers"))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if id::is_full_id(&name) && entry.path().join(super::record::RECORD_FILE).is_file() {
                ids.push(name);
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// Reads a container's record.
    pub fn record(&self, id: &str) -> Result<ContainerRecord, ContainerError> {
        let dir = self.container_dir(id);
        if !dir.is_dir() {
            return Err(ContainerError::NoSuchContainer(id.to_string()));
        }
        ContainerRecord::load(&dir)
    }

    /// Reads a container's runtime state.
    pub fn state(&self, id: &str) -> Result<RuntimeState, ContainerError> {
        let path = self.container_dir(id).join(STATE_FILE);
        let bytes = fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                ContainerError::NoSuchContainer(id.to_string())
            } else {
                ContainerError::io(format!("read {}", path.display()), e)
            }
        })?;
        parse_state(&bytes).map_err(|e| ContainerError::Corrupt(format!("{}: {e}", path.display())))
    }

    /// Writes a container's runtime state; call with its lock held.
    pub fn write_state(&self, id: &str, state: &RuntimeState) -> Result<(), ContainerError> {
        write_state_file(&self.container_dir(id), state)
    }

    /// Changes a container's state under its lock; returns the new state.
    pub fn update_state(
        &self,
        id: &str,
        change: impl FnOnce(&mut RuntimeState),
    ) -> Result<RuntimeState, ContainerError> {
        let _lock = self.lock_container(id)?;
        let mut state = self.state(id)?;
        change(&mut state);
        self.write_state(id, &state)?;
        Ok(state)
    }

    /// Every container with its state, in no particular order. Containers removed while
    /// listing are skipped.
    pub fn list(&self) -> Result<Vec<Entry>, ContainerError> {
        let mut out = Vec::new();
        for id in self.ids()? {
            let record = match self.record(&id) {
                Ok(r) => r,
                Err(ContainerError::NoSuchContainer(_)) => continue,
                Err(ContainerError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound =>
                {
                    continue
                }
                Err(e) => return Err(e),
            };
            let state = match self.state(&id) {
                Ok(s) => s,
                Err(ContainerError::NoSuchContainer(_)) => continue,
                Err(e) => return Err(e),
            };
            out.push(Entry { record, state });
        }
        Ok(out)
    }

    /// `(id, name)` of every container.
    pub fn names(&self) -> Result<Vec<(String, String)>, ContainerError> {
        Ok(self
            .list()?
            .into_iter()
            .map(|e| (e.record.id, e.record.name))
            .collect())
    }

    /// Resolves a reference (full ID, name with or without `/`, unique ID prefix).
    pub fn resolve(&self, reference: &str) -> Result<String, ContainerError> {
        let names = self.names()?;
        id::resolve(
            reference,
            names.iter().map(|(i, n)| (i.as_str(), n.as_str())),
        )
    }

    fn check_name_free(names: &[(String, String)], name: &str) -> Result<(), ContainerError> {
        match names.iter().find(|(_, n)| n == name) {
            Some((id, _)) => Err(ContainerError::NameConflict {
                name: name.to_string(),
                id: id.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Creates a container. Under the store lock: validates or picks the name, picks an
    /// ID, lets `build(id, name, final_dir, staging_dir)` produce the record (and write its
    /// own files into the staging directory), writes `container.json` and a `created`
    /// `state.json`, makes `rootfs/`, `upper/`, `work/`, `bundle/`, and renames the staging
    /// directory into place.
    pub fn create(
        &self,
        name: Option<&str>,
        build: impl FnOnce(&str, &str, &Path, &Path) -> crate::Result<ContainerRecord>,
    ) -> crate::Result<ContainerRecord> {
        let wanted = match name.filter(|n| !n.is_empty()) {
            Some(n) => Some(names::normalize(n)?),
            None => None,
        };
        let _lock = self.lock()?;
        let taken = self.names()?;
        let name = match wanted {
            Some(n) => {
                Self::check_name_free(&taken, &n)?;
                n
            }
            None => names::random_free(|n| taken.iter().any(|(_, t)| t == n)),
        };
        let mut new_id = id::generate();
        while taken.iter().any(|(i, _)| *i == new_id) {
            new_id = id::generate();
        }
        let final_dir = self.container_dir(&new_id);
        let staging = fsutil::temp_sibling(&final_dir);
        let result = (|| {
            for sub in ["rootfs", "upper", "work", "bundle"] {
                fs::create_dir_all(staging.join(sub))
                    .map_err(io(format!("create {}", staging.join(sub).display())))?;
            }
            let record = build(&new_id, &name, &final_dir, &staging)?;
            record.save_new(&staging)?;
            write_state_file(&staging, &RuntimeState::created())?;
            fs::write(staging.join(LOCK_FILE), b"").map_err(io("create container lock"))?;
            // Everything in it at once (an fsync per file and directory cost a device flush
            // each: seven per `docker run` with the two below, ~3 ms on the CI machine).
            fsutil::sync_filesystem(&staging).map_err(io("sync container dir"))?;
            fs::rename(&staging, &final_dir)
                .map_err(io(format!("rename into {}", final_dir.display())))?;
            fsutil::sync_dir(&self.dir).map_err(io("sync container store"))?;
            Ok(record)
        })();
        if result.is_err() {
            let _ = fsutil::remove_tree(&staging);
        }
        result
    }

    /// Renames a container (`docker rename`), with Docker's checks and errors.
    pub fn rename(
        &self,
        reference: &str,
        new_name: &str,
    ) -> Result<ContainerRecord, ContainerError> {
        if reference.is_empty() || new_name.is_empty() {
            return Err(ContainerError::EmptyRename);
        }
        let new_name = names::normalize(new_name)?;
        let _lock = self.lock()?;
        let id = self.resolve(reference)?;
        let mut record = self.record(&id)?;
        if record.name == new_name {
            return Err(ContainerError::SameName);
        }
        Self::check_name_free(&self.names()?, &new_name)?;
        let _container = self.lock_container(&id)?;
        record.name = new_name;
        record.save(&self.container_dir(&id))?;
        Ok(record)
    }

    /// Deletes a container's directories; the caller has made sure no process runs.
    /// Holds the store lock, then the container's.
    pub fn delete(&self, id: &str) -> Result<(), ContainerError> {
        self.take_out(id)?.finish()
    }

    /// The first half of [`delete`](Self::delete): under the store lock (then the
    /// container's), renames the container's directory to a `.tmp-` name, after which no
    /// command sees the container and its name is free. The files go with
    /// [`Removal::finish`], which the store lock is held until; dropped unfinished, or if
    /// this process dies first, they are swept by the next taker of the lock.
    pub fn take_out(&self, id: &str) -> Result<Removal, ContainerError> {
        let lock = self.lock()?;
        let dir = self.container_dir(id);
        if !dir.is_dir() {
            return Err(ContainerError::NoSuchContainer(id.to_string()));
        }
        let doomed = {
            let _container = self.lock_container(id)?;
            fsutil::rename_aside(&dir).map_err(io(format!("remove {}", dir.display())))?
        };
        Ok(Removal {
            _lock: lock,
            doomed,
            run_dir: self.run_dir(id),
        })
    }

    /// Bytes in a container's writable layer (`docker ps -s`'s first number).
    pub fn size_rw(&self, id: &str) -> u64 {
        dir_size(&self.container_dir(id).join("upper"))
    }
}

/// Parses `state.json`. An empty file is what a power loss can leave of a state written
/// without fsync ([`fsutil::replace`]): no process can have survived it, so it reads as a
/// container that is not running.
pub fn parse_state(bytes: &[u8]) -> Result<RuntimeState, serde_json::Error> {
    if bytes.is_empty() {
        return Ok(RuntimeState::created());
    }
    serde_json::from_slice(bytes)
}

/// Writes `state.json` into a container directory, atomically (not forced to disk: see
/// [`fsutil::replace`]).
pub fn write_state_file(dir: &Path, state: &RuntimeState) -> Result<(), ContainerError> {
    let path = dir.join(STATE_FILE);
    let bytes = serde_json::to_vec_pretty(state).expect("states always serialize");
    fsutil::replace(&path, &bytes)
        .map_err(|e| ContainerError::io(format!("write {}", path.display()), e))
}

/// The apparent size of the files under `dir` (symlinks not followed).
pub fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut total = 0;
    for entry in entries.flatten() {
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        if meta.is_dir() {
            total += dir_size(&entry.path());
        } else if meta.is_file() {
            total += meta.len();
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::state::Status;

    #[test]
    fn an_empty_state_file_reads_as_a_container_that_is_not_running() {
        let state = parse_state(b"").unwrap();
        assert_eq!(state.status, Status::Created);
        assert_eq!(state.supervisor_pid, 0);
        assert!(parse_state(b"{").is_err(), "a damaged file stays an error");
    }
}
