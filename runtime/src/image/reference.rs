//! Image references as Docker reads them: `[registry[:port]/]path[:tag][@sha256:…]`.
//!
//! A reference without a registry means Docker Hub (`docker.io`), and a one-component Hub
//! name lives under `library/` (`nginx` → `docker.io/library/nginx`). Docker shows the short
//! "familiar" form (`nginx:latest`) and stores the full one; so do we.

use std::fmt;

pub const DEFAULT_REGISTRY: &str = "docker.io";
pub const DEFAULT_TAG: &str = "latest";
const OFFICIAL_PREFIX: &str = "library/";
const MAX_NAME_LEN: usize = 255;

/// A parsed, normalized image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    registry: String,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

/// Why a string is not an image reference. The texts are Docker's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    #[error("invalid reference format")]
    InvalidFormat,
    #[error("invalid reference format: repository name ({0}) must be lowercase")]
    Uppercase(String),
    #[error("repository name must not be more than 255 characters")]
    NameTooLong,
}

impl Reference {
    /// Parses and normalizes a reference the way `docker pull` does.
    pub fn parse(input: &str) -> Result<Self, ReferenceError> {
        if input.is_empty() {
            return Err(ReferenceError::InvalidFormat);
        }
        let (rest, digest) = match input.split_once('@') {
            Some((rest, digest)) => {
                if !is_valid_digest(digest) {
                    return Err(ReferenceError::InvalidFormat);
                }
                (rest, Some(digest.to_string()))
            }
            None => (input, None),
        };
        // A tag follows the last ':' that comes after the last '/'.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let at = last_slash + i;
                let tag = &rest[at + 1..];
                if !is_valid_tag(tag) {
                    return Err(ReferenceError::InvalidFormat);
                }
                (&rest[..at], Some(tag.to_string()))
            }
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(ReferenceError::InvalidFormat);
        }
        if name.len() > MAX_NAME_LEN {
            return Err(ReferenceError::NameTooLong);
        }
        let (registry, path) = split_registry(name);
        if !registry_is_valid(&registry) {
            return Err(ReferenceError::InvalidFormat);
        }
        let path = if registry == DEFAULT_REGISTRY && !path.contains('/') {
            format!("{OFFICIAL_PREFIX}{path}")
        } else {
            path.to_string()
        };
        if path.chars().any(|c| c.is_ascii_uppercase()) {
            let lowered = path.to_ascii_lowercase();
            if path_is_valid(&lowered) {
                return Err(ReferenceError::Uppercase(path));
            }
            return Err(ReferenceError::InvalidFormat);
        }
        if !path_is_valid(&path) {
            return Err(ReferenceError::InvalidFormat);
        }
        Ok(Self {
            registry,
            path,
            tag,
            digest,
        })
    }

    /// The same reference with `latest` filled in when neither tag nor digest was given.
    pub fn with_default_tag(mut self) -> Self {
        if self.tag.is_none() && self.digest.is_none() {
            self.tag = Some(DEFAULT_TAG.to_string());
        }
        self
    }

    /// The same repository with another tag (and no digest).
    pub fn with_tag(&self, tag: &str) -> Self {
        Self {
            tag: Some(tag.to_string()),
            digest: None,
            ..self.clone()
        }
    }

    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path inside the registry (`library/nginx`).
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// `docker.io/library/nginx`
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.registry, self.path)
    }

    /// The repository as Docker shows it: `nginx`, `diamol/base`, `gcr.io/x/y`.
    pub fn familiar_name(&self) -> String {
        if self.registry == DEFAULT_REGISTRY {
            self.path
                .strip_prefix(OFFICIAL_PREFIX)
                .unwrap_or(&self.path)
                .to_string()
        } else {
            self.full_name()
        }
    }

    /// The reference as Docker shows it: `nginx:latest`, `diamol/base@sha256:…`.
    pub fn familiar(&self) -> String {
        self.render(&self.familiar_name())
    }

    /// The fully qualified form: `docker.io/library/nginx:latest`.
    pub fn canonical(&self) -> String {
        self.render(&self.full_name())
    }

    /// True for Docker Hub's official images (`library/…`).
    pub fn is_official(&self) -> bool {
        self.registry == DEFAULT_REGISTRY && self.path.starts_with(OFFICIAL_PREFIX)
    }

    fn render(&self, name: &str) -> String {
        let mut out = name.to_string();
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.familiar())
    }
}

impl std::str::FromStr for Reference {
    type Err = ReferenceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Docker's rule: the first component is a registry when it has a '.' or a ':' or is
/// `localhost`; otherwise the whole name is a Docker Hub path.
fn split_registry(name: &str) -> (String, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            let registry = if first == "index.docker.io" {
                DEFAULT_REGISTRY
            } else {
                first
            };
            (registry.to_string(), rest)
        }
        _ => (DEFAULT_REGISTRY.to_string(), name),
    }
}

fn registry_is_valid(registry: &str) -> bool {
    let (host, port) = match registry.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (registry, None),
    };
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Path components: `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`.
fn path_is_valid(path: &str) -> bool {
    path.split('/').all(component_is_valid)
}

fn component_is_valid(component: &str) -> bool {
    let bytes = component.as_bytes();
    if bytes.is_empty() || !is_alnum(bytes[0]) || !is_alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if is_alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !is_alnum(bytes[i]) {
            i += 1;
        }
        let sep = &component[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

fn is_valid_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn is_valid_digest(digest: &str) -> bool {
    match digest.split_once(':') {
        Some(("sha256", hex)) => {
            hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_images_live_under_library() {
        let r = Reference::parse("nginx").unwrap().with_default_tag();
        assert_eq!(r.canonical(), "docker.io/library/nginx:latest");
        assert_eq!(r.familiar(), "nginx:latest");
        assert!(r.is_official());
    }

    #[test]
    fn user_repositories_and_registries() {
        let r = Reference::parse("diamol/ch02-hello-diamol").unwrap();
        assert_eq!(r.full_name(), "docker.io/diamol/ch02-hello-diamol");
        assert_eq!(r.familiar_name(), "diamol/ch02-hello-diamol");
        assert!(!r.is_official());
        let r = Reference::parse("localhost:5000/team/app:v1.2").unwrap();
        assert_eq!(r.registry(), "localhost:5000");
        assert_eq!(r.path(), "team/app");
        assert_eq!(r.tag(), Some("v1.2"));
        assert_eq!(r.familiar(), "localhost:5000/team/app:v1.2");
    }

    #[test]
    fn digests_and_tags() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("alpine:3.19@{d}")).unwrap();
        assert_eq!(r.tag(), Some("3.19"));
        assert_eq!(r.digest(), Some(d.as_str()));
        assert_eq!(
            Reference::parse(&format!("alpine@{d}"))
                .unwrap()
                .with_default_tag()
                .tag(),
            None
        );
    }

    #[test]
    fn docker_rejects_these() {
        assert_eq!(
            Reference::parse("nginx:"),
            Err(ReferenceError::InvalidFormat)
        );
        assert_eq!(Reference::parse(":tag"), Err(ReferenceError::InvalidFormat));
        assert_eq!(Reference::parse("a b"), Err(ReferenceError::InvalidFormat));
        assert_eq!(
            Reference::parse("nginx@sha256:xyz"),
            Err(ReferenceError::InvalidFormat)
        );
        assert_eq!(
            Reference::parse("-nginx"),
            Err(ReferenceError::InvalidFormat)
        );
        assert_eq!(
            Reference::parse("Nginx").unwrap_err().to_string(),
            "invalid reference format: repository name (library/Nginx) must be lowercase"
        );
    }
}
