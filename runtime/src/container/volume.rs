//! Named volumes (`docker volume create/ls/inspect/rm/prune`): directories under
//! `$DOCKERLINGS_ROOT/volumes/<name>/_data` that outlive containers, with Docker's `local`
//! driver semantics. Anonymous volumes (an image's `VOLUME`, `-v /path`) get a 64-hex name
//! and the `com.docker.volume.anonymous` label, as Docker 23+ marks them, so `volume prune`
//! (anonymous only by default) and `rm -v` can tell them apart.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::ContainerError;
use crate::fsutil::{self, FileLock};

/// The label Docker puts on anonymous volumes.
pub const ANONYMOUS_LABEL: &str = "com.docker.volume.anonymous";

/// A volume's metadata (`volume.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Volume {
    pub name: String,
    pub driver: String,
    pub labels: BTreeMap<String, String>,
    pub options: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
    /// The `_data` directory.
    #[serde(skip)]
    pub mountpoint: PathBuf,
}

impl Volume {
    pub fn is_anonymous(&self) -> bool {
        self.labels.contains_key(ANONYMOUS_LABEL)
    }

    /// `docker volume inspect`'s document.
    pub fn inspect(&self) -> Value {
        let map_or_null = |m: &BTreeMap<String, String>| {
            if m.is_empty() {
                Value::Null
            } else {
                json!(m)
            }
        };
        json!({
            "CreatedAt": self.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            "Driver": self.driver,
            "Labels": map_or_null(&self.labels),
            "Mountpoint": self.mountpoint.display().to_string(),
            "Name": self.name,
            "Options": map_or_null(&self.options),
            "Scope": "local",
        })
    }
}

/// The volume store.
#[derive(Debug, Clone)]
pub struct VolumeStore {
    dir: PathBuf,
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ContainerError {
    let context = context.into();
    move |e| ContainerError::io(context, e)
}

/// Docker's local volume name rule (the container name rule).
pub fn validate_name(name: &str) -> Result<(), ContainerError> {
    if super::names::is_valid(name) && !name.starts_with('/') {
        Ok(())
    } else {
        Err(ContainerError::InvalidVolumeName(name.to_string()))
    }
}

impl VolumeStore {
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, ContainerError> {
        let store = Self { dir: dir.into() };
        fs::create_dir_all(&store.dir).map_err(io(format!("create {}", store.dir.display())))?;
        if let Some(_lock) =
            FileLock::try_exclusive(&store.lock_path()).map_err(io("lock volume store"))?
        {
            fsutil::sweep_temp_entries(&store.dir).map_err(io("sweep volume store"))?;
        }
        Ok(store)
    }

    fn lock_path(&self) -> PathBuf {
        self.dir.join("lock")
    }

    /// Takes the volume store's lock.
    pub fn lock(&self) -> Result<FileLock, ContainerError> {
        FileLock::exclusive(&self.lock_path()).map_err(io("lock volume store"))
    }

    /// A volume's `_data` directory.
    pub fn data_dir(&self, name: &str) -> PathBuf {
        self.dir.join(name).join("_data")
    }

    fn read(&self, name: &str) -> Result<Volume, ContainerError> {
        let path = self.dir.join(name).join("volume.json");
        let bytes = fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                ContainerError::NoSuchVolume(name.to_string())
            } else {
                ContainerError::io(format!("read {}", path.display()), e)
            }
        })?;
        let mut volume: Volume = serde_json::from_slice(&bytes)
            .map_err(|e| ContainerError::Corrupt(format!("{}: {e}", path.display())))?;
        volume.mountpoint = self.data_dir(name);
        Ok(volume)
    }

    /// A volume by name.
    pub fn get(&self, name: &str) -> Result<Volume, ContainerError> {
        if name.is_empty() || name.contains('/') || name.starts_with('.') {
            return Err(ContainerError::NoSuchVolume(name.to_string()));
        }
        self.read(name)
    }

    /// Creates a volume, or returns the existing one of that name (as Docker does).
    pub fn create(
        &self,
        name: &str,
        labels: BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<Volume, ContainerError> {
        validate_name(name)?;
        let _lock = self.lock()?;
        if let Ok(existing) = self.read(name) {
            return Ok(existing);
        }
        let final_dir = self.dir.join(name);
        let staging = fsutil::temp_sibling(&final_dir);
        let volume = Volume {
            name: name.to_string(),
            driver: "local".to_string(),
            labels,
            options: BTreeMap::new(),
            created_at: now,
            mountpoint: self.data_dir(name),
        };
        let result = (|| {
            fs::create_dir_all(staging.join("_data")).map_err(io("create volume"))?;
            let bytes = serde_json::to_vec_pretty(&volume).expect("volumes serialize");
            fsutil::atomic_write(&staging.join("volume.json"), &bytes)
                .map_err(io("write volume.json"))?;
            // A half-made directory of that name (no volume.json) is replaced.
            if final_dir.exists() {
                fsutil::remove_tree(&final_dir).map_err(io("replace broken volume"))?;
            }
            fs::rename(&staging, &final_dir).map_err(io("create volume"))?;
            fsutil::sync_dir(&self.dir).map_err(io("sync volume store"))
        })();
        if let Err(e) = result {
            let _ = fsutil::remove_tree(&staging);
            return Err(e);
        }
        Ok(volume)
    }

    /// Every volume, sorted by name.
    pub fn list(&self) -> Result<Vec<Volume>, ContainerError> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(io("list volumes"))? {
            let entry = entry.map_err(io("list volumes"))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "lock" || !entry.path().is_dir() {
                continue;
            }
            match self.read(&name) {
                Ok(v) => out.push(v),
                Err(ContainerError::NoSuchVolume(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Removes a volume that no container uses (`users` are the IDs of those that do);
    /// returns the bytes freed.
    pub fn remove(&self, name: &str, users: &[String], force: bool) -> Result<u64, ContainerError> {
        let _lock = self.lock()?;
        match self.get(name) {
            Ok(_) => {}
            Err(ContainerError::NoSuchVolume(_)) if force => return Ok(0),
            Err(ContainerError::NoSuchVolume(n)) => return Err(ContainerError::VolumeNotFound(n)),
            Err(e) => return Err(e),
        }
        if !users.is_empty() {
            return Err(ContainerError::VolumeInUse {
                name: name.to_string(),
                ids: users.join(", "),
            });
        }
        let dir = self.dir.join(name);
        let size = super::store::dir_size(&dir.join("_data"));
        fsutil::remove_tree_atomically(&dir).map_err(io(format!("remove volume {name}")))?;
        Ok(size)
    }

    /// Size of a volume's data.
    pub fn size(&self, name: &str) -> u64 {
        super::store::dir_size(&self.data_dir(name))
    }
}

/// Whether `path` lies inside `dir`.
pub fn is_inside(path: &Path, dir: &Path) -> bool {
    path.starts_with(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-05-06T07:08:09Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn create_is_idempotent_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = VolumeStore::open(dir.path()).unwrap();
        let v = store.create("web-data", BTreeMap::new(), now()).unwrap();
        assert!(v.mountpoint.is_dir());
        fs::write(v.mountpoint.join("index.html"), "hi").unwrap();
        let again = store.create("web-data", BTreeMap::new(), now()).unwrap();
        assert_eq!(again.mountpoint, v.mountpoint);
        assert!(
            v.mountpoint.join("index.html").exists(),
            "existing data kept"
        );
        let names: Vec<String> = store.list().unwrap().into_iter().map(|v| v.name).collect();
        assert_eq!(names, ["web-data"]);
        let doc = store.get("web-data").unwrap().inspect();
        assert_eq!(doc["Driver"], "local");
        assert_eq!(doc["Scope"], "local");
        assert_eq!(doc["Labels"], Value::Null);
        assert_eq!(doc["CreatedAt"], "2024-05-06T07:08:09Z");
    }

    #[test]
    fn remove_refuses_in_use_and_reports_missing() {
        let dir = tempfile::tempdir().unwrap();
        let store = VolumeStore::open(dir.path()).unwrap();
        store.create("data", BTreeMap::new(), now()).unwrap();
        let err = store
            .remove("data", &["abc".to_string()], false)
            .unwrap_err();
        assert_eq!(err.to_string(), "remove data: volume is in use - [abc]");
        fs::write(store.data_dir("data").join("f"), "12345").unwrap();
        assert_eq!(store.remove("data", &[], false).unwrap(), 5);
        assert_eq!(
            store.remove("data", &[], false).unwrap_err().to_string(),
            "get data: no such volume"
        );
        assert_eq!(store.remove("data", &[], true).unwrap(), 0);
        assert_eq!(
            store.get("data").unwrap_err().to_string(),
            "No such volume: data"
        );
    }

    #[test]
    fn invalid_names_and_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let store = VolumeStore::open(dir.path()).unwrap();
        assert!(store.create("a", BTreeMap::new(), now()).is_err());
        assert!(store.create("bad name", BTreeMap::new(), now()).is_err());
        fs::create_dir_all(dir.path().join(".tmp-1-2-x/_data")).unwrap();
        fs::create_dir_all(dir.path().join("half")).unwrap();
        let store = VolumeStore::open(dir.path()).unwrap();
        assert!(!dir.path().join(".tmp-1-2-x").exists());
        assert!(
            store.list().unwrap().is_empty(),
            "a dir without volume.json is no volume"
        );
        store.create("half", BTreeMap::new(), now()).unwrap();
        assert_eq!(store.list().unwrap().len(), 1);
    }
}
