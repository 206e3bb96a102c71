//! What `docker inspect` and `docker ps` read about containers: the inspect document in
//! Docker's shape, and the list entry (`GET /containers/json`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::record::{ContainerRecord, MountPoint};
use super::state::{RuntimeState, Status};

/// Go's `time.RFC3339Nano` (fraction without trailing zeros), and Go's zero time for none.
pub fn go_time(t: Option<DateTime<Utc>>) -> String {
    let Some(t) = t else {
        return "0001-01-01T00:00:00Z".to_string();
    };
    let base = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = t.timestamp_subsec_nanos();
    if nanos == 0 {
        return format!("{base}Z");
    }
    let frac = format!("{nanos:09}");
    format!("{base}.{}Z", frac.trim_end_matches('0'))
}

/// One published or exposed port of a running container (`docker ps`'s PORTS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortSummary {
    pub ip: String,
    pub private_port: u16,
    pub public_port: Option<u16>,
    /// `tcp` or `udp`.
    pub kind: String,
}

/// One row of `GET /containers/json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerSummary {
    pub id: String,
    /// With leading `/`.
    pub names: Vec<String>,
    /// The image as typed at create time.
    pub image: String,
    pub image_id: String,
    /// Path and args joined by spaces.
    pub command: String,
    pub created: DateTime<Utc>,
    /// The full state, for Docker's status text (`Up 5 seconds`, `Exited (0) …`).
    pub state: RuntimeState,
    pub ports: Vec<PortSummary>,
    /// Bytes in the writable layer (`-s` only).
    pub size_rw: Option<u64>,
    /// Writable layer plus image (`-s` only).
    pub size_root_fs: Option<u64>,
    pub labels: BTreeMap<String, String>,
    pub mounts: Vec<MountPoint>,
    pub network_mode: String,
    /// The names of the networks it has endpoints on (`docker ps`'s NETWORKS).
    pub networks: Vec<String>,
}

fn is_live(status: Status) -> bool {
    matches!(
        status,
        Status::Running | Status::Paused | Status::Restarting
    )
}

/// Exposed ports of a running container, as the list API reports them before networking
/// publishes any.
pub fn ports(record: &ContainerRecord, state: &RuntimeState) -> Vec<PortSummary> {
    if !is_live(state.status) {
        return Vec::new();
    }
    let mut out: Vec<PortSummary> = state
        .ports
        .iter()
        .map(|p| PortSummary {
            ip: p.host_ip.to_string(),
            private_port: p.container_port,
            public_port: Some(p.host_port),
            kind: p.proto.clone(),
        })
        .collect();
    for key in record.config.exposed_ports.iter().flat_map(|m| m.keys()) {
        if state.ports.iter().any(|p| p.key() == *key) {
            continue;
        }
        let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
        if let Ok(p) = port.parse() {
            out.push(PortSummary {
                ip: String::new(),
                private_port: p,
                public_port: None,
                kind: proto.to_string(),
            });
        }
    }
    out
}

/// The list entry of a container.
pub fn summary(record: &ContainerRecord, state: &RuntimeState) -> ContainerSummary {
    ContainerSummary {
        id: record.id.clone(),
        names: vec![record.name.clone()],
        image: record.config.image.clone(),
        image_id: record.image.clone(),
        command: record.command_line(),
        created: record.created,
        state: state.clone(),
        ports: ports(record, state),
        size_rw: None,
        size_root_fs: None,
        labels: record.config.labels.clone(),
        mounts: record.mounts.clone(),
        network_mode: record.host_config.network_mode.clone(),
        networks: record.networks.keys().cloned().collect(),
    }
}

/// `State` of the inspect document.
pub fn state_document(state: &RuntimeState) -> Value {
    let status = serde_json::to_value(state.status).expect("status serializes");
    json!({
        "Status": status,
        "Running": is_live(state.status),
        "Paused": state.status == Status::Paused,
        "Restarting": state.status == Status::Restarting,
        "OOMKilled": state.oom_killed,
        "Dead": state.status == Status::Dead,
        "Pid": state.pid,
        "ExitCode": state.exit_code,
        "Error": state.error,
        "StartedAt": go_time(state.started_at),
        "FinishedAt": go_time(state.finished_at),
    })
}

/// Docker's container inspect document. `container_dir` holds `upper/`, `work/` and
/// `rootfs/`; `lower_dirs` are the image's layer directories, top first.
pub fn document(
    record: &ContainerRecord,
    state: &RuntimeState,
    container_dir: &std::path::Path,
    lower_dirs: &[PathBuf],
) -> Value {
    let lower: Vec<String> = lower_dirs.iter().map(|p| p.display().to_string()).collect();
    json!({
        "Id": record.id,
        "Created": go_time(Some(record.created)),
        "Path": record.path,
        "Args": record.args,
        "State": state_document(state),
        "Image": record.image,
        "ResolvConfPath": record.resolv_conf_path,
        "HostnamePath": record.hostname_path,
        "HostsPath": record.hosts_path,
        "LogPath": record.log_path,
        "Name": record.name,
        "RestartCount": state.restart_count,
        "Driver": record.driver,
        "Platform": record.platform,
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": null,
        "HostConfig": record.host_config,
        "GraphDriver": {
            "Data": {
                "LowerDir": lower.join(":"),
                "MergedDir": container_dir.join("rootfs").display().to_string(),
                "UpperDir": container_dir.join("upper").display().to_string(),
                "WorkDir": container_dir.join("work").display().to_string(),
            },
            "Name": "overlay2",
        },
        "Mounts": record.mounts,
        "Config": record.config,
        "NetworkSettings": crate::network::inspect::network_settings(record, state, &[]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_times() {
        assert_eq!(go_time(None), "0001-01-01T00:00:00Z");
        let t = DateTime::parse_from_rfc3339("2024-01-15T10:30:00.120000Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(go_time(Some(t)), "2024-01-15T10:30:00.12Z");
        let t = DateTime::parse_from_rfc3339("2024-01-15T10:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(go_time(Some(t)), "2024-01-15T10:30:00Z");
    }

    #[test]
    fn state_flags_follow_docker() {
        let mut s = RuntimeState::created();
        let d = state_document(&s);
        assert_eq!(d["Status"], "created");
        assert_eq!(d["Running"], false);
        s.status = Status::Paused;
        let d = state_document(&s);
        assert_eq!(
            (d["Running"].clone(), d["Paused"].clone()),
            (json!(true), json!(true))
        );
        s.status = Status::Exited;
        s.exit_code = 137;
        s.oom_killed = true;
        let d = state_document(&s);
        assert_eq!(d["ExitCode"], 137);
        assert_eq!(d["OOMKilled"], true);
        assert_eq!(d["Running"], false);
    }
}
