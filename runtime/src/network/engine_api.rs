//! The Engine's network requests: `POST /networks/create`, `GET /networks`,
//! `GET /networks/{id}`, `DELETE /networks/{id}`, `POST /networks/prune`,
//! `POST /networks/{id}/connect` and `/disconnect`.
//!
//! Locking: address allocation and anything that must see a consistent set of endpoints
//! holds the container store's lock (endpoints live in container records), then, to change
//! networks, the network store's. Plumbing a running container (`plumbing::attach_live`) is
//! done with no store lock held.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::endpoints::{self, EndpointRequest};
use super::ipam::{self, PoolRequest};
use super::model::{Endpoint, NetworkRecord};
use super::store::{self, NetworkStore};
use super::{inspect, plumbing, NetworkError};
use crate::container::record::ContainerRecord;
use crate::container::state::RuntimeState;
use crate::container::{reconcile, ContainerError};
use crate::{Engine, Result};

/// The body of `POST /networks/create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkCreateRequest {
    pub name: String,
    /// `bridge` (the default), `host`, `null`, `overlay`, …
    pub driver: String,
    /// `--subnet/--gateway/--ip-range`, consolidated per subnet; empty for an automatic pool.
    pub pools: Vec<PoolRequest>,
    pub internal: bool,
    pub attachable: bool,
    /// `-o key=value`
    pub options: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

impl Default for NetworkCreateRequest {
    fn default() -> Self {
        Self {
            name: String::new(),
            driver: "bridge".to_string(),
            pools: Vec::new(),
            internal: false,
            attachable: false,
            options: BTreeMap::new(),
            labels: BTreeMap::new(),
        }
    }
}

/// One row of `GET /networks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkSummary {
    pub record: NetworkRecord,
    /// Running containers with an endpoint on it.
    pub live_endpoints: usize,
}

impl Engine {
    /// The network store (creating the predefined networks on first use).
    pub fn network_store(&self) -> Result<NetworkStore> {
        Ok(NetworkStore::open(&self.paths)?)
    }

    /// A network by full ID (the supervisor's plumbing reads the bridge and pool from it).
    pub fn network_record(&self, id: &str) -> Result<NetworkRecord> {
        Ok(self.network_store()?.get(id)?)
    }

    /// Every container with its reconciled state.
    fn container_entries(&self) -> Result<Vec<(ContainerRecord, RuntimeState)>> {
        let store = self.container_store()?;
        let mut out = Vec::new();
        for mut e in store.list()? {
            if reconcile::needs_reconcile(&e.state) {
                self.reconcile(&e.record.id)?;
                match store.state(&e.record.id) {
                    Ok(s) => e.state = s,
                    Err(ContainerError::NoSuchContainer(_)) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            out.push((e.record, e.state));
        }
        Ok(out)
    }

    /// `POST /networks/create`: returns the new network's ID.
    pub fn network_create(&self, request: &NetworkCreateRequest) -> Result<String> {
        let name = request.name.as_str();
        if matches!(name, "bridge" | "host" | "none" | "default") {
            return Err(NetworkError::PredefinedName(name.to_string()).into());
        }
        let mut pools = Vec::new();
        let mut errors = Vec::new();
        for p in &request.pools {
            match ipam::validate(p) {
                Ok(pool) => pools.push(pool),
                Err(NetworkError::InvalidConfig(e)) => errors.extend(e),
                Err(e) => return Err(e.into()),
            }
        }
        if !errors.is_empty() {
            return Err(NetworkError::InvalidConfig(errors).into());
        }
        let networks = self.network_store()?;
        let record = networks.create(name, |existing| {
            match request.driver.as_str() {
                "bridge" => {}
                "host" | "null" => {
                    return Err(NetworkError::OnlyOneInstance(request.driver.clone()))
                }
                "overlay" => return Err(NetworkError::NotSwarmManager),
                other => return Err(NetworkError::PluginNotFound(other.to_string())),
            }
            let taken = store::taken_subnets(existing);
            let configured = !pools.is_empty();
            if configured {
                for p in &pools {
                    if taken.iter().any(|t| t.overlaps(p.subnet_cidr())) {
                        return Err(NetworkError::PoolOverlap);
                    }
                }
            } else {
                pools.push(ipam::pool_for(ipam::next_default_pool(&taken)?, None, None));
            }
            let id = crate::container::id::generate();
            let bridge = request
                .options
                .get("com.docker.network.bridge.name")
                .cloned()
                .unwrap_or_else(|| format!("br-{}", &id[..12]));
            Ok(NetworkRecord {
                id,
                name: name.to_string(),
                created: chrono::Utc::now(),
                driver: request.driver.clone(),
                scope: "local".to_string(),
                internal: request.internal,
                attachable: request.attachable,
                ipam: pools.clone(),
                options: request.options.clone(),
                labels: request.labels.clone(),
                bridge,
                ipam_configured: configured,
            })
        })?;
        Ok(record.id)
    }

    /// `GET /networks`: every network, sorted by name, with its count of live endpoints.
    pub fn networks(&self) -> Result<Vec<NetworkSummary>> {
        let list = self.network_store()?.list()?;
        let entries = self.container_entries()?;
        Ok(list
            .into_iter()
            .map(|record| {
                let live_endpoints = entries
                    .iter()
                    .filter(|(c, s)| {
                        inspect::is_live(s.status)
                            && c.networks.values().any(|e| e.network_id == record.id)
                    })
                    .count();
                NetworkSummary {
                    record,
                    live_endpoints,
                }
            })
            .collect())
    }

    /// `GET /networks/{id}`: Docker's network inspect document.
    pub fn network_inspect(&self, reference: &str) -> Result<Value> {
        let network = self.network_store()?.resolve(reference)?;
        let entries = self.container_entries()?;
        Ok(inspect::document(&network, &entries))
    }

    /// `DELETE /networks/{id}`: refuses the predefined networks and networks with running
    /// containers on them (as Docker, a stopped container does not hold a network).
    pub fn network_remove(&self, reference: &str) -> Result<()> {
        let networks = self.network_store()?;
        let network = networks.resolve(reference)?;
        if network.is_predefined() {
            return Err(NetworkError::PreDefined(network.name).into());
        }
        let entries = self.container_entries()?;
        let containers = self.container_store()?;
        let _containers_lock = containers.lock()?;
        let busy = entries.iter().any(|(c, s)| {
            inspect::is_live(s.status) && c.networks.values().any(|e| e.network_id == network.id)
        });
        if busy {
            return Err(NetworkError::ActiveEndpoints {
                name: network.name,
                id: network.id,
            }
            .into());
        }
        let _lock = networks.lock()?;
        networks.delete_locked(&network.id)?;
        remove_bridge(&self.paths, &network);
        Ok(())
    }

    /// `POST /networks/prune`: removes every user network no running container is on;
    /// returns their names.
    pub fn network_prune(&self) -> Result<Vec<String>> {
        let mut deleted = Vec::new();
        for summary in self.networks()? {
            if summary.record.is_predefined() || summary.live_endpoints > 0 {
                continue;
            }
            match self.network_remove(&summary.record.id) {
                Ok(()) => deleted.push(summary.record.name),
                // Removed, or joined by a container that started, meanwhile.
                Err(crate::Error::Network(
                    NetworkError::NotFound(_) | NetworkError::ActiveEndpoints { .. },
                )) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(deleted)
    }

    /// `POST /networks/{id}/connect`: a new endpoint (`eth1`, …) in the container's record,
    /// plumbed at once when the container runs.
    pub fn network_connect(
        &self,
        network_ref: &str,
        container_ref: &str,
        request: &EndpointRequest,
    ) -> Result<()> {
        let network = self.network_store()?.resolve(network_ref)?;
        let store = self.container_store()?;
        let id = store.resolve(container_ref)?;
        self.reconcile(&id)?;
        let (record, endpoint) = {
            let _lock = store.lock()?;
            let mut record = store.record(&id)?;
            let all: Vec<ContainerRecord> = store.list()?.into_iter().map(|e| e.record).collect();
            let endpoint = endpoints::plan_connect(&record, &network, request, &all)?;
            let _container = store.lock_container(&id)?;
            record
                .networks
                .insert(network.name.clone(), endpoint.clone());
            record.save(&store.container_dir(&id))?;
            (record, endpoint)
        };
        if inspect::is_live(store.state(&id)?.status) {
            if let Err(e) = plumbing::attach_live(&self.paths, &record, &endpoint, &network) {
                self.forget_endpoint(&id, &network.name, &endpoint)?;
                return Err(NetworkError::from(e).into());
            }
        }
        Ok(())
    }

    /// `POST /networks/{id}/disconnect`: unplumbs a running container's interface, then
    /// drops the endpoint (releasing its address). With `force`, a container that no longer
    /// exists is not an error.
    pub fn network_disconnect(
        &self,
        network_ref: &str,
        container_ref: &str,
        force: bool,
    ) -> Result<()> {
        let network = self.network_store()?.resolve(network_ref)?;
        let store = self.container_store()?;
        let id = match store.resolve(container_ref) {
            Ok(id) => id,
            Err(ContainerError::NoSuchContainer(_)) if force => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        self.reconcile(&id)?;
        let record = store.record(&id)?;
        let endpoint = endpoints::plan_disconnect(&record, &network)?;
        if inspect::is_live(store.state(&id)?.status) {
            plumbing::detach_live(&self.paths, &record, &endpoint).map_err(NetworkError::from)?;
        }
        self.forget_endpoint(&id, &network.name, &endpoint)
    }

    /// Removes `endpoint` from a container's record (if it is still the one stored).
    fn forget_endpoint(&self, id: &str, network_name: &str, endpoint: &Endpoint) -> Result<()> {
        let store = self.container_store()?;
        let _lock = store.lock()?;
        let _container = store.lock_container(id)?;
        let mut record = store.record(id)?;
        if record
            .networks
            .get(network_name)
            .is_some_and(|e| e.endpoint_id == endpoint.endpoint_id)
        {
            record.networks.remove(network_name);
            record.save(&store.container_dir(id))?;
        }
        Ok(())
    }

    /// The networks of a container's endpoints, for its inspect document.
    pub fn container_networks(&self, record: &ContainerRecord) -> Result<Vec<NetworkRecord>> {
        let store = self.network_store()?;
        Ok(record
            .networks
            .values()
            .filter_map(|e| store.get(&e.network_id).ok())
            .collect())
    }
}

/// Deletes a removed network's bridge from the lab host, if both exist (bridges are made
/// lazily when a container on the network starts). Best effort: a bridge left behind holds
/// nothing and is reused or removed with the lab host.
fn remove_bridge(paths: &crate::Paths, network: &NetworkRecord) {
    if network.bridge.is_empty() {
        return;
    }
    let Some(lab) = super::labhost::open(paths.run()) else {
        return;
    };
    if let Ok(mut netlink) = super::netns::netlink_in(&lab) {
        if let Ok(Some(link)) = netlink.link(&network.bridge) {
            let _ = netlink.delete(link.index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paths;

    fn engine() -> (tempfile::TempDir, Engine) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path().join("root"), dir.path().join("run"));
        (dir, Engine::open(paths).unwrap())
    }

    fn create(engine: &Engine, name: &str, subnet: Option<&str>) -> Result<String> {
        engine.network_create(&NetworkCreateRequest {
            name: name.to_string(),
            pools: subnet
                .map(|s| PoolRequest {
                    subnet: s.to_string(),
                    ..PoolRequest::default()
                })
                .into_iter()
                .collect(),
            ..NetworkCreateRequest::default()
        })
    }

    #[test]
    fn overlapping_subnets_are_refused_and_automatic_pools_avoid_them() {
        let (_dir, engine) = engine();
        create(&engine, "labnet", Some("172.18.5.0/24")).unwrap();
        for (name, subnet) in [
            ("a", "172.18.0.0/16"),
            ("b", "172.18.5.128/25"),
            ("c", "172.17.9.0/24"),
        ] {
            assert_eq!(
                create(&engine, name, Some(subnet)).unwrap_err().to_string(),
                "Pool overlaps with other one on this address space",
                "{subnet}"
            );
        }
        let id = create(&engine, "auto", None).unwrap();
        let auto = engine.network_record(&id).unwrap();
        assert_eq!(auto.ipam[0].subnet_cidr().to_string(), "172.19.0.0/16");
        assert_eq!(auto.bridge, format!("br-{}", &id[..12]));
        assert!(!auto.ipam_configured);
        assert!(
            engine
                .network_store()
                .unwrap()
                .resolve("labnet")
                .unwrap()
                .ipam_configured
        );
        // Refused requests leave nothing behind.
        let names: Vec<String> = engine
            .networks()
            .unwrap()
            .into_iter()
            .map(|n| n.record.name)
            .collect();
        assert_eq!(names, ["auto", "bridge", "host", "labnet", "none"]);
    }

    #[test]
    fn removing_and_pruning_user_networks() {
        let (_dir, engine) = engine();
        create(&engine, "one", None).unwrap();
        create(&engine, "two", None).unwrap();
        assert_eq!(
            engine.network_remove("bridge").unwrap_err().to_string(),
            "bridge is a pre-defined network and cannot be removed"
        );
        engine.network_remove("one").unwrap();
        assert_eq!(
            engine.network_remove("one").unwrap_err().to_string(),
            "network one not found"
        );
        assert_eq!(engine.network_prune().unwrap(), ["two"]);
        assert_eq!(engine.network_prune().unwrap(), Vec::<String>::new());
        assert_eq!(engine.networks().unwrap().len(), 3);
        // The freed pool is handed out again.
        let id = create(&engine, "three", None).unwrap();
        assert_eq!(
            engine.network_record(&id).unwrap().ipam[0]
                .subnet_cidr()
                .to_string(),
            "172.18.0.0/16"
        );
    }

    /// Tears the lab host down even when the test fails.
    struct LabHostGuard(std::path::PathBuf);

    impl Drop for LabHostGuard {
        fn drop(&mut self) {
            let _ = crate::network::labhost::teardown(&self.0);
        }
    }

    /// Root only: `network rm` deletes the network's bridge from the lab host (a namespace
    /// this test makes and tears down; nothing of the real host is touched).
    #[test]
    fn network_rm_deletes_its_bridge_in_the_lab_host() {
        if !nix::unistd::geteuid().is_root() {
            assert!(
                std::env::var_os("CI").is_none(),
                "this test needs root, and CI must run it"
            );
            eprintln!("skipped: needs root to make a network namespace");
            return;
        }
        let (_dir, engine) = engine();
        let run = engine.paths().run().to_path_buf();
        std::fs::create_dir_all(run.join("netns")).unwrap();
        let _guard = LabHostGuard(run.clone());
        let id = create(&engine, "labnet", None).unwrap();
        let bridge = engine.network_record(&id).unwrap().bridge;
        let lab = crate::network::labhost::ensure(&run).unwrap();
        let mut netlink = crate::network::netns::netlink_in(&lab).unwrap();
        netlink.add_bridge(&bridge).unwrap();
        assert!(netlink.link(&bridge).unwrap().is_some());
        engine.network_remove("labnet").unwrap();
        assert!(
            netlink.link(&bridge).unwrap().is_none(),
            "{bridge} is still in the lab host"
        );
    }
}
