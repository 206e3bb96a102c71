//! The network store: one JSON file per network under `$DOCKERLINGS_ROOT/networks/<id>.json`.
//!
//! Crash safety: every file is written as "temporary file, fsync, rename" and removed by a
//! single unlink, so a reader (who takes no lock) sees a network either whole or not at all.
//! Writers hold `networks/lock`; leftovers of a killed writer (`.tmp-*` files) are swept when
//! the lock is next taken. The three predefined networks (`bridge`, `host`, `none`) are
//! written on first use, under the lock, with random IDs that then stay for the life of the
//! engine root.
//!
//! Lock order: the container store's lock first (address allocation reads container records
//! under it), then this one.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::ipam::{self, Cidr};
use super::model::NetworkRecord;
use super::NetworkError;
use crate::fsutil::{self, FileLock};
use crate::Paths;

/// The default bridge's driver options, as Docker 25 reports them.
pub const DEFAULT_BRIDGE_OPTIONS: &[(&str, &str)] = &[
    ("com.docker.network.bridge.default_bridge", "true"),
    ("com.docker.network.bridge.enable_icc", "true"),
    ("com.docker.network.bridge.enable_ip_masquerade", "true"),
    ("com.docker.network.bridge.host_binding_ipv4", "0.0.0.0"),
    ("com.docker.network.bridge.name", "docker0"),
    ("com.docker.network.driver.mtu", "1500"),
];

/// The network store on disk.
#[derive(Debug, Clone)]
pub struct NetworkStore {
    dir: PathBuf,
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> NetworkError {
    let context = context.into();
    move |e| NetworkError::io(context, e)
}

/// `$DOCKERLINGS_ROOT/networks`.
pub fn networks_dir(paths: &Paths) -> PathBuf {
    paths.root().join("networks")
}

/// A predefined network's record.
fn predefined(name: &str) -> NetworkRecord {
    let (driver, bridge, ipam, options) = match name {
        "bridge" => (
            "bridge",
            "docker0",
            vec![ipam::pool_for(ipam::default_pools()[0], None, None)],
            DEFAULT_BRIDGE_OPTIONS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
        "host" => ("host", "", Vec::new(), BTreeMap::new()),
        _ => ("null", "", Vec::new(), BTreeMap::new()),
    };
    NetworkRecord {
        id: crate::container::id::generate(),
        name: name.to_string(),
        created: Utc::now(),
        driver: driver.to_string(),
        scope: "local".to_string(),
        internal: false,
        attachable: false,
        ipam,
        options,
        labels: BTreeMap::new(),
        bridge: bridge.to_string(),
        ipam_configured: false,
    }
}

impl NetworkStore {
    /// Opens the store, creating it and the predefined networks when missing.
    pub fn open(paths: &Paths) -> Result<Self, NetworkError> {
        let store = Self {
            dir: networks_dir(paths),
        };
        fs::create_dir_all(&store.dir).map_err(io(format!("create {}", store.dir.display())))?;
        let missing = |list: &[NetworkRecord]| {
            ["bridge", "host", "none"]
                .iter()
                .any(|n| !list.iter().any(|r| r.name == *n))
        };
        if missing(&store.list()?) {
            let _lock = store.lock()?;
            let list = store.list()?;
            for name in ["bridge", "host", "none"] {
                if !list.iter().any(|r| r.name == name) {
                    store.write(&predefined(name))?;
                }
            }
        }
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Takes the store's lock, sweeping leftovers of interrupted writes.
    pub fn lock(&self) -> Result<FileLock, NetworkError> {
        let lock = FileLock::exclusive(&self.dir.join("lock")).map_err(io("lock network store"))?;
        fsutil::sweep_temp_entries(&self.dir).map_err(io("sweep network store"))?;
        Ok(lock)
    }

    fn write(&self, record: &NetworkRecord) -> Result<(), NetworkError> {
        let bytes = serde_json::to_vec_pretty(record).expect("network records serialize");
        let path = self.path(&record.id);
        fsutil::atomic_write(&path, &bytes).map_err(io(format!("write {}", path.display())))
    }

    /// Every network, sorted by name (as `docker network ls` shows them).
    pub fn list(&self) -> Result<Vec<NetworkRecord>, NetworkError> {
        let mut out = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(NetworkError::io("list networks", e)),
        };
        for entry in entries {
            let entry = entry.map_err(io("list networks"))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json") else {
                continue;
            };
            if !crate::container::id::is_full_id(id) {
                continue;
            }
            match self.get(id) {
                Ok(r) => out.push(r),
                Err(NetworkError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// The network with this full ID.
    pub fn get(&self, id: &str) -> Result<NetworkRecord, NetworkError> {
        let path = self.path(id);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(NetworkError::NotFound(id.to_string()))
            }
            Err(e) => return Err(NetworkError::io(format!("read {}", path.display()), e)),
        };
        serde_json::from_slice(&bytes)
            .map_err(|e| NetworkError::Corrupt(format!("{}: {e}", path.display())))
    }

    /// Finds a network as Docker's daemon does (`FindNetwork`): full ID, then name, then a
    /// unique ID prefix.
    pub fn resolve(&self, reference: &str) -> Result<NetworkRecord, NetworkError> {
        resolve_in(self.list()?, reference)
    }

    /// Creates a network: under the lock, refuses a taken name, then lets `build` make the
    /// record from the existing networks (for pool overlap checks) and writes it.
    pub fn create(
        &self,
        name: &str,
        build: impl FnOnce(&[NetworkRecord]) -> Result<NetworkRecord, NetworkError>,
    ) -> Result<NetworkRecord, NetworkError> {
        let _lock = self.lock()?;
        let existing = self.list()?;
        if existing.iter().any(|n| n.name == name) {
            return Err(NetworkError::NameExists(name.to_string()));
        }
        let record = build(&existing)?;
        self.write(&record)?;
        Ok(record)
    }

    /// Deletes a network's file; call with the lock held.
    pub fn delete_locked(&self, id: &str) -> Result<(), NetworkError> {
        match fs::remove_file(self.path(id)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(NetworkError::NotFound(id.to_string()))
            }
            Err(e) => return Err(NetworkError::io(format!("remove network {id}"), e)),
        }
        fsutil::sync_dir(&self.dir).map_err(io("sync network store"))
    }
}

/// [`NetworkStore::resolve`] over a list.
pub fn resolve_in(
    list: Vec<NetworkRecord>,
    reference: &str,
) -> Result<NetworkRecord, NetworkError> {
    if reference.is_empty() {
        return Err(NetworkError::NotFound(reference.to_string()));
    }
    if let Some(n) = list.iter().find(|n| n.id == reference) {
        return Ok(n.clone());
    }
    let by_name: Vec<&NetworkRecord> = list.iter().filter(|n| n.name == reference).collect();
    match by_name.len() {
        1 => return Ok(by_name[0].clone()),
        0 => {}
        count => {
            return Err(NetworkError::Ambiguous {
                reference: reference.to_string(),
                count,
                based_on: "name",
            })
        }
    }
    let by_prefix: Vec<&NetworkRecord> = list
        .iter()
        .filter(|n| n.id.starts_with(reference))
        .collect();
    match by_prefix.len() {
        1 => Ok(by_prefix[0].clone()),
        0 => Err(NetworkError::NotFound(reference.to_string())),
        count => Err(NetworkError::Ambiguous {
            reference: reference.to_string(),
            count,
            based_on: "ID prefix",
        }),
    }
}

/// The subnets every network already uses.
pub fn taken_subnets(list: &[NetworkRecord]) -> Vec<Cidr> {
    list.iter()
        .flat_map(|n| n.ipam.iter().map(|p| p.subnet_cidr()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, NetworkStore) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path().join("root"), dir.path().join("run"));
        let store = NetworkStore::open(&paths).unwrap();
        (dir, store)
    }

    #[test]
    fn predefined_networks_appear_once_with_stable_ids() {
        let (dir, store) = store();
        let first = store.list().unwrap();
        let names: Vec<&str> = first.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["bridge", "host", "none"]);
        let bridge = &first[0];
        assert_eq!(bridge.bridge, "docker0");
        assert_eq!(bridge.ipam[0].subnet_cidr().to_string(), "172.17.0.0/16");
        assert_eq!(bridge.ipam[0].gateway.to_string(), "172.17.0.1");
        assert_eq!(first[1].driver, "host");
        assert_eq!(first[2].driver, "null");
        let paths = Paths::new(dir.path().join("root"), dir.path().join("run"));
        let again = NetworkStore::open(&paths).unwrap().list().unwrap();
        assert_eq!(first, again);
    }

    #[test]
    fn resolves_by_id_name_and_unique_prefix() {
        let (_dir, store) = store();
        let bridge = store.resolve("bridge").unwrap();
        assert_eq!(store.resolve(&bridge.id).unwrap().name, "bridge");
        assert_eq!(store.resolve(&bridge.id[..6]).unwrap().name, "bridge");
        assert_eq!(
            store.resolve("nope").unwrap_err().to_string(),
            "network nope not found"
        );
    }

    #[test]
    fn refuses_a_taken_name_and_leaves_no_temporary_files() {
        let (_dir, store) = store();
        let made = store
            .create("labnet", |_| {
                let mut r = predefined("bridge");
                r.name = "labnet".into();
                Ok(r)
            })
            .unwrap();
        assert_eq!(store.resolve("labnet").unwrap(), made);
        let err = store.create("labnet", |_| unreachable!()).unwrap_err();
        assert_eq!(err.to_string(), "network with name labnet already exists");
        // A writer killed mid-write leaves a `.tmp-` file: readers ignore it, the next
        // writer sweeps it.
        std::fs::write(store.dir().join(".tmp-1-0-x.json"), b"{half").unwrap();
        assert_eq!(store.list().unwrap().len(), 4);
        drop(store.lock().unwrap());
        let leftovers: Vec<_> = std::fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        let _lock = store.lock().unwrap();
        store.delete_locked(&made.id).unwrap();
        assert!(store.resolve("labnet").is_err());
    }
}
