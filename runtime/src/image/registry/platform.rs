//! Choosing the host's image from a multi-platform image (a Docker manifest list or an OCI
//! index), as Docker does: same OS and architecture, and for arm64 the `v8` variant or none.
//! Entries for `unknown/unknown` (build attestations) never match.

use serde::Deserialize;

/// The `platform` object of a manifest list entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Platform {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
}

/// The platform this process runs on, in OCI terms.
pub fn host() -> Platform {
    let host = crate::platform::host();
    Platform {
        architecture: host.architecture.to_string(),
        os: host.os.to_string(),
        variant: host.variant.map(str::to_string),
    }
}

/// `linux/amd64`, `linux/arm64/v8` — the form Docker prints in "no matching manifest".
pub fn host_string() -> String {
    describe(&host())
}

pub fn describe(p: &Platform) -> String {
    match &p.variant {
        Some(v) => format!("{}/{}/{}", p.os, p.architecture, v),
        None => format!("{}/{}", p.os, p.architecture),
    }
}

/// How well `candidate` fits `wanted`: `None` when it cannot run, higher is better.
pub fn rank(wanted: &Platform, candidate: &Platform) -> Option<u8> {
    if candidate.os != wanted.os || candidate.architecture != wanted.architecture {
        return None;
    }
    let candidate_variant = candidate.variant.as_deref().filter(|v| !v.is_empty());
    match (wanted.variant.as_deref(), candidate_variant) {
        (w, c) if w == c => Some(2),
        // arm64 images usually leave out the (only) v8 variant.
        (Some("v8"), None) if wanted.architecture == "arm64" => Some(1),
        (None, Some("v1")) if wanted.architecture == "amd64" => Some(1),
        _ => None,
    }
}

/// The index of the best entry for the host among `platforms`, first one on a tie.
pub fn select<'a>(platforms: impl IntoIterator<Item = Option<&'a Platform>>) -> Option<usize> {
    let host = host();
    let mut best: Option<(usize, u8)> = None;
    for (i, platform) in platforms.into_iter().enumerate() {
        let Some(score) = platform.and_then(|p| rank(&host, p)) else {
            continue;
        };
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    best.map(|(i, _)| i)
}

/// True when a JSON `platform` object (from a stored index) fits the host.
pub fn matches_host(platform: Option<&serde_json::Value>) -> bool {
    platform
        .and_then(|p| serde_json::from_value::<Platform>(p.clone()).ok())
        .is_some_and(|p| rank(&host(), &p).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(os: &str, arch: &str, variant: Option<&str>) -> Platform {
        Platform {
            architecture: arch.into(),
            os: os.into(),
            variant: variant.map(Into::into),
        }
    }

    #[test]
    fn arm64_takes_v8_or_no_variant() {
        let arm64 = p("linux", "arm64", Some("v8"));
        assert_eq!(rank(&arm64, &p("linux", "arm64", Some("v8"))), Some(2));
        assert_eq!(rank(&arm64, &p("linux", "arm64", None)), Some(1));
        assert_eq!(rank(&arm64, &p("linux", "arm", Some("v7"))), None);
        assert_eq!(rank(&arm64, &p("windows", "arm64", Some("v8"))), None);
    }

    #[test]
    fn amd64_skips_attestations_and_other_arches() {
        let amd64 = p("linux", "amd64", None);
        assert_eq!(rank(&amd64, &p("linux", "amd64", None)), Some(2));
        assert_eq!(rank(&amd64, &p("unknown", "unknown", None)), None);
        assert_eq!(rank(&amd64, &p("linux", "386", None)), None);
    }

    #[test]
    fn select_prefers_the_host_entry() {
        let host = host();
        let others = [
            p("unknown", "unknown", None),
            p("linux", "s390x", None),
            host.clone(),
        ];
        let list: Vec<Option<&Platform>> = std::iter::once(None)
            .chain(others.iter().map(Some))
            .collect();
        assert_eq!(select(list), Some(3));
        assert_eq!(select([Some(&others[1])]), None);
        assert!(host_string().starts_with("linux/"));
        assert!(matches_host(Some(&serde_json::json!({
            "os": host.os, "architecture": host.architecture, "variant": host.variant
        }))));
        assert!(!matches_host(Some(
            &serde_json::json!({"os": "unknown", "architecture": "unknown"})
        )));
        assert!(!matches_host(None));
    }
}
