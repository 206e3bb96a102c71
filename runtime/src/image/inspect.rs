//! What `docker images`, `docker image inspect` and `docker history` show, computed from
//! the stored manifests and configs. The inspect JSON follows Docker 25 (API 1.44): its
//! fields in its order, including the deprecated `Container` / `ContainerConfig`, which
//! Docker 25 still printed (as an empty config for images not built by the classic builder).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::store::{ImageStore, Snapshot, StoredImage};
use super::users::ImageUsers;
use super::view::{HistoryEntry, ImageSummary};

/// Go's zero `time.Time`, which Docker prints for unknown times.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// The image's creation time from its config (the Unix epoch when absent or unreadable).
pub fn created(image: &StoredImage) -> DateTime<Utc> {
    image
        .config
        .created()
        .as_deref()
        .and_then(parse_time)
        .unwrap_or_default()
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Go's `time.RFC3339Nano`: fractional seconds without trailing zeros.
pub fn rfc3339_nano(t: &DateTime<Utc>) -> String {
    let full = t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    let (head, _) = full.split_once('.').unwrap_or((&full, ""));
    let frac = format!("{:09}", t.timestamp_subsec_nanos());
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{head}Z")
    } else {
        format!("{head}.{frac}Z")
    }
}

/// One [`ImageSummary`] per image, newest first.
pub fn summaries(
    store: &ImageStore,
    snapshot: &Snapshot,
    users: &dyn ImageUsers,
) -> Vec<ImageSummary> {
    let counts = snapshot.layer_use_counts();
    let mut out: Vec<ImageSummary> = snapshot
        .images
        .iter()
        .map(|image| {
            let unique: BTreeSet<&String> = image.diff_ids().iter().collect();
            let shared_size = unique
                .iter()
                .filter(|d| counts.get(d.as_str()).copied().unwrap_or(0) > 1)
                .map(|d| store.layer_size(d))
                .sum();
            let labels: BTreeMap<String, String> = image
                .config
                .config()
                .as_ref()
                .and_then(|c| c.labels().clone())
                .map(|l| l.into_iter().collect())
                .unwrap_or_default();
            ImageSummary {
                id: image.id.clone(),
                repo_tags: image.tags().map(|t| t.familiar()).collect(),
                repo_digests: image
                    .names
                    .iter()
                    .filter(|n| n.digest().is_some())
                    .map(|n| n.familiar())
                    .collect(),
                created: created(image),
                size: store.image_size(image),
                shared_size,
                containers: users.users(&image.id).len(),
                labels,
            }
        })
        .collect();
    out.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
    out
}

/// `docker image inspect` JSON for one image.
pub fn inspect(store: &ImageStore, image: &StoredImage) -> Value {
    let raw = &image.config_json;
    let text = |key: &str| {
        raw.get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let diff_ids = image.diff_ids();
    let mut graph = Map::new();
    let dirs = store.lower_dirs(image);
    if dirs.len() > 1 {
        let lower: Vec<String> = dirs[1..].iter().map(|d| d.display().to_string()).collect();
        graph.insert("LowerDir".into(), Value::String(lower.join(":")));
    }
    if let Some(top) = dirs.first() {
        graph.insert("UpperDir".into(), Value::String(top.display().to_string()));
    }
    let mut out = Map::new();
    out.insert("Id".into(), json!(image.id));
    out.insert(
        "RepoTags".into(),
        json!(image.tags().map(|t| t.familiar()).collect::<Vec<_>>()),
    );
    out.insert(
        "RepoDigests".into(),
        json!(image
            .names
            .iter()
            .filter(|n| n.digest().is_some())
            .map(|n| n.familiar())
            .collect::<Vec<_>>()),
    );
    out.insert("Parent".into(), json!(text("parent")));
    out.insert("Comment".into(), json!(text("comment")));
    out.insert("Created".into(), json!(rfc3339_nano(&created(image))));
    out.insert("Container".into(), json!(text("container")));
    out.insert(
        "ContainerConfig".into(),
        go_container_config(raw.get("container_config").unwrap_or(&Value::Null)),
    );
    out.insert("DockerVersion".into(), json!(text("docker_version")));
    out.insert("Author".into(), json!(text("author")));
    out.insert(
        "Config".into(),
        match raw.get("config") {
            Some(config) if config.is_object() => go_container_config(config),
            _ => Value::Null,
        },
    );
    out.insert("Architecture".into(), json!(text("architecture")));
    if let Some(variant) = raw
        .get("variant")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
    {
        out.insert("Variant".into(), json!(variant));
    }
    out.insert("Os".into(), json!(text("os")));
    if let Some(version) = raw
        .get("os.version")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
    {
        out.insert("OsVersion".into(), json!(version));
    }
    out.insert("Size".into(), json!(store.image_size(image)));
    out.insert(
        "GraphDriver".into(),
        json!({ "Data": Value::Object(graph), "Name": "overlay2" }),
    );
    out.insert(
        "RootFS".into(),
        json!({ "Type": "layers", "Layers": diff_ids }),
    );
    out.insert(
        "Metadata".into(),
        json!({ "LastTagTime": image.last_tag_time.clone().unwrap_or_else(|| ZERO_TIME.to_string()) }),
    );
    Value::Object(out)
}

/// An image config's `config` object in the shape of Go's `container.Config`: every field
/// Docker always prints, the `omitempty` ones only when set.
fn go_container_config(source: &Value) -> Value {
    let get = |key: &str| source.get(key).filter(|v| !v.is_null());
    let string = |key: &str| get(key).cloned().unwrap_or_else(|| json!(""));
    let boolean = |key: &str| get(key).cloned().unwrap_or(json!(false));
    let nullable = |key: &str| get(key).cloned().unwrap_or(Value::Null);
    let mut out = Map::new();
    out.insert("Hostname".into(), string("Hostname"));
    out.insert("Domainname".into(), string("Domainname"));
    out.insert("User".into(), string("User"));
    out.insert("AttachStdin".into(), boolean("AttachStdin"));
    out.insert("AttachStdout".into(), boolean("AttachStdout"));
    out.insert("AttachStderr".into(), boolean("AttachStderr"));
    if let Some(ports) =
        get("ExposedPorts").filter(|p| p.as_object().is_some_and(|m| !m.is_empty()))
    {
        out.insert("ExposedPorts".into(), ports.clone());
    }
    out.insert("Tty".into(), boolean("Tty"));
    out.insert("OpenStdin".into(), boolean("OpenStdin"));
    out.insert("StdinOnce".into(), boolean("StdinOnce"));
    out.insert("Env".into(), nullable("Env"));
    out.insert("Cmd".into(), nullable("Cmd"));
    if let Some(health) = get("Healthcheck") {
        out.insert("Healthcheck".into(), health.clone());
    }
    if get("ArgsEscaped").and_then(Value::as_bool) == Some(true) {
        out.insert("ArgsEscaped".into(), json!(true));
    }
    out.insert("Image".into(), string("Image"));
    out.insert("Volumes".into(), nullable("Volumes"));
    out.insert("WorkingDir".into(), string("WorkingDir"));
    out.insert("Entrypoint".into(), nullable("Entrypoint"));
    if get("NetworkDisabled").and_then(Value::as_bool) == Some(true) {
        out.insert("NetworkDisabled".into(), json!(true));
    }
    if let Some(mac) = get("MacAddress").filter(|m| m.as_str().is_some_and(|s| !s.is_empty())) {
        out.insert("MacAddress".into(), mac.clone());
    }
    out.insert("OnBuild".into(), nullable("OnBuild"));
    out.insert("Labels".into(), nullable("Labels"));
    if let Some(signal) = get("StopSignal").filter(|s| s.as_str().is_some_and(|s| !s.is_empty())) {
        out.insert("StopSignal".into(), signal.clone());
    }
    if let Some(timeout) = get("StopTimeout") {
        out.insert("StopTimeout".into(), timeout.clone());
    }
    if let Some(shell) = get("Shell") {
        out.insert("Shell".into(), shell.clone());
    }
    Value::Object(out)
}

/// `docker history`: the config's history, newest first, with layer sizes.
pub fn history(store: &ImageStore, image: &StoredImage) -> Vec<HistoryEntry> {
    let diff_ids = image.diff_ids();
    let mut layer = 0usize;
    let mut out = Vec::new();
    for item in image.config.history().clone().unwrap_or_default() {
        let size = if item.empty_layer().unwrap_or(false) {
            0
        } else {
            let size = diff_ids.get(layer).map_or(0, |d| store.layer_size(d));
            layer += 1;
            size
        };
        out.push(HistoryEntry {
            id: None,
            created: item
                .created()
                .as_deref()
                .and_then(parse_time)
                .unwrap_or_default(),
            created_by: item.created_by().clone().unwrap_or_default(),
            size,
            comment: item.comment().clone().unwrap_or_default(),
            tags: Vec::new(),
        });
    }
    out.reverse();
    if let Some(top) = out.first_mut() {
        top.id = Some(image.id.clone());
        top.tags = image.tags().map(|t| t.familiar()).collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_nano_trims_like_go() {
        let t = DateTime::parse_from_rfc3339("2024-01-02T03:04:05.120Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(rfc3339_nano(&t), "2024-01-02T03:04:05.12Z");
        let t = DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(rfc3339_nano(&t), "2024-01-02T03:04:05Z");
    }

    #[test]
    fn container_config_has_docker_fields_in_order() {
        let v = go_container_config(
            &json!({"Env": ["A=1"], "ExposedPorts": {"80/tcp": {}}, "StopSignal": "SIGQUIT"}),
        );
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "Hostname",
                "Domainname",
                "User",
                "AttachStdin",
                "AttachStdout",
                "AttachStderr",
                "ExposedPorts",
                "Tty",
                "OpenStdin",
                "StdinOnce",
                "Env",
                "Cmd",
                "Image",
                "Volumes",
                "WorkingDir",
                "Entrypoint",
                "OnBuild",
                "Labels",
                "StopSignal"
            ]
        );
        assert_eq!(v["Image"], "");
        assert_eq!(v["Cmd"], Value::Null);
    }
}
