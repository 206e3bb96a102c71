//! From `docker create`'s options and the image's config to the container record, as
//! Docker's daemon merges them (`daemon/create.go`, `merge` in `daemon/commit.go`):
//! - `Env`: the user's `-e` values first, then the image's for keys the user did not set;
//! - `Cmd`: the user's command, else the image's — unless `--entrypoint` was given, which
//!   replaces the image's entrypoint and drops its `Cmd`;
//! - `WorkingDir`, `User`, `StopSignal`: the user's value, else the image's;
//! - `Labels`, `ExposedPorts`, `Volumes`: the image's, extended by the user's.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::options::{CreateOptions, VolumeSpec};
use super::record::{Config, ContainerRecord, HostConfig, MountPoint};
use super::spec::HostFacts;
use super::ContainerError;

/// Docker's smallest allowed memory limit (6 MiB).
pub const MIN_MEMORY: i64 = 6 * 1024 * 1024;

/// A volume the container needs: created on first use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeNeed {
    pub name: String,
    pub anonymous: bool,
}

/// The record and what must exist for it.
#[derive(Debug, Clone)]
pub struct Planned {
    pub record: ContainerRecord,
    pub volumes: Vec<VolumeNeed>,
    /// Bind-mount sources to create when missing (Docker creates `-v` host dirs).
    pub bind_sources: Vec<String>,
    pub warnings: Vec<String>,
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array().map(|a| {
        a.iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    })
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn key_set(v: &Value) -> BTreeMap<String, Value> {
    v.as_object()
        .map(|o| {
            o.keys()
                .map(|k| (k.clone(), Value::Object(Default::default())))
                .collect()
        })
        .unwrap_or_default()
}

/// `80` → `80/tcp`; `53/udp` stays.
fn port_key(port: &str) -> String {
    if port.contains('/') {
        port.to_string()
    } else {
        format!("{port}/tcp")
    }
}

/// Plans a new container: validates the options and merges them with the image config
/// (`image_config` is the image config's `config` object).
#[allow(clippy::too_many_arguments)]
pub fn plan(
    id: &str,
    name: &str,
    opts: &CreateOptions,
    image_id: &str,
    image_config: &Value,
    container_dir: &Path,
    volumes_dir: &Path,
    host: &HostFacts,
    now: DateTime<Utc>,
) -> Result<Planned, ContainerError> {
    let mut warnings = Vec::new();
    if opts.memory != 0 && opts.memory < MIN_MEMORY {
        return Err(ContainerError::InvalidArgument(
            "Minimum memory limit allowed is 6MB".to_string(),
        ));
    }
    if opts.memory_swap > 0 && opts.memory > 0 && opts.memory_swap < opts.memory {
        return Err(ContainerError::InvalidArgument(
            "Minimum memoryswap limit should be larger than memory limit, see usage".to_string(),
        ));
    }
    if opts.nano_cpus > 0 {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
        if opts.nano_cpus < 10_000_000 || opts.nano_cpus > cpus * 1_000_000_000 {
            return Err(ContainerError::InvalidArgument(format!(
                "Range of CPUs is from 0.01 to {cpus}.00, as there are only {cpus} CPUs available"
            )));
        }
    }
    for opt in &opts.security_opt {
        check_security_opt(opt)?;
    }
    if opts.auto_remove && !opts.restart.is_none() {
        return Err(ContainerError::InvalidArgument(
            "can't create 'AutoRemove' container with restart policy".to_string(),
        ));
    }
    if opts.restart.maximum_retry_count < 0 {
        return Err(ContainerError::InvalidArgument(
            "invalid restart policy: maximum retry count cannot be negative".to_string(),
        ));
    }

    // Command: Entrypoint + Cmd.
    let image_cmd = strings(&image_config["Cmd"]).filter(|c| !c.is_empty());
    let image_entrypoint = strings(&image_config["Entrypoint"]).filter(|c| !c.is_empty());
    let user_cmd = (!opts.cmd.is_empty()).then(|| opts.cmd.clone());
    let (entrypoint, cmd) = match &opts.entrypoint {
        Some(e) if !e.is_empty() => (Some(vec![e.clone()]), user_cmd),
        Some(_) => (Some(Vec::new()), user_cmd.or(image_cmd)),
        None => (image_entrypoint, user_cmd.or(image_cmd)),
    };
    let mut words: Vec<String> = entrypoint.clone().unwrap_or_default();
    words.extend(cmd.clone().unwrap_or_default());
    if words.is_empty() {
        return Err(ContainerError::InvalidArgument(
            "No command specified".to_string(),
        ));
    }
    let path = words[0].clone();
    let args = words[1..].to_vec();

    // Env: the user's, then the image's keys the user did not set.
    let mut env = opts.env.clone();
    for image_env in strings(&image_config["Env"]).unwrap_or_default() {
        let key = image_env.split('=').next().unwrap_or_default();
        if !env.iter().any(|e| e.split('=').next() == Some(key)) {
            env.push(image_env);
        }
    }

    let mut labels = string_map(&image_config["Labels"]);
    labels.extend(opts.labels.clone());

    let mut exposed = key_set(&image_config["ExposedPorts"]);
    for p in &opts.expose {
        exposed.insert(port_key(p), Value::Object(Default::default()));
    }
    let port_bindings = crate::network::ports::port_bindings(&opts.publish)
        .map_err(ContainerError::InvalidArgument)?;
    for port in port_bindings.keys() {
        exposed.insert(port.clone(), Value::Object(Default::default()));
    }

    // Mounts: -v specs, then the image's VOLUMEs not covered by them.
    let mut mounts: Vec<MountPoint> = Vec::new();
    let mut binds = Vec::new();
    let mut volumes_needed = Vec::new();
    let mut bind_sources = Vec::new();
    let mut config_volumes = key_set(&image_config["Volumes"]);
    let volume_source = |name: &str| volumes_dir.join(name).join("_data").display().to_string();
    for spec in &opts.volumes {
        let parsed = VolumeSpec::parse(spec)?;
        if mounts.iter().any(|m| m.destination == parsed.destination()) {
            return Err(ContainerError::InvalidArgument(format!(
                "Duplicate mount point: {}",
                parsed.destination()
            )));
        }
        let point = match parsed {
            VolumeSpec::Bind {
                source,
                destination,
                read_only,
                mode,
            } => {
                binds.push(spec.clone());
                bind_sources.push(source.clone());
                MountPoint {
                    kind: "bind".into(),
                    name: String::new(),
                    source,
                    destination,
                    driver: String::new(),
                    mode,
                    rw: !read_only,
                    propagation: "rprivate".into(),
                }
            }
            VolumeSpec::Named {
                name,
                destination,
                read_only,
                mode,
            } => {
                binds.push(spec.clone());
                volumes_needed.push(VolumeNeed {
                    name: name.clone(),
                    anonymous: false,
                });
                MountPoint {
                    kind: "volume".into(),
                    source: volume_source(&name),
                    name,
                    destination,
                    driver: "local".into(),
                    mode: if mode.is_empty() { "z".into() } else { mode },
                    rw: !read_only,
                    propagation: String::new(),
                }
            }
            VolumeSpec::Anonymous { destination } => {
                config_volumes.insert(destination.clone(), Value::Object(Default::default()));
                continue;
            }
        };
        mounts.push(point);
    }
    for destination in config_volumes.keys() {
        let destination = super::options::clean_path(destination);
        if mounts.iter().any(|m| m.destination == destination) {
            continue;
        }
        let name = super::id::generate();
        volumes_needed.push(VolumeNeed {
            name: name.clone(),
            anonymous: true,
        });
        mounts.push(MountPoint {
            kind: "volume".into(),
            source: volume_source(&name),
            name,
            destination,
            driver: "local".into(),
            mode: String::new(),
            rw: true,
            propagation: String::new(),
        });
    }

    let hostname = opts
        .hostname
        .clone()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| super::id::short(id).to_string());
    let (attach_stdout, attach_stderr) = (opts.attach_stdout, opts.attach_stderr);
    let config = Config {
        hostname,
        domainname: opts.domainname.clone().unwrap_or_default(),
        user: opts.user.clone().unwrap_or_else(|| {
            image_config["User"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }),
        attach_stdin: opts.attach_stdin,
        attach_stdout,
        attach_stderr,
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        tty: opts.tty,
        open_stdin: opts.open_stdin,
        stdin_once: opts.stdin_once,
        env,
        cmd,
        image: opts.image.clone(),
        volumes: (!config_volumes.is_empty()).then_some(config_volumes),
        working_dir: opts
            .workdir
            .clone()
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| {
                image_config["WorkingDir"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            }),
        entrypoint,
        on_build: None,
        labels,
        stop_signal: opts
            .stop_signal
            .clone()
            .or_else(|| image_config["StopSignal"].as_str().map(str::to_string)),
        stop_timeout: opts.stop_timeout,
    };
    if !config.working_dir.is_empty() && !config.working_dir.starts_with('/') {
        return Err(ContainerError::InvalidArgument(format!(
            "the working directory '{}' is invalid, it needs to be an absolute path",
            config.working_dir
        )));
    }

    let mut memory_swap = opts.memory_swap;
    if opts.memory > 0 && memory_swap == 0 {
        memory_swap = opts.memory * 2;
    }
    if opts.memory > 0 && !host.swap_limit {
        warnings.push(
            "Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap."
                .to_string(),
        );
        memory_swap = -1;
    }
    let host_config = HostConfig {
        binds: (!binds.is_empty()).then_some(binds),
        container_id_file: opts.cidfile.clone().unwrap_or_default(),
        network_mode: opts
            .network
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".to_string()),
        port_bindings,
        restart_policy: opts.restart.clone(),
        auto_remove: opts.auto_remove,
        cgroupns_mode: if host.cgroup_v2 { "private" } else { "host" }.to_string(),
        dns: opts.dns.clone(),
        extra_hosts: (!opts.extra_hosts.is_empty()).then(|| opts.extra_hosts.clone()),
        privileged: opts.privileged,
        security_opt: (!opts.security_opt.is_empty()).then(|| opts.security_opt.clone()),
        publish_all_ports: opts.publish_all,
        readonly_rootfs: opts.read_only,
        cpu_shares: opts.cpu_shares,
        memory: opts.memory,
        nano_cpus: opts.nano_cpus,
        memory_swap: if opts.memory > 0 {
            memory_swap
        } else {
            opts.memory_swap
        },
        pids_limit: opts.pids_limit.filter(|p| *p != 0),
        ..HostConfig::default()
    };

    let dir = container_dir.display().to_string();
    let record = ContainerRecord {
        id: id.to_string(),
        created: now,
        path,
        args,
        image: image_id.to_string(),
        resolv_conf_path: format!("{dir}/resolv.conf"),
        hostname_path: format!("{dir}/hostname"),
        hosts_path: format!("{dir}/hosts"),
        log_path: format!("{dir}/{id}-json.log"),
        name: name.to_string(),
        driver: "overlay2".to_string(),
        platform: "linux".to_string(),
        host_config,
        mounts,
        config,
        mac_address: opts.mac_address.clone().unwrap_or_default(),
        networks: Default::default(),
    };
    Ok(Planned {
        record,
        volumes: volumes_needed,
        bind_sources,
        warnings,
    })
}

#[cfg(test)]
#[path = "create_tests.rs"]
mod tests;

/// `--security-opt` values the engine understands: the seccomp switch, no-new-privileges, and
/// AppArmor/SELinux labels (recorded; this engine applies neither). Anything else gets Docker's
/// error; custom seccomp profile files get an honest one.
fn check_security_opt(opt: &str) -> Result<(), ContainerError> {
    if opt == "no-new-privileges" {
        return Ok(());
    }
    let Some((key, value)) = opt.split_once('=').or_else(|| opt.split_once(':')) else {
        return Err(ContainerError::InvalidArgument(format!(
            "invalid --security-opt 1: {opt:?}"
        )));
    };
    match key {
        "no-new-privileges" if matches!(value, "true" | "false") => Ok(()),
        "seccomp" if value == "unconfined" => Ok(()),
        "seccomp" => Err(ContainerError::InvalidArgument(format!(
            "dockerlings supports only seccomp=unconfined, not custom profiles: {opt:?}"
        ))),
        "apparmor" | "label" => Ok(()),
        _ => Err(ContainerError::InvalidArgument(format!(
            "invalid --security-opt 2: {opt:?}"
        ))),
    }
}
