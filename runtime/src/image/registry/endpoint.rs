//! Where a registry lives: the base URL for a reference's registry host.
//!
//! Docker Hub's name `docker.io` is an alias: its API is at `registry-1.docker.io`. Every
//! other registry is spoken to over HTTPS at its own name, except the ones Docker treats as
//! insecure by default — the loopback network (`127.0.0.0/8`, `localhost`, `[::1]`) — which
//! are spoken to in plain HTTP, so a registry run locally for practice works without
//! certificates.

use std::net::{IpAddr, Ipv4Addr};

use crate::image::reference::DEFAULT_REGISTRY;

/// Docker Hub's registry API host.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// A registry's base URL and what is needed to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https` or `http`.
    pub scheme: &'static str,
    /// `host[:port]` as it appears in URLs.
    pub authority: String,
    /// The host name (or address) without brackets or port, for DNS and messages.
    pub host: String,
    pub port: u16,
    /// The registry is Docker Hub (its errors read a little differently).
    pub is_docker_hub: bool,
}

impl Endpoint {
    /// The endpoint serving references whose registry part is `registry`.
    pub fn for_registry(registry: &str) -> Self {
        if registry == DEFAULT_REGISTRY || registry == "index.docker.io" {
            return Self {
                scheme: "https",
                authority: DOCKER_HUB_API.to_string(),
                host: DOCKER_HUB_API.to_string(),
                port: 443,
                is_docker_hub: true,
            };
        }
        let (host, port) = split_host_port(registry);
        let insecure = is_loopback(&host);
        let scheme = if insecure { "http" } else { "https" };
        let default_port = if insecure { 80 } else { 443 };
        Self {
            scheme,
            authority: registry.to_string(),
            host,
            port: port.unwrap_or(default_port),
            is_docker_hub: false,
        }
    }

    /// `https://registry-1.docker.io`
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }

    /// True for plain-HTTP (insecure) registries.
    pub fn is_insecure(&self) -> bool {
        self.scheme == "http"
    }
}

/// Splits `host[:port]`, `[v6]` and `[v6]:port`.
fn split_host_port(authority: &str) -> (String, Option<u16>) {
    if let Some(rest) = authority.strip_prefix('[') {
        if let Some((host, tail)) = rest.split_once(']') {
            let port = tail.strip_prefix(':').and_then(|p| p.parse().ok());
            return (host.to_string(), port);
        }
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host.to_string(), port.parse().ok()),
        _ => (authority.to_string(), None),
    }
}

/// `localhost`, any 127.0.0.0/8 address, or `::1`.
fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => {
            v6.is_loopback()
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v| v == Ipv4Addr::LOCALHOST)
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_is_registry_1_over_https() {
        let e = Endpoint::for_registry("docker.io");
        assert_eq!(e.base_url(), "https://registry-1.docker.io");
        assert!(e.is_docker_hub && !e.is_insecure());
        assert_eq!(e.port, 443);
    }

    #[test]
    fn other_registries_use_https_at_their_own_name() {
        let e = Endpoint::for_registry("ghcr.io");
        assert_eq!(e.base_url(), "https://ghcr.io");
        let e = Endpoint::for_registry("registry.example.com:5000");
        assert_eq!(e.base_url(), "https://registry.example.com:5000");
        assert_eq!((e.host.as_str(), e.port), ("registry.example.com", 5000));
        assert!(!e.is_docker_hub);
    }

    #[test]
    fn loopback_registries_are_insecure_plain_http() {
        for (registry, host, port) in [
            ("localhost", "localhost", 80),
            ("localhost:5000", "localhost", 5000),
            ("127.0.0.1:41234", "127.0.0.1", 41234),
            ("127.1.2.3", "127.1.2.3", 80),
            ("[::1]:5000", "::1", 5000),
            ("[::1]", "::1", 80),
        ] {
            let e = Endpoint::for_registry(registry);
            assert!(e.is_insecure(), "{registry}");
            assert_eq!(e.base_url(), format!("http://{registry}"));
            assert_eq!((e.host.as_str(), e.port), (host, port), "{registry}");
        }
        assert!(!Endpoint::for_registry("128.0.0.1:5000").is_insecure());
        assert!(!Endpoint::for_registry("localhost.example.com").is_insecure());
    }
}
