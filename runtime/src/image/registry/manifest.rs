//! Registry documents: image manifests and manifest lists / OCI indexes, in Docker's and
//! the OCI's media types, read just far enough to pull.

use serde::Deserialize;

use super::platform::Platform;
use super::RegistryError;

pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const SCHEMA1: [&str; 2] = [
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
];
const IMAGE_CONFIGS: [&str; 2] = [
    "application/vnd.docker.container.image.v1+json",
    "application/vnd.oci.image.config.v1+json",
];

/// The `Accept` header of a manifest request: every format we can pull.
pub const ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json";

/// The largest manifest accepted (Docker's limit too).
pub const MAX_MANIFEST_SIZE: u64 = 4 << 20;

/// A content descriptor (config, layer, or list entry).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default)]
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default)]
    pub platform: Option<Platform>,
}

/// A manifest or a list of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    Index(Vec<Descriptor>),
    Manifest {
        config: Descriptor,
        layers: Vec<Descriptor>,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    #[serde(default)]
    schema_version: Option<u32>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
}

/// Reads a manifest document. `content_type` is the response's `Content-Type`; the
/// document's own `mediaType` wins when present. `reference` names the image in errors.
pub fn parse(
    content_type: Option<&str>,
    bytes: &[u8],
    reference: &str,
) -> Result<Document, RegistryError> {
    let raw: Raw = serde_json::from_slice(bytes)
        .map_err(|e| RegistryError::Invalid(format!("invalid manifest for {reference}: {e}")))?;
    let header = content_type
        .map(|c| c.split(';').next().unwrap_or("").trim().to_string())
        .filter(|c| !c.is_empty() && c != "application/json" && c != "text/plain");
    let media_type = raw.media_type.clone().filter(|m| !m.is_empty()).or(header);
    if raw.schema_version == Some(1) || media_type.as_deref().is_some_and(|m| SCHEMA1.contains(&m))
    {
        return Err(RegistryError::SchemaOne(reference.to_string()));
    }
    let is_index = match media_type.as_deref() {
        Some(DOCKER_LIST) | Some(OCI_INDEX) => true,
        Some(DOCKER_MANIFEST) | Some(OCI_MANIFEST) => false,
        Some(other) => return Err(RegistryError::UnsupportedManifest(other.to_string())),
        None => raw.manifests.is_some(),
    };
    if is_index {
        let manifests = raw.manifests.ok_or_else(|| {
            RegistryError::Invalid(format!(
                "invalid manifest list for {reference}: no manifests"
            ))
        })?;
        return Ok(Document::Index(manifests));
    }
    let config = raw.config.ok_or_else(|| {
        RegistryError::Invalid(format!("invalid manifest for {reference}: no config"))
    })?;
    if !config.media_type.is_empty() && !IMAGE_CONFIGS.contains(&config.media_type.as_str()) {
        return Err(RegistryError::Invalid(format!(
            "{reference} is not a container image: its config is {}",
            config.media_type
        )));
    }
    Ok(Document::Manifest {
        config,
        layers: raw.layers.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    #[test]
    fn reads_docker_and_oci_manifests() {
        let docker = format!(
            r#"{{"schemaVersion":2,"mediaType":"{DOCKER_MANIFEST}","config":{{"mediaType":"application/vnd.docker.container.image.v1+json","size":7,"digest":"{D1}"}},"layers":[{{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":9,"digest":"{D1}"}}]}}"#
        );
        match parse(None, docker.as_bytes(), "x").unwrap() {
            Document::Manifest { config, layers } => {
                assert_eq!(config.size, 7);
                assert_eq!(layers.len(), 1);
                assert_eq!(
                    layers[0].media_type,
                    "application/vnd.docker.image.rootfs.diff.tar.gzip"
                );
            }
            other => panic!("{other:?}"),
        }
        // OCI manifests may leave mediaType out; the Content-Type header tells.
        let oci = format!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.oci.image.config.v1+json","size":7,"digest":"{D1}"}},"layers":[]}}"#
        );
        assert!(matches!(
            parse(
                Some("application/vnd.oci.image.manifest.v1+json; charset=utf-8"),
                oci.as_bytes(),
                "x"
            ),
            Ok(Document::Manifest { .. })
        ));
    }

    #[test]
    fn reads_lists_and_rejects_schema1_and_strangers() {
        let list = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"mediaType":"{OCI_MANIFEST}","size":3,"digest":"{D1}","platform":{{"architecture":"arm64","os":"linux","variant":"v8"}}}}]}}"#
        );
        match parse(None, list.as_bytes(), "x").unwrap() {
            Document::Index(m) => assert_eq!(
                m[0].platform.as_ref().unwrap().variant.as_deref(),
                Some("v8")
            ),
            other => panic!("{other:?}"),
        }
        let err = parse(None, br#"{"schemaVersion":1,"name":"x"}"#, "busybox:old").unwrap_err();
        assert!(err.to_string().starts_with("[DEPRECATION NOTICE]"), "{err}");
        assert!(err
            .to_string()
            .contains("Suggest the author of busybox:old"));
        let err = parse(
            Some("application/vnd.example+json"),
            br#"{"schemaVersion":2}"#,
            "x",
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "unsupported manifest media type and no default available: application/vnd.example+json");
        let helm = format!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.cncf.helm.config.v1+json","size":1,"digest":"{D1}"}},"layers":[]}}"#
        );
        assert!(parse(Some(OCI_MANIFEST), helm.as_bytes(), "chart").is_err());
        assert!(parse(None, b"<html>", "x").is_err());
    }
}
