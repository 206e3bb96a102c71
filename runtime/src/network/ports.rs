//! Published ports as data: `-p [ip:][hostPort:]containerPort[/proto]` parsed the way Docker's
//! `nat.ParsePortSpecs` does into `HostConfig.PortBindings`, and what a running container's
//! proxies really listen on (kept in its state for `ps`, `port` and `inspect`).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One listening proxy of a running container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedPort {
    /// `tcp` or `udp`.
    pub proto: String,
    pub container_port: u16,
    pub host_ip: Ipv4Addr,
    pub host_port: u16,
}

impl PublishedPort {
    /// `80/tcp`
    pub fn key(&self) -> String {
        format!("{}/{}", self.container_port, self.proto)
    }

    /// `0.0.0.0:8080->80/tcp`, as `docker ps` shows it.
    pub fn display(&self) -> String {
        format!("{}:{}->{}", self.host_ip, self.host_port, self.key())
    }
}

/// One binding a `-p` asked for: `host_port` 0 is "any free port".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub proto: String,
    pub container_port: u16,
    pub host_ip: Option<Ipv4Addr>,
    pub host_port: u16,
}

fn range(text: &str, what: &str) -> Result<(u16, u16), String> {
    let bad = || format!("invalid {what}: {text}");
    let (a, b) = text.split_once('-').unwrap_or((text, text));
    let a: u16 = a.parse().map_err(|_| bad())?;
    let b: u16 = b.parse().map_err(|_| bad())?;
    if b < a || (what == "containerPort" && a == 0) {
        return Err(bad());
    }
    Ok((a, b))
}

/// Parses one `-p` value into its bindings (a range gives several).
pub fn parse_publish(spec: &str) -> Result<Vec<Binding>, String> {
    let (ports, proto) = match spec.rsplit_once('/') {
        Some((p, proto)) => (p, proto.to_ascii_lowercase()),
        None => (spec, "tcp".to_string()),
    };
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {proto}"));
    }
    let parts: Vec<&str> = ports.split(':').collect();
    let (ip, host, container) = match parts.as_slice() {
        [c] => ("", "", *c),
        [h, c] => ("", *h, *c),
        [ip, h, c] => (*ip, *h, *c),
        _ => return Err(format!("invalid port format: {spec}")),
    };
    let host_ip = if ip.is_empty() {
        None
    } else {
        Some(
            ip.parse::<Ipv4Addr>()
                .map_err(|_| format!("invalid IP address: {ip}"))?,
        )
    };
    let (c0, c1) = range(container, "containerPort")?;
    let (h0, h1) = if host.is_empty() {
        (0, 0)
    } else {
        range(host, "hostPort")?
    };
    let count = c1 - c0;
    if !host.is_empty() && h1 - h0 != count && count != 0 {
        return Err(format!(
            "invalid ranges specified for container and host Ports: {container} and {host}"
        ));
    }
    Ok((0..=count)
        .map(|i| Binding {
            proto: proto.clone(),
            container_port: c0 + i,
            host_ip,
            host_port: if host.is_empty() { 0 } else { h0 + i },
        })
        .collect())
}

/// `HostConfig.PortBindings` for a set of `-p` values.
pub fn port_bindings(specs: &[String]) -> Result<BTreeMap<String, Vec<Value>>, String> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for spec in specs {
        for b in parse_publish(spec)? {
            out.entry(format!("{}/{}", b.container_port, b.proto))
                .or_default()
                .push(json!({
                    "HostIp": b.host_ip.map(|i| i.to_string()).unwrap_or_default(),
                    "HostPort": if b.host_port == 0 { String::new() } else { b.host_port.to_string() },
                }));
        }
    }
    Ok(out)
}

/// The bindings a container's proxies must make: its `PortBindings`, plus (with `-P`) every
/// exposed port not bound otherwise, on a free host port.
pub fn wanted(
    port_bindings: &BTreeMap<String, Vec<Value>>,
    exposed: Option<&BTreeMap<String, Value>>,
    publish_all: bool,
) -> Vec<Binding> {
    let mut out = Vec::new();
    let parse_key = |key: &str| -> Option<(u16, String)> {
        let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
        Some((port.parse().ok()?, proto.to_string()))
    };
    for (key, list) in port_bindings {
        let Some((container_port, proto)) = parse_key(key) else {
            continue;
        };
        for b in list {
            let host_ip = b["HostIp"]
                .as_str()
                .filter(|s| !s.is_empty())
                .and_then(|s| s.parse().ok());
            let host_port = b["HostPort"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            out.push(Binding {
                proto: proto.clone(),
                container_port,
                host_ip,
                host_port,
            });
        }
    }
    if publish_all {
        for key in exposed.into_iter().flat_map(|e| e.keys()) {
            if port_bindings.get(key).is_some_and(|l| !l.is_empty()) {
                continue;
            }
            if let Some((container_port, proto)) = parse_key(key) {
                out.push(Binding {
                    proto,
                    container_port,
                    host_ip: None,
                    host_port: 0,
                });
            }
        }
    }
    out
}

/// `NetworkSettings.Ports` of a container: every exposed or published port, with the host
/// side its proxies listen on (`null` for an exposed port nothing publishes).
pub fn network_settings_ports(
    exposed: Option<&BTreeMap<String, Value>>,
    published: &[PublishedPort],
) -> Value {
    let mut map = serde_json::Map::new();
    for key in exposed.into_iter().flat_map(|e| e.keys()) {
        map.insert(key.clone(), Value::Null);
    }
    for p in published {
        let entry = map.entry(p.key()).or_insert(Value::Null);
        if entry.is_null() {
            *entry = json!([]);
        }
        if let Some(list) = entry.as_array_mut() {
            list.push(
                json!({"HostIp": p.host_ip.to_string(), "HostPort": p.host_port.to_string()}),
            );
        }
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(spec: &str) -> Binding {
        let mut v = parse_publish(spec).unwrap();
        assert_eq!(v.len(), 1);
        v.remove(0)
    }

    #[test]
    fn parses_dockers_forms() {
        assert_eq!(
            one("8080:80"),
            Binding {
                proto: "tcp".into(),
                container_port: 80,
                host_ip: None,
                host_port: 8080
            }
        );
        assert_eq!(one("80").host_port, 0);
        let b = one("127.0.0.1:8081:80/udp");
        assert_eq!(
            (b.host_ip, b.host_port, b.proto.as_str()),
            (Some(Ipv4Addr::LOCALHOST), 8081, "udp")
        );
        assert_eq!(one("127.0.0.1::80").host_port, 0);
        let r = parse_publish("8000-8002:80-82").unwrap();
        assert_eq!(
            r.iter()
                .map(|b| (b.host_port, b.container_port))
                .collect::<Vec<_>>(),
            [(8000, 80), (8001, 81), (8002, 82)]
        );
    }

    #[test]
    fn refuses_what_docker_refuses() {
        assert_eq!(
            parse_publish("80a").unwrap_err(),
            "invalid containerPort: 80a"
        );
        assert_eq!(parse_publish("x:80").unwrap_err(), "invalid hostPort: x");
        assert_eq!(
            parse_publish("1.2.3:80:80").unwrap_err(),
            "invalid IP address: 1.2.3"
        );
        assert!(parse_publish("8000-8001:80-85")
            .unwrap_err()
            .starts_with("invalid ranges"));
        assert_eq!(parse_publish("80/xyz").unwrap_err(), "invalid proto: xyz");
    }

    #[test]
    fn bindings_and_settings_have_dockers_json() {
        let pb = port_bindings(&["8080:80".into(), "53/udp".into()]).unwrap();
        assert_eq!(
            serde_json::to_value(&pb).unwrap(),
            json!({"53/udp": [{"HostIp": "", "HostPort": ""}], "80/tcp": [{"HostIp": "", "HostPort": "8080"}]})
        );
        let exposed: BTreeMap<String, Value> = [
            ("80/tcp".to_string(), json!({})),
            ("443/tcp".to_string(), json!({})),
        ]
        .into();
        let all = wanted(&BTreeMap::new(), Some(&exposed), true);
        assert_eq!(all.len(), 2);
        let published = [PublishedPort {
            proto: "tcp".into(),
            container_port: 80,
            host_ip: Ipv4Addr::UNSPECIFIED,
            host_port: 8080,
        }];
        assert_eq!(published[0].display(), "0.0.0.0:8080->80/tcp");
        assert_eq!(
            network_settings_ports(Some(&exposed), &published),
            json!({"443/tcp": null, "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]})
        );
    }
}
