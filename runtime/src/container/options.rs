//! What `docker create` asks for ([`CreateOptions`], the body of `POST /containers/create`)
//! and the parsers for the values whose syntax Docker defines: sizes (`512m`), CPU counts
//! (`0.5`), restart policies (`on-failure:3`) and `-v` volume specs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ContainerError;

/// A restart policy: `no`, `always`, `unless-stopped`, `on-failure[:max]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RestartPolicy {
    pub name: String,
    pub maximum_retry_count: i64,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            name: "no".to_string(),
            maximum_retry_count: 0,
        }
    }
}

impl RestartPolicy {
    /// Parses `--restart` as Docker's CLI (`opts.ParseRestartPolicy`) and daemon do.
    pub fn parse(text: &str) -> Result<Self, ContainerError> {
        if text.is_empty() {
            return Ok(Self::default());
        }
        let (name, count) = match text.split_once(':') {
            Some((n, c)) => (n, Some(c)),
            None => (text, None),
        };
        let maximum_retry_count = match count {
            None => 0,
            Some(c) => c.parse::<i64>().map_err(|_| {
                ContainerError::InvalidArgument(
                    "invalid restart policy format: maximum retry count must be an integer"
                        .to_string(),
                )
            })?,
        };
        match name {
            "no" | "always" | "unless-stopped" if count.is_some() => {
                Err(ContainerError::InvalidArgument(
                    "invalid restart policy: maximum retry count can only be used with 'on-failure'"
                        .to_string(),
                ))
            }
            "no" | "always" | "unless-stopped" | "on-failure" => Ok(Self {
                name: name.to_string(),
                maximum_retry_count,
            }),
            other => Err(ContainerError::InvalidArgument(format!(
                "invalid restart policy: unknown policy '{other}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"
            ))),
        }
    }

    pub fn is_none(&self) -> bool {
        self.name.is_empty() || self.name == "no"
    }
}

/// Everything `docker create`/`docker run` can ask of a new container. The front-end fills
/// it from the command line ([`Default`] is `docker create IMAGE`); values are already
/// parsed (sizes in bytes, CPUs in nano-CPUs, env files read).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateOptions {
    /// `--name` (without or with the leading `/`); a random name when `None`.
    pub name: Option<String>,
    /// The image as typed (`nginx`, `nginx:1.25`, an ID prefix).
    pub image: String,
    /// The command after the image; replaces the image's `Cmd` when not empty.
    pub cmd: Vec<String>,
    /// `--entrypoint`: replaces the image's entrypoint and drops its `Cmd`; `Some("")` resets
    /// the entrypoint to none.
    pub entrypoint: Option<String>,
    /// `-e`/`--env-file` values, `KEY=VALUE`, in order.
    pub env: Vec<String>,
    /// `-w`
    pub workdir: Option<String>,
    /// `-u name|uid[:group|gid]`
    pub user: Option<String>,
    /// `-h`
    pub hostname: Option<String>,
    /// `--domainname`
    pub domainname: Option<String>,
    /// `-t`
    pub tty: bool,
    /// `-i`
    pub open_stdin: bool,
    pub stdin_once: bool,
    pub attach_stdin: bool,
    pub attach_stdout: bool,
    pub attach_stderr: bool,
    /// `-v` specs as typed (`/host:/ctr:ro`, `name:/ctr`, `/ctr`); host paths absolute.
    pub volumes: Vec<String>,
    /// `--read-only`
    pub read_only: bool,
    /// `-m` in bytes (0 = unlimited).
    pub memory: i64,
    /// `--memory-swap` in bytes (0 = default: twice the memory; -1 = unlimited).
    pub memory_swap: i64,
    /// `--cpus` × 10⁹.
    pub nano_cpus: i64,
    /// `-c`/`--cpu-shares` (0 = default 1024).
    pub cpu_shares: i64,
    /// `--pids-limit` (`None`, 0 or -1 = unlimited).
    pub pids_limit: Option<i64>,
    pub restart: RestartPolicy,
    /// `--rm`
    pub auto_remove: bool,
    /// `-l`/`--label`
    pub labels: BTreeMap<String, String>,
    /// `--add-host host:ip`
    pub extra_hosts: Vec<String>,
    /// `--dns`
    pub dns: Vec<String>,
    /// `--mac-address` (recorded; networking applies it).
    pub mac_address: Option<String>,
    /// `--network` (`default`, `bridge`, `none`, `host`, `container:<name|id>`, a user
    /// network by name or ID prefix).
    pub network: Option<String>,
    /// `--ip`: the IPv4 address on the network (user networks with `--subnet` only).
    #[serde(default)]
    pub ip: Option<String>,
    /// `--network-alias` (user networks only).
    #[serde(default)]
    pub network_aliases: Vec<String>,
    /// `--link name[:alias]`
    #[serde(default)]
    pub links: Vec<String>,
    /// `-p` specs as typed (networking parses them).
    pub publish: Vec<String>,
    /// `-P`
    pub publish_all: bool,
    /// `--expose`
    pub expose: Vec<String>,
    /// `--cidfile`
    pub cidfile: Option<String>,
    /// `--stop-signal`
    pub stop_signal: Option<String>,
    /// `--stop-timeout`
    pub stop_timeout: Option<i64>,
    /// `--privileged` (accepted and recorded; dockerlings does not grant it)
    pub privileged: bool,
    /// `--security-opt` (`seccomp=unconfined`, `no-new-privileges[=true|false]`; others are
    /// refused at create).
    pub security_opt: Vec<String>,
}

/// go-units `RAMInBytes`: `512m`, `1g`, `1.5GB`, `100` (bytes), binary multiples.
pub fn ram_in_bytes(text: &str) -> Option<i64> {
    let s = text.trim();
    let num_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, rest) = s.split_at(num_end);
    if num.is_empty() || num.starts_with('.') || num.ends_with('.') {
        return None;
    }
    let value: f64 = num.parse().ok()?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let mut chars = rest.chars();
    let mut unit = chars.next();
    let mut multiplier: f64 = 1.0;
    if let Some(u) = unit {
        let power = match u.to_ascii_lowercase() {
            'k' => Some(1),
            'm' => Some(2),
            'g' => Some(3),
            't' => Some(4),
            'p' => Some(5),
            _ => None,
        };
        if let Some(p) = power {
            multiplier = 1024f64.powi(p);
            unit = chars.next();
            if unit.is_some_and(|c| c == 'i' || c == 'I') {
                unit = chars.next();
            }
        }
    }
    match unit {
        None => {}
        Some('b' | 'B') if chars.next().is_none() => {}
        Some(_) => return None,
    }
    Some((value * multiplier) as i64)
}

/// `--cpus 0.5` → 500000000 nano-CPUs (Docker's `NanoCPUs.Set`).
pub fn parse_nano_cpus(text: &str) -> Option<i64> {
    let v: f64 = text.trim().parse().ok()?;
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    Some((v * 1e9).round() as i64)
}

/// One parsed `-v` spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeSpec {
    /// `/host:/ctr[:opts]`
    Bind {
        source: String,
        destination: String,
        read_only: bool,
        mode: String,
    },
    /// `name:/ctr[:opts]`
    Named {
        name: String,
        destination: String,
        read_only: bool,
        mode: String,
    },
    /// `/ctr`: a new anonymous volume.
    Anonymous { destination: String },
}

impl VolumeSpec {
    pub fn destination(&self) -> &str {
        match self {
            Self::Bind { destination, .. }
            | Self::Named { destination, .. }
            | Self::Anonymous { destination } => destination,
        }
    }

    /// Parses a `-v` value as Docker's Linux volume parser does.
    pub fn parse(spec: &str) -> Result<Self, ContainerError> {
        let invalid =
            || ContainerError::InvalidArgument(format!("invalid volume specification: '{spec}'"));
        let parts: Vec<&str> = spec.split(':').collect();
        let (source, destination, mode) = match parts.as_slice() {
            [d] => (None, *d, ""),
            [s, d] => (Some(*s), *d, ""),
            [s, d, m] => (Some(*s), *d, *m),
            _ => return Err(invalid()),
        };
        if destination.is_empty() || source.is_some_and(str::is_empty) {
            return Err(invalid());
        }
        let mut read_only = false;
        for opt in mode.split(',').filter(|o| !o.is_empty()) {
            match opt {
                "ro" => read_only = true,
                "rw" | "z" | "Z" | "nocopy" | "private" | "rprivate" | "shared" | "rshared"
                | "slave" | "rslave" => {}
                _ => return Err(invalid()),
            }
        }
        let kind = match source {
            Some(s) if s.starts_with('/') => "bind",
            Some(_) => "volume",
            None => "volume",
        };
        if !destination.starts_with('/') {
            return Err(ContainerError::InvalidMount(format!(
                "invalid mount config for type \"{kind}\": invalid mount path: '{destination}' mount path must be absolute"
            )));
        }
        if destination == "/" {
            return Err(ContainerError::InvalidMount(format!(
                "invalid specification: destination can't be '/' in '{spec}'"
            )));
        }
        let destination = clean_path(destination);
        Ok(match source {
            None => Self::Anonymous { destination },
            Some(s) if s.starts_with('/') => Self::Bind {
                source: clean_path(s),
                destination,
                read_only,
                mode: mode.to_string(),
            },
            Some(name) => {
                if !super::names::is_valid(name) || name.starts_with('/') {
                    return Err(ContainerError::InvalidVolumeName(name.to_string()));
                }
                Self::Named {
                    name: name.to_string(),
                    destination,
                    read_only,
                    mode: mode.to_string(),
                }
            }
        })
    }
}

/// Go's `path.Clean` for absolute paths: no `.`/`..`/empty components, no trailing `/`.
pub fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ram_in_bytes_like_go_units() {
        assert_eq!(ram_in_bytes("512m"), Some(512 * 1024 * 1024));
        assert_eq!(ram_in_bytes("256m"), Some(268_435_456));
        assert_eq!(ram_in_bytes("1g"), Some(1 << 30));
        assert_eq!(ram_in_bytes("1GB"), Some(1 << 30));
        assert_eq!(ram_in_bytes("1GiB"), Some(1 << 30));
        assert_eq!(ram_in_bytes("1.5g"), Some(1_610_612_736));
        assert_eq!(ram_in_bytes("100"), Some(100));
        assert_eq!(ram_in_bytes("100b"), Some(100));
        assert_eq!(ram_in_bytes("64k"), Some(65536));
        assert_eq!(ram_in_bytes("10 m"), Some(10 << 20));
        for bad in ["", "m", "abc", "1x", "1mbb", ".5m", "-1m"] {
            assert_eq!(ram_in_bytes(bad), None, "{bad}");
        }
    }

    #[test]
    fn nano_cpus() {
        assert_eq!(parse_nano_cpus("0.5"), Some(500_000_000));
        assert_eq!(parse_nano_cpus("1.5"), Some(1_500_000_000));
        assert_eq!(parse_nano_cpus("2"), Some(2_000_000_000));
        assert_eq!(parse_nano_cpus("abc"), None);
        assert_eq!(parse_nano_cpus("-1"), None);
    }

    #[test]
    fn restart_policies() {
        assert_eq!(RestartPolicy::parse("").unwrap(), RestartPolicy::default());
        assert_eq!(RestartPolicy::parse("always").unwrap().name, "always");
        let p = RestartPolicy::parse("on-failure:3").unwrap();
        assert_eq!((p.name.as_str(), p.maximum_retry_count), ("on-failure", 3));
        assert_eq!(
            RestartPolicy::parse("sometimes").unwrap_err().to_string(),
            "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"
        );
        assert!(RestartPolicy::parse("on-failure:x").is_err());
        assert!(RestartPolicy::parse("always:2").is_err());
        assert!(RestartPolicy::default().is_none());
    }

    #[test]
    fn volume_specs() {
        assert_eq!(
            VolumeSpec::parse("/srv/data:/data:ro").unwrap(),
            VolumeSpec::Bind {
                source: "/srv/data".into(),
                destination: "/data".into(),
                read_only: true,
                mode: "ro".into()
            }
        );
        assert_eq!(
            VolumeSpec::parse("web-data:/usr/share/nginx/html/").unwrap(),
            VolumeSpec::Named {
                name: "web-data".into(),
                destination: "/usr/share/nginx/html".into(),
                read_only: false,
                mode: String::new()
            }
        );
        assert_eq!(
            VolumeSpec::parse("/cache").unwrap(),
            VolumeSpec::Anonymous {
                destination: "/cache".into()
            }
        );
        assert_eq!(
            VolumeSpec::parse("/a:rel").unwrap_err().to_string(),
            "invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute"
        );
        assert!(VolumeSpec::parse("a:b:c:d").is_err());
        assert!(VolumeSpec::parse("/a:/b:bogus").is_err());
        assert!(VolumeSpec::parse("x!y:/b").is_err());
        assert_eq!(clean_path("/a/./b/../c/"), "/a/c");
    }
}
