//! The Docker-level container record (`container.json`): what was asked for at create time,
//! in the shapes `docker inspect` shows (`Config`, `HostConfig`, `Mounts`, …).
//!
//! Field names serialise exactly as Docker's API spells them, so the record doubles as the
//! stable part of the inspect document; the changing part comes from `state.json`.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::options::RestartPolicy;
use super::ContainerError;
use crate::fsutil;

/// The record's file name inside the container directory.
pub const RECORD_FILE: &str = "container.json";

/// Docker's `container.Config` (the part that describes the process and its image).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Config {
    pub hostname: String,
    pub domainname: String,
    pub user: String,
    pub attach_stdin: bool,
    pub attach_stdout: bool,
    pub attach_stderr: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_ports: Option<BTreeMap<String, Value>>,
    pub tty: bool,
    pub open_stdin: bool,
    pub stdin_once: bool,
    pub env: Vec<String>,
    pub cmd: Option<Vec<String>>,
    /// The image as the user typed it.
    pub image: String,
    pub volumes: Option<BTreeMap<String, Value>>,
    pub working_dir: String,
    pub entrypoint: Option<Vec<String>>,
    pub on_build: Option<Vec<String>>,
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<i64>,
}

/// Docker's `LogConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogConfig {
    #[serde(rename = "Type")]
    pub kind: String,
    pub config: BTreeMap<String, String>,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            kind: "json-file".to_string(),
            config: BTreeMap::new(),
        }
    }
}

/// Docker's `container.HostConfig`: how the container is placed on the host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HostConfig {
    pub binds: Option<Vec<String>>,
    #[serde(rename = "ContainerIDFile")]
    pub container_id_file: String,
    pub log_config: LogConfig,
    pub network_mode: String,
    /// `-p` publications by container port (`80/tcp` → `[{HostIp, HostPort}]`).
    pub port_bindings: BTreeMap<String, Vec<Value>>,
    pub restart_policy: RestartPolicy,
    pub auto_remove: bool,
    pub volume_driver: String,
    pub volumes_from: Option<Vec<String>>,
    pub console_size: [u32; 2],
    pub cap_add: Option<Vec<String>>,
    pub cap_drop: Option<Vec<String>>,
    pub cgroupns_mode: String,
    pub dns: Vec<String>,
    pub dns_options: Vec<String>,
    pub dns_search: Vec<String>,
    pub extra_hosts: Option<Vec<String>>,
    pub group_add: Option<Vec<String>>,
    pub ipc_mode: String,
    pub cgroup: String,
    pub links: Option<Vec<String>>,
    pub oom_score_adj: i64,
    pub pid_mode: String,
    pub privileged: bool,
    pub publish_all_ports: bool,
    pub readonly_rootfs: bool,
    pub security_opt: Option<Vec<String>>,
    #[serde(rename = "UTSMode")]
    pub uts_mode: String,
    pub userns_mode: String,
    pub shm_size: i64,
    pub runtime: String,
    pub isolation: String,
    pub cpu_shares: i64,
    pub memory: i64,
    pub nano_cpus: i64,
    pub cgroup_parent: String,
    pub blkio_weight: u16,
    pub cpu_period: i64,
    pub cpu_quota: i64,
    pub cpu_realtime_period: i64,
    pub cpu_realtime_runtime: i64,
    pub cpuset_cpus: String,
    pub cpuset_mems: String,
    pub devices: Vec<Value>,
    pub memory_reservation: i64,
    pub memory_swap: i64,
    pub memory_swappiness: Option<i64>,
    pub oom_kill_disable: Option<bool>,
    pub pids_limit: Option<i64>,
    pub ulimits: Option<Vec<Value>>,
    pub masked_paths: Vec<String>,
    pub readonly_paths: Vec<String>,
}

/// The 64 MiB Docker gives `/dev/shm`.
pub const DEFAULT_SHM_SIZE: i64 = 64 * 1024 * 1024;

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            binds: None,
            container_id_file: String::new(),
            log_config: LogConfig::default(),
            network_mode: "default".to_string(),
            port_bindings: BTreeMap::new(),
            restart_policy: RestartPolicy::default(),
            auto_remove: false,
            volume_driver: String::new(),
            volumes_from: None,
            console_size: [0, 0],
            cap_add: None,
            cap_drop: None,
            cgroupns_mode: "private".to_string(),
            dns: Vec::new(),
            dns_options: Vec::new(),
            dns_search: Vec::new(),
            extra_hosts: None,
            group_add: None,
            ipc_mode: "private".to_string(),
            cgroup: String::new(),
            links: None,
            oom_score_adj: 0,
            pid_mode: String::new(),
            privileged: false,
            publish_all_ports: false,
            readonly_rootfs: false,
            security_opt: None,
            uts_mode: String::new(),
            userns_mode: String::new(),
            shm_size: DEFAULT_SHM_SIZE,
            runtime: "runc".to_string(),
            isolation: String::new(),
            cpu_shares: 0,
            memory: 0,
            nano_cpus: 0,
            cgroup_parent: String::new(),
            blkio_weight: 0,
            cpu_period: 0,
            cpu_quota: 0,
            cpu_realtime_period: 0,
            cpu_realtime_runtime: 0,
            cpuset_cpus: String::new(),
            cpuset_mems: String::new(),
            devices: Vec::new(),
            memory_reservation: 0,
            memory_swap: 0,
            memory_swappiness: None,
            oom_kill_disable: None,
            pids_limit: None,
            ulimits: None,
            masked_paths: super::spec::MASKED_PATHS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            readonly_paths: super::spec::READONLY_PATHS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

/// One entry of inspect's `Mounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MountPoint {
    /// `bind` or `volume`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// The volume's name (volumes only).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The host path (a volume's `_data` directory for volumes).
    pub source: String,
    pub destination: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub driver: String,
    pub mode: String,
    #[serde(rename = "RW")]
    pub rw: bool,
    pub propagation: String,
}

impl MountPoint {
    pub fn is_volume(&self) -> bool {
        self.kind == "volume"
    }
}

/// The Docker-level record of one container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerRecord {
    pub id: String,
    pub created: DateTime<Utc>,
    /// The program: the first word of entrypoint + cmd.
    pub path: String,
    /// The rest of entrypoint + cmd.
    pub args: Vec<String>,
    /// The image ID (`sha256:…`).
    pub image: String,
    pub resolv_conf_path: String,
    pub hostname_path: String,
    pub hosts_path: String,
    pub log_path: String,
    /// With its leading `/`.
    pub name: String,
    pub driver: String,
    pub platform: String,
    pub host_config: HostConfig,
    pub mounts: Vec<MountPoint>,
    pub config: Config,
    /// `--mac-address`, recorded for networking to apply (empty: derived from the IP).
    #[serde(default)]
    pub mac_address: String,
    /// Its endpoints, keyed by network name (Docker's `NetworkSettings.Networks`); the
    /// `interface` of each says which is `eth0`.
    #[serde(default)]
    pub networks: BTreeMap<String, crate::network::Endpoint>,
}

impl ContainerRecord {
    /// The program and its arguments as one line (`docker ps`'s COMMAND before quoting).
    pub fn command_line(&self) -> String {
        let mut words = vec![self.path.clone()];
        words.extend(self.args.iter().cloned());
        words.join(" ").trim().to_string()
    }

    /// The name without its leading `/`.
    pub fn bare_name(&self) -> &str {
        self.name.strip_prefix('/').unwrap_or(&self.name)
    }

    /// Reads `container.json` from a container directory.
    pub fn load(dir: &Path) -> Result<Self, ContainerError> {
        let path = dir.join(RECORD_FILE);
        let bytes = std::fs::read(&path)
            .map_err(|e| ContainerError::io(format!("read {}", path.display()), e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| ContainerError::Corrupt(format!("{}: {e}", path.display())))
    }

    /// Writes `container.json` into a new container's staging directory (synced with it,
    /// then renamed into place whole).
    pub(crate) fn save_new(&self, staging_dir: &Path) -> Result<(), ContainerError> {
        self.put(staging_dir, fsutil::write_new)
    }

    /// Writes `container.json` atomically into a container directory.
    pub fn save(&self, dir: &Path) -> Result<(), ContainerError> {
        self.put(dir, fsutil::atomic_write)
    }

    fn put(
        &self,
        dir: &Path,
        write: fn(&Path, &[u8]) -> std::io::Result<()>,
    ) -> Result<(), ContainerError> {
        let path = dir.join(RECORD_FILE);
        let bytes = serde_json::to_vec_pretty(self).expect("records always serialize");
        write(&path, &bytes).map_err(|e| ContainerError::io(format!("write {}", path.display()), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_dockers_field_names() {
        let hc = serde_json::to_value(HostConfig::default()).unwrap();
        for key in [
            "Binds",
            "ContainerIDFile",
            "NetworkMode",
            "RestartPolicy",
            "AutoRemove",
            "Memory",
            "MemorySwap",
            "NanoCpus",
            "CpuShares",
            "PidsLimit",
            "ReadonlyRootfs",
            "ExtraHosts",
            "Dns",
            "Privileged",
            "UTSMode",
            "ShmSize",
            "MaskedPaths",
            "ReadonlyPaths",
        ] {
            assert!(hc.get(key).is_some(), "HostConfig lacks {key}");
        }
        assert_eq!(hc["RestartPolicy"]["Name"], "no");
        assert_eq!(hc["RestartPolicy"]["MaximumRetryCount"], 0);
        assert_eq!(hc["LogConfig"]["Type"], "json-file");
        assert_eq!(hc["PidsLimit"], Value::Null);
        let c = serde_json::to_value(Config::default()).unwrap();
        for key in [
            "Hostname",
            "Domainname",
            "User",
            "AttachStdin",
            "AttachStdout",
            "AttachStderr",
            "Tty",
            "OpenStdin",
            "StdinOnce",
            "Env",
            "Cmd",
            "Image",
            "Volumes",
            "WorkingDir",
            "Entrypoint",
            "OnBuild",
            "Labels",
        ] {
            assert!(c.get(key).is_some(), "Config lacks {key}");
        }
        assert!(
            c.get("ExposedPorts").is_none(),
            "omitted when empty, as Docker does"
        );
        let m = serde_json::to_value(MountPoint {
            kind: "bind".into(),
            name: String::new(),
            source: "/srv".into(),
            destination: "/data".into(),
            driver: String::new(),
            mode: "ro".into(),
            rw: false,
            propagation: "rprivate".into(),
        })
        .unwrap();
        assert_eq!(
            m,
            serde_json::json!({"Type": "bind", "Source": "/srv", "Destination": "/data",
                "Mode": "ro", "RW": false, "Propagation": "rprivate"})
        );
    }
}
