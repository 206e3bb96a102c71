//! The image configuration JSON (the OCI/Docker "config" blob whose sha256 is the image ID).
//!
//! Written from our own structs rather than `oci-spec`'s so the bytes are fixed: field order
//! is declared here (top level alphabetical, as BuildKit-built images have it; the runnable
//! `config` in Docker's order), maps are sorted, and empty fields are left out.

use std::collections::BTreeMap;

use serde::Serialize;

use super::instruction::{ConfigState, BUILDKIT_COMMENT};

/// One `history` entry of the config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct HistoryJson {
    pub created: String,
    pub created_by: String,
    pub comment: &'static str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

impl HistoryJson {
    pub fn new(created: &str, created_by: String, empty_layer: bool) -> Self {
        Self {
            created: created.to_string(),
            created_by,
            comment: BUILDKIT_COMMENT,
            empty_layer,
        }
    }
}

#[derive(Serialize)]
struct ImageConfigJson<'a> {
    architecture: &'a str,
    config: RunConfigJson<'a>,
    created: &'a str,
    history: &'a [HistoryJson],
    os: &'a str,
    rootfs: RootFsJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RunConfigJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    exposed_ports: BTreeMap<&'a str, Empty>,
    env: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entrypoint: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cmd: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    working_dir: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_signal: Option<&'a str>,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct RootFsJson<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    diff_ids: &'a [String],
}

/// The platform images are built for: the target this crate was compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platform {
    /// GOARCH spelling: `amd64`, `arm64`, …
    pub architecture: &'static str,
    pub variant: Option<&'static str>,
    pub os: &'static str,
}

impl Platform {
    pub fn current() -> Self {
        let host = crate::platform::host();
        Self {
            architecture: host.architecture,
            variant: host.variant,
            os: host.os,
        }
    }
}

/// Serializes an image config. Compact JSON, as registries and `docker save` store it.
pub(crate) fn config_json(
    platform: Platform,
    created: &str,
    state: &ConfigState,
    history: &[HistoryJson],
    diff_ids: &[String],
) -> Vec<u8> {
    let config = ImageConfigJson {
        architecture: platform.architecture,
        config: RunConfigJson {
            user: state.user.as_deref(),
            exposed_ports: state
                .exposed_ports
                .iter()
                .map(|p| (p.as_str(), Empty {}))
                .collect(),
            env: state.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            entrypoint: state.entrypoint.as_deref(),
            cmd: state.cmd.as_deref(),
            working_dir: state.working_dir.as_deref(),
            labels: &state.labels,
            stop_signal: state.stop_signal.as_deref(),
        },
        created,
        history,
        os: platform.os,
        rootfs: RootFsJson {
            kind: "layers",
            diff_ids,
        },
        variant: platform.variant,
    };
    serde_json::to_vec(&config).expect("image config serializes")
}
