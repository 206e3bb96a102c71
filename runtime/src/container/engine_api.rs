//! The Engine's container and volume requests (`POST /containers/create`,
//! `GET /containers/json`, `GET /containers/{id}/json`, `DELETE /containers/{id}`,
//! `POST /containers/{id}/rename`, `POST /containers/prune`, `/volumes/…`).
//!
//! Running processes are the supervisor's business (`shim`); here containers are data. The
//! state shown comes from `state.json`, after [`Engine::reconcile`] has caught containers
//! whose supervisor died.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Utc;
use serde::Serialize;
use serde_json::Value;

use super::control::{ProcessControl, SUPERVISOR_EXIT_GRACE};
use super::create::{plan, VolumeNeed};
use super::inspect::{self, ContainerSummary};
use super::options::CreateOptions;
use super::record::ContainerRecord;
use super::spec::{self, HostFacts, ResolvedUser, SpecInput};
use super::state::{RuntimeState, Status};
use super::store::{self, ContainerStore};
use super::volume::{Volume, VolumeStore, ANONYMOUS_LABEL};
use super::{etc_files, reconcile, ContainerError};
use crate::{Engine, Result};

/// The answer to `POST /containers/create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateReport {
    pub id: String,
    pub warnings: Vec<String>,
}

/// What a prune removed (`POST /containers/prune`, `POST /volumes/prune`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PruneContainersReport {
    /// Full container IDs, or volume names.
    pub deleted: Vec<String>,
    pub space_reclaimed: u64,
}

/// Counts for `docker info`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ContainerCounts {
    pub total: usize,
    pub running: usize,
    pub paused: usize,
    pub stopped: usize,
}

/// Reads `relative` (e.g. `etc/passwd`) from the first of `dirs` that has it: the
/// container's upper layer, then the image layers top first.
fn read_layered(dirs: &[PathBuf], relative: &str) -> Option<String> {
    dirs.iter()
        .find_map(|d| std::fs::read_to_string(d.join(relative)).ok())
}

fn live(status: Status) -> bool {
    matches!(
        status,
        Status::Running | Status::Paused | Status::Restarting
    )
}

impl Engine {
    /// The container store.
    pub fn container_store(&self) -> Result<ContainerStore> {
        Ok(ContainerStore::open(&self.paths)?)
    }

    /// The volume store.
    pub fn volume_store(&self) -> Result<VolumeStore> {
        Ok(VolumeStore::open(super::volumes_dir(&self.paths))?)
    }

    /// What ends and cleans up container processes (the supervisor's implementation).
    pub fn process_control(&self) -> &dyn ProcessControl {
        self.process_control.as_ref()
    }

    /// Marks a container whose supervisor is gone as exited (see [`reconcile`]).
    pub fn reconcile(&self, id: &str) -> Result<bool> {
        reconcile::reconcile(&self.container_store()?, self.process_control(), id)
    }

    /// Resolves a container reference to its full ID.
    pub fn container_id(&self, reference: &str) -> Result<String> {
        Ok(self.container_store()?.resolve(reference)?)
    }

    /// A container's record and (reconciled) state.
    pub fn container(&self, reference: &str) -> Result<(ContainerRecord, RuntimeState)> {
        let store = self.container_store()?;
        let id = store.resolve(reference)?;
        self.reconcile(&id)?;
        Ok((store.record(&id)?, store.state(&id)?))
    }

    /// `POST /containers/create`. A missing image is `No such image: x:latest` (pulling
    /// it first is the CLI's job, as with Docker).
    pub fn container_create(&self, opts: &CreateOptions) -> Result<CreateReport> {
        let images = self.image_store()?;
        // Held until the container exists, so `rmi` cannot delete the image in between.
        let _image_lock = images.lock_shared()?;
        // A tag (the usual case) reads one image; anything else resolves on a snapshot.
        let (tagged, snapshot);
        let image = match images.read_tagged(&opts.image)? {
            Some(found) => {
                tagged = found;
                &tagged
            }
            None => {
                snapshot = images.read_snapshot()?;
                snapshot.resolve(&opts.image)?
            }
        };
        let lower_dirs = images.lower_dirs(image);
        let image_config = image
            .config_json
            .get("config")
            .cloned()
            .unwrap_or(Value::Null);
        let host = HostFacts::probe();
        let volumes = self.volume_store()?;
        let store = self.container_store()?;
        let mut warnings = Vec::new();
        let networks = self.network_store()?;
        let record = store.create(opts.name.as_deref(), |id, name, final_dir, staging| {
            let mut planned = plan(
                id,
                name,
                opts,
                &image.id,
                &image_config,
                final_dir,
                &super::volumes_dir(&self.paths),
                &host,
                Utc::now(),
            )?;
            // Addresses are allocated here, under the store lock `create` holds, against the
            // endpoints every other container record holds.
            let others: Vec<ContainerRecord> =
                store.list()?.into_iter().map(|e| e.record).collect();
            let network_plan =
                crate::network::endpoints::plan_create(opts, name, &networks.list()?, &others)?;
            planned.record.networks = network_plan.endpoints;
            planned.warnings.extend(network_plan.warnings);
            if network_plan.host_links.is_some() {
                planned.record.host_config.links = network_plan.host_links;
            }
            for VolumeNeed { name, anonymous } in &planned.volumes {
                let mut labels = BTreeMap::new();
                if *anonymous {
                    labels.insert(ANONYMOUS_LABEL.to_string(), String::new());
                }
                volumes.create(name, labels, Utc::now())?;
            }
            for source in &planned.bind_sources {
                std::fs::create_dir_all(source)
                    .map_err(|e| ContainerError::io(format!("create bind source {source}"), e))?;
            }
            etc_files::write_all(&planned.record, staging)?;
            let mut dirs = vec![staging.join("upper")];
            dirs.extend(lower_dirs.iter().cloned());
            let netns = self.netns_file_for(&planned.record);
            match Self::spec_for(&planned.record, final_dir, &dirs, &host, netns.as_deref()) {
                Ok(spec) => {
                    spec::write(&spec, staging)?;
                }
                // Docker fails such a container when it starts, not when it is created.
                Err(crate::Error::Container(
                    ContainerError::UserNotFound(_) | ContainerError::GroupNotFound(_),
                )) => {}
                Err(e) => return Err(e),
            }
            warnings = planned.warnings;
            Ok(planned.record)
        })?;
        Ok(CreateReport {
            id: record.id,
            warnings,
        })
    }

    /// The file a container's spec joins its network namespace from: the one its
    /// supervisor prepares, for a container with a namespace of its own.
    fn netns_file_for(&self, record: &ContainerRecord) -> Option<PathBuf> {
        crate::network::plumbing::has_own_namespace(record)
            .then(|| super::netns_file(&self.paths, &record.id))
    }

    fn spec_for(
        record: &ContainerRecord,
        container_dir: &Path,
        layered_dirs: &[PathBuf],
        host: &HostFacts,
        netns_file: Option<&Path>,
    ) -> Result<oci_spec::runtime::Spec> {
        let user = if record.config.user.is_empty() {
            ResolvedUser::default()
        } else {
            let passwd = read_layered(layered_dirs, "etc/passwd");
            let group = read_layered(layered_dirs, "etc/group");
            spec::resolve_user(&record.config.user, passwd.as_deref(), group.as_deref())?
        };
        Ok(spec::generate(&SpecInput {
            record,
            container_dir,
            host,
            user,
            netns_file,
        })?)
    }

    /// Generates a container's `bundle/config.json` from its record and returns its path.
    /// `create` leaves it out when the container's user is not in the image's passwd file
    /// (Docker fails such a container when it starts, not when it is created): the
    /// supervisor then calls this before starting, so the start fails with Docker's message
    /// — or works, if the user has been added since.
    pub fn container_bundle(&self, id: &str) -> Result<PathBuf> {
        let store = self.container_store()?;
        let record = store.record(id)?;
        let dir = store.container_dir(id);
        let mut dirs = vec![dir.join("upper")];
        dirs.extend(self.image_store()?.lower_dirs_of(&record.image)?);
        let netns = self.netns_file_for(&record);
        let spec = Self::spec_for(&record, &dir, &dirs, &HostFacts::probe(), netns.as_deref())?;
        Ok(spec::rewrite(&spec, &dir)?)
    }

    /// The overlay lower dirs of a container's image, top first.
    pub fn container_lower_dirs(&self, record: &ContainerRecord) -> Result<Vec<PathBuf>> {
        Ok(self.image_store()?.lower_dirs_of(&record.image)?)
    }

    /// `GET /containers/json`: running containers (all with `all`), newest first; with
    /// `size`, the writable layer's and the whole root filesystem's sizes.
    pub fn containers(&self, all: bool, size: bool) -> Result<Vec<ContainerSummary>> {
        let store = self.container_store()?;
        let mut entries = store.list()?;
        for e in &mut entries {
            if reconcile::needs_reconcile(&e.state) {
                self.reconcile(&e.record.id)?;
                e.state = store.state(&e.record.id)?;
            }
        }
        let snapshot = if size {
            Some(self.image_store()?.snapshot()?)
        } else {
            None
        };
        let images = self.image_store()?;
        let mut out: Vec<ContainerSummary> = entries
            .iter()
            .filter(|e| all || live(e.state.status))
            .map(|e| {
                let mut s = inspect::summary(&e.record, &e.state);
                if let Some(snapshot) = &snapshot {
                    let rw = store.size_rw(&e.record.id);
                    let image_size = snapshot
                        .image(&e.record.image)
                        .map_or(0, |i| images.image_size(i));
                    s.size_rw = Some(rw);
                    s.size_root_fs = Some(rw + image_size);
                }
                s
            })
            .collect();
        out.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Counts of containers by state, for `docker info`.
    pub fn container_counts(&self) -> Result<ContainerCounts> {
        let mut counts = ContainerCounts::default();
        for c in self.containers(true, false)? {
            counts.total += 1;
            match c.state.status {
                Status::Running | Status::Restarting => counts.running += 1,
                Status::Paused => counts.paused += 1,
                _ => counts.stopped += 1,
            }
        }
        Ok(counts)
    }

    /// `GET /containers/{name}/json`: Docker's inspect document.
    pub fn container_inspect(&self, reference: &str) -> Result<Value> {
        let (record, state) = self.container(reference)?;
        let dir = self.container_store()?.container_dir(&record.id);
        let lower = self.container_lower_dirs(&record).unwrap_or_default();
        let mut doc = inspect::document(&record, &state, &dir, &lower);
        doc["NetworkSettings"] = crate::network::inspect::network_settings(
            &record,
            &state,
            &self.container_networks(&record)?,
        );
        Ok(doc)
    }

    /// `DELETE /containers/{name}`: refuses a running container unless `force` (then kills
    /// it through [`ProcessControl`]); with `volumes`, also removes its anonymous volumes.
    pub fn container_remove(&self, reference: &str, force: bool, volumes: bool) -> Result<()> {
        let store = self.container_store()?;
        let id = store.resolve(reference)?;
        self.reconcile(&id)?;
        let record = store.record(&id)?;
        let state = store.state(&id)?;
        if live(state.status) {
            if !force {
                return Err(if state.status == Status::Paused {
                    ContainerError::RemovePaused(record.name.clone())
                } else {
                    ContainerError::RemoveRunning(record.name.clone())
                }
                .into());
            }
            self.process_control().kill_and_wait(&record, &state)?;
            match self.reconcile(&id) {
                Err(e) if super::lifecycle::is_gone(&e) && record.host_config.auto_remove => {}
                other => {
                    other?;
                }
            }
        } else {
            // Exited, but its supervisor may still be unmounting: let it finish first.
            self.process_control()
                .wait_supervisor_exit(&state, SUPERVISOR_EXIT_GRACE);
        }
        self.process_control().cleanup(&record)?;
        match store.delete(&id) {
            // `--rm`: the supervisor removed the container when it was killed above.
            Err(ContainerError::NoSuchContainer(_))
                if live(state.status) && record.host_config.auto_remove => {}
            other => other?,
        }
        if volumes {
            self.remove_anonymous_volumes(&record)?;
        }
        Ok(())
    }

    /// Removes the anonymous volumes of a removed container that no other container uses
    /// (`rm -v`, and `--rm` when the supervisor removes the container).
    pub(crate) fn remove_anonymous_volumes(&self, record: &ContainerRecord) -> Result<()> {
        let volumes = self.volume_store()?;
        for m in record.mounts.iter().filter(|m| m.is_volume()) {
            let Ok(volume) = volumes.get(&m.name) else {
                continue;
            };
            if !volume.is_anonymous() {
                continue;
            }
            let users = self.volume_users(&m.name)?;
            if users.is_empty() {
                volumes.remove(&m.name, &[], true)?;
            }
        }
        Ok(())
    }

    /// `POST /containers/{name}/rename`
    pub fn container_rename(&self, reference: &str, new_name: &str) -> Result<()> {
        self.container_store()?.rename(reference, new_name)?;
        Ok(())
    }

    /// `POST /containers/prune`: removes every container that is not running.
    pub fn container_prune(&self) -> Result<PruneContainersReport> {
        let store = self.container_store()?;
        let mut report = PruneContainersReport::default();
        for c in self.containers(true, false)? {
            if live(c.state.status) {
                continue;
            }
            let size = store.size_rw(&c.id);
            match self.container_remove(&c.id, false, false) {
                Ok(()) => {
                    report.deleted.push(c.id);
                    report.space_reclaimed += size;
                }
                // Started or removed by someone else meanwhile: not ours to prune.
                Err(crate::Error::Container(
                    ContainerError::RemoveRunning(_)
                    | ContainerError::RemovePaused(_)
                    | ContainerError::NoSuchContainer(_),
                )) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// IDs of the containers that mount volume `name`.
    pub fn volume_users(&self, name: &str) -> Result<Vec<String>> {
        let store = self.container_store()?;
        let mut ids: Vec<(chrono::DateTime<Utc>, String)> = store
            .list()?
            .into_iter()
            .filter(|e| {
                e.record
                    .mounts
                    .iter()
                    .any(|m| m.is_volume() && m.name == name)
            })
            .map(|e| (e.record.created, e.record.id))
            .collect();
        ids.sort();
        Ok(ids.into_iter().map(|(_, id)| id).collect())
    }

    /// `POST /volumes/create`; a random 64-hex name when `name` is `None`.
    pub fn volume_create(
        &self,
        name: Option<&str>,
        labels: BTreeMap<String, String>,
    ) -> Result<Volume> {
        let name = match name.filter(|n| !n.is_empty()) {
            Some(n) => n.to_string(),
            None => super::id::generate(),
        };
        Ok(self.volume_store()?.create(&name, labels, Utc::now())?)
    }

    /// `GET /volumes`
    pub fn volumes(&self) -> Result<Vec<Volume>> {
        Ok(self.volume_store()?.list()?)
    }

    /// `GET /volumes/{name}`
    pub fn volume_inspect(&self, name: &str) -> Result<Value> {
        Ok(self.volume_store()?.get(name)?.inspect())
    }

    /// `DELETE /volumes/{name}`
    pub fn volume_remove(&self, name: &str, force: bool) -> Result<()> {
        let users = self.volume_users(name)?;
        self.volume_store()?.remove(name, &users, force)?;
        Ok(())
    }

    /// `POST /volumes/prune`: unused anonymous volumes (every unused one with `all`).
    pub fn volume_prune(&self, all: bool) -> Result<PruneContainersReport> {
        let volumes = self.volume_store()?;
        let store = self.container_store()?;
        let used: std::collections::BTreeSet<String> = store
            .list()?
            .into_iter()
            .flat_map(|e| e.record.mounts.into_iter())
            .filter(|m| m.is_volume())
            .map(|m| m.name)
            .collect();
        let mut report = PruneContainersReport::default();
        for v in volumes.list()? {
            if used.contains(&v.name) || (!all && !v.is_anonymous()) {
                continue;
            }
            match volumes.remove(&v.name, &[], false) {
                Ok(size) => {
                    report.deleted.push(v.name);
                    report.space_reclaimed += size;
                }
                Err(ContainerError::VolumeNotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(report)
    }

    /// Total size of a container's writable layer.
    pub fn container_size_rw(&self, id: &str) -> Result<u64> {
        Ok(store::dir_size(
            &self.container_store()?.container_dir(id).join("upper"),
        ))
    }
}
