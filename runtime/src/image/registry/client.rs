//! The HTTP side of a pull: one client per repository, carrying its bearer token.
//!
//! Requests are plain blocking HTTP/1.1 through `ureq` (rustls for TLS, with the Mozilla
//! root certificates compiled in: nothing to install, no OpenSSL). Connecting gives up after
//! 5 seconds; a stalled transfer after 60 seconds without data. Failures are worded as
//! Docker's Go client words them (`dial tcp 127.0.0.1:5000: connect: connection refused`),
//! because that is what learners will meet on real Docker.

use std::io::{self, Read};
use std::net::ToSocketAddrs;
use std::sync::Mutex;
use std::time::Duration;

use ureq::http::{Response, StatusCode};
use ureq::{Agent, Body};

use super::auth::{self, Challenge};
use super::endpoint::Endpoint;
use super::RegistryError;
use crate::image::reference::Reference;
use crate::image::ImageError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The most of an error or token body read.
const SMALL_BODY: u64 = 1 << 20;

/// A client for one repository of one registry.
pub struct RegistryClient {
    agent: Agent,
    endpoint: Endpoint,
    /// The repository path in the registry (`library/nginx`).
    path: String,
    /// How errors name the repository (`nginx`, `127.0.0.1:5000/test/app`).
    familiar_name: String,
    token: Mutex<Option<String>>,
}

/// A response whose status is known to be 200.
pub struct Fetched {
    pub response: Response<Body>,
    pub url: String,
}

impl Fetched {
    pub fn header(&self, name: &str) -> Option<String> {
        self.response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The body, at most `limit` bytes.
    pub fn bytes(mut self, limit: u64) -> Result<Vec<u8>, RegistryError> {
        let url = self.url;
        self.response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| transfer_error(&url, &e))
    }

    pub fn into_reader(self) -> impl Read + Send + 'static {
        self.response.into_body().into_reader()
    }
}

impl RegistryClient {
    /// A client for the repository of `reference`.
    pub fn new(reference: &Reference) -> Self {
        let endpoint = Endpoint::for_registry(reference.registry());
        let mut config = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_recv_response(Some(RESPONSE_TIMEOUT))
            .timeout_per_read(Some(READ_TIMEOUT))
            .user_agent(format!(
                "dockerlings/{} (docker-compatible)",
                crate::VERSION
            ));
        if endpoint.is_insecure() {
            // A registry on this machine is never reached through a proxy.
            config = config.proxy(None);
        }
        Self {
            agent: Agent::new_with_config(config.build()),
            path: reference.path().to_string(),
            familiar_name: reference.familiar_name(),
            endpoint,
            token: Mutex::new(None),
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/v2/{}", self.endpoint.base_url(), tail)
    }

    /// `GET /v2/`: checks the registry is there and learns how it wants to be authenticated.
    /// A failure to reach it is [`RegistryError::Unreachable`].
    pub fn ping(&self) -> Result<(), RegistryError> {
        let url = self.url("");
        let addrs = resolve(&self.endpoint).map_err(|cause| RegistryError::Unreachable {
            url: url.clone(),
            cause,
        })?;
        let response = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| RegistryError::Unreachable {
                url: url.clone(),
                cause: dial_error(&e, &addrs),
            })?;
        if response.status() == StatusCode::UNAUTHORIZED {
            if let Some(challenge) = challenge_of(&response) {
                self.authorize(&challenge)?;
            }
        }
        Ok(())
    }

    /// Fetches a token for `challenge` (with at least the repository's pull scope).
    fn authorize(&self, challenge: &Challenge) -> Result<(), RegistryError> {
        let mut request = self.agent.get(&challenge.realm);
        if let Some(service) = &challenge.service {
            request = request.query("service", service);
        }
        let wanted = auth::pull_scope(&self.path);
        let mut scopes = vec![wanted.clone()];
        if let Some(scope) = challenge.scope.as_ref().filter(|s| **s != wanted) {
            scopes.push(scope.clone());
        }
        for scope in &scopes {
            request = request.query("scope", scope);
        }
        let realm = challenge.realm.clone();
        let mut response = request.call().map_err(|e| RegistryError::Transport {
            url: realm.clone(),
            cause: error_text(&e),
        })?;
        let status = response.status();
        let body = response
            .body_mut()
            .with_config()
            .limit(SMALL_BODY)
            .read_to_vec()
            .map_err(|e| transfer_error(&realm, &e))?;
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(self.denied());
        }
        if !status.is_success() {
            return Err(RegistryError::Transport {
                url: realm,
                cause: registry_message(status, &body)
                    .unwrap_or_else(|| format!("unexpected status: {}", status_text(status))),
            });
        }
        let token = auth::parse_token(&body).ok_or_else(|| {
            RegistryError::Invalid(format!("the token server at {realm} sent no token"))
        })?;
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = Some(token);
        Ok(())
    }

    fn denied(&self) -> RegistryError {
        RegistryError::Registry(
            ImageError::PullAccessDenied(self.familiar_name.clone()).to_string(),
        )
    }

    /// `GET` with the current token; a `401` carrying a challenge gets a new token and one
    /// retry. Any status is returned (the caller maps errors).
    fn get(&self, url: &str, accept: Option<&str>) -> Result<Response<Body>, RegistryError> {
        let mut retried = false;
        loop {
            let mut request = self.agent.get(url);
            if let Some(accept) = accept {
                request = request.header("Accept", accept);
            }
            let token = self.token.lock().unwrap_or_else(|p| p.into_inner()).clone();
            if let Some(token) = token {
                request = request.header("Authorization", format!("Bearer {token}"));
            }
            let response = request.call().map_err(|e| RegistryError::Transport {
                url: url.to_string(),
                cause: error_text(&e),
            })?;
            if response.status() == StatusCode::UNAUTHORIZED && !retried {
                if let Some(challenge) = challenge_of(&response) {
                    retried = true;
                    self.authorize(&challenge)?;
                    continue;
                }
            }
            return Ok(response);
        }
    }

    /// `GET /v2/<path>/manifests/<reference>`. `wanted` is the reference for error texts.
    pub fn manifest(
        &self,
        tag_or_digest: &str,
        wanted: &Reference,
    ) -> Result<Fetched, crate::Error> {
        let url = self.url(&format!("{}/manifests/{tag_or_digest}", self.path));
        let mut response = self.get(&url, Some(super::manifest::ACCEPT))?;
        let status = response.status();
        if status.is_success() {
            return Ok(Fetched { response, url });
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(SMALL_BODY)
            .read_to_vec()
            .unwrap_or_default();
        Err(manifest_error(
            status,
            &body,
            wanted,
            self.endpoint.is_docker_hub,
        ))
    }

    pub fn blob_url(&self, digest: &str) -> String {
        self.url(&format!("{}/blobs/{digest}", self.path))
    }

    /// `GET /v2/<path>/blobs/<digest>`, following redirects (Docker Hub sends blobs from a
    /// CDN; the token is not sent there).
    pub fn blob(&self, digest: &str) -> Result<Fetched, RegistryError> {
        let url = self.blob_url(digest);
        let mut response = self.get(&url, None)?;
        let status = response.status();
        if status.is_success() {
            return Ok(Fetched { response, url });
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(SMALL_BODY)
            .read_to_vec()
            .unwrap_or_default();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(self.denied());
        }
        Err(match registry_message(status, &body) {
            Some(message) => RegistryError::Registry(message),
            None => RegistryError::UnexpectedStatus(status_text(status)),
        })
    }
}

/// Maps a failed manifest request to Docker's error.
pub fn manifest_error(
    status: StatusCode,
    body: &[u8],
    wanted: &Reference,
    docker_hub: bool,
) -> crate::Error {
    let code = first_error(body);
    let code_name = code.as_ref().map(|(c, _)| c.as_str());
    let denied = || ImageError::PullAccessDenied(wanted.familiar_name()).into();
    match (status, code_name) {
        (_, Some("MANIFEST_UNKNOWN")) => ImageError::ManifestUnknown(wanted.familiar()).into(),
        (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, _)
        | (_, Some("DENIED" | "UNAUTHORIZED")) => denied(),
        (_, Some("NAME_UNKNOWN")) if !docker_hub => RegistryError::RepositoryNotFound {
            name: wanted.familiar_name(),
            message: code.map(|(_, m)| m).unwrap_or_default(),
        }
        .into(),
        (StatusCode::NOT_FOUND, _) if docker_hub => denied(),
        (StatusCode::NOT_FOUND, _) => ImageError::ManifestUnknown(wanted.familiar()).into(),
        _ => match registry_message(status, body) {
            Some(message) => RegistryError::Registry(message).into(),
            None => RegistryError::UnexpectedStatus(status_text(status)).into(),
        },
    }
}

/// The first entry of a registry error body `{"errors":[{"code":…,"message":…}]}`.
fn first_error(body: &[u8]) -> Option<(String, String)> {
    let doc: serde_json::Value = serde_json::from_slice(body).ok()?;
    let first = doc.get("errors")?.as_array()?.first()?;
    let code = first.get("code")?.as_str()?.to_string();
    let message = first
        .get("message")
        .and_then(|m| m.as_str())
        .unwrap_or_default()
        .to_string();
    Some((code, message))
}

/// A registry error as Docker prints it: `toomanyrequests: You have reached …`.
fn registry_message(_status: StatusCode, body: &[u8]) -> Option<String> {
    let (code, message) = first_error(body)?;
    let code = code.to_ascii_lowercase().replace('_', " ");
    Some(if message.is_empty() {
        code
    } else {
        format!("{code}: {message}")
    })
}

/// `404 Not Found`
fn status_text(status: StatusCode) -> String {
    format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .trim_end()
    .to_string()
}

fn challenge_of(response: &Response<Body>) -> Option<Challenge> {
    response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(auth::parse_challenge)
}

/// Resolves the registry's host, worded as Go's resolver: `dial tcp: lookup x on
/// 10.0.0.53:53: no such host`.
fn resolve(endpoint: &Endpoint) -> Result<Vec<std::net::SocketAddr>, String> {
    match (endpoint.host.as_str(), endpoint.port).to_socket_addrs() {
        Ok(addrs) => {
            let addrs: Vec<_> = addrs.collect();
            if addrs.is_empty() {
                Err(lookup_error(&endpoint.host, "no such host"))
            } else {
                Ok(addrs)
            }
        }
        Err(e) => {
            let text = e.to_string();
            let cause = if text.contains("Name or service not known")
                || text.contains("No address associated")
                || text.contains("nodename nor servname")
            {
                "no such host".to_string()
            } else if text.contains("Temporary failure in name resolution") {
                "temporary failure in name resolution".to_string()
            } else {
                text.strip_prefix("failed to lookup address information: ")
                    .unwrap_or(&text)
                    .to_string()
            };
            Err(lookup_error(&endpoint.host, &cause))
        }
    }
}

fn lookup_error(host: &str, cause: &str) -> String {
    match first_nameserver() {
        Some(ns) => format!("dial tcp: lookup {host} on {ns}: {cause}"),
        None => format!("dial tcp: lookup {host}: {cause}"),
    }
}

/// The first `nameserver` of /etc/resolv.conf, as `ip:53` (`[v6]:53`).
fn first_nameserver() -> Option<String> {
    let text = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    let ns = text.lines().find_map(|l| {
        let mut words = l.split_whitespace();
        (words.next() == Some("nameserver"))
            .then(|| words.next())
            .flatten()
    })?;
    Some(if ns.contains(':') {
        format!("[{ns}]:53")
    } else {
        format!("{ns}:53")
    })
}

/// A connection failure, worded as Go's dialer: `dial tcp 127.0.0.1:5000: connect:
/// connection refused`.
fn dial_error(e: &ureq::Error, addrs: &[std::net::SocketAddr]) -> String {
    let addr = addrs.first().map(|a| a.to_string()).unwrap_or_default();
    match e {
        ureq::Error::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused => {
                format!("dial tcp {addr}: connect: connection refused")
            }
            io::ErrorKind::TimedOut => format!("dial tcp {addr}: i/o timeout"),
            io::ErrorKind::NetworkUnreachable => {
                format!("dial tcp {addr}: connect: network is unreachable")
            }
            io::ErrorKind::HostUnreachable => format!("dial tcp {addr}: connect: no route to host"),
            _ => format!("dial tcp {addr}: {}", io_text(io)),
        },
        ureq::Error::Timeout(_) => format!("dial tcp {addr}: i/o timeout"),
        ureq::Error::HostNotFound => lookup_error(
            addrs
                .first()
                .map(|a| a.ip().to_string())
                .as_deref()
                .unwrap_or(""),
            "no such host",
        ),
        ureq::Error::ConnectionFailed => format!("dial tcp {addr}: connect: connection failed"),
        other => error_text(other),
    }
}

/// A transfer failure, lowercased as Go prints them.
fn error_text(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => io_text(io),
        ureq::Error::Timeout(_) => "net/http: timeout awaiting response headers".to_string(),
        ureq::Error::Tls(t) => format!("tls: {t}"),
        ureq::Error::Rustls(r) => format!("tls: {r}"),
        other => other.to_string(),
    }
}

fn transfer_error(url: &str, e: &ureq::Error) -> RegistryError {
    RegistryError::Transport {
        url: url.to_string(),
        cause: error_text(e),
    }
}

fn io_text(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "unexpected EOF".to_string(),
        io::ErrorKind::ConnectionReset => "read: connection reset by peer".to_string(),
        _ => {
            let text = e.to_string();
            // Drop Rust's " (os error 111)" suffix and lowercase like Go's syscall texts.
            let text = text.split(" (os error").next().unwrap_or(&text);
            let mut chars = text.chars();
            match chars.next() {
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => String::new(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Reference {
        Reference::parse(s).unwrap().with_default_tag()
    }

    #[test]
    fn manifest_errors_read_like_dockers() {
        let body = br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}"#;
        assert_eq!(
            manifest_error(StatusCode::UNAUTHORIZED, body, &r("nosuch"), true).to_string(),
            "pull access denied for nosuch, repository does not exist or may require 'docker login': denied: requested access to the resource is denied"
        );
        let body = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#;
        assert_eq!(
            manifest_error(StatusCode::NOT_FOUND, body, &r("nginx:nope"), true).to_string(),
            "manifest for nginx:nope not found: manifest unknown: manifest unknown"
        );
        let body = br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}"#;
        assert_eq!(
            manifest_error(StatusCode::NOT_FOUND, body, &r("localhost:5000/x"), false).to_string(),
            "repository localhost:5000/x not found: name unknown: repository name not known to registry"
        );
        assert_eq!(
            manifest_error(StatusCode::NOT_FOUND, b"", &r("gone/repo"), true).to_string(),
            "pull access denied for gone/repo, repository does not exist or may require 'docker login': denied: requested access to the resource is denied"
        );
        let body = br#"{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}"#;
        assert_eq!(
            manifest_error(StatusCode::TOO_MANY_REQUESTS, body, &r("nginx"), true).to_string(),
            "toomanyrequests: You have reached your pull rate limit."
        );
        assert_eq!(
            manifest_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                b"oops",
                &r("nginx"),
                true
            )
            .to_string(),
            "received unexpected HTTP status: 500 Internal Server Error"
        );
    }

    #[test]
    fn unreachable_registries_are_worded_like_go() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let client = RegistryClient::new(&r(&format!("127.0.0.1:{port}/a/b")));
        let err = client.ping().unwrap_err();
        assert!(err.is_unreachable());
        assert_eq!(
            err.to_string(),
            format!("Get \"http://127.0.0.1:{port}/v2/\": dial tcp 127.0.0.1:{port}: connect: connection refused")
        );
        assert_eq!(
            lookup_error("h", "no such host").split(": lookup h").next(),
            Some("dial tcp")
        );
    }
}
