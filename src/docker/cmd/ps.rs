//! `docker ps` / `docker container ls`: Docker's columns, status texts, filters and
//! `--format` over the engine's container list.

use chrono::{DateTime, Utc};
use dockerlings_runtime::container::inspect::ContainerSummary;
use dockerlings_runtime::container::state::{RuntimeState, Status};
use serde_json::{json, Value};

use super::filters::Filters;
use crate::docker::format::{render_rows, Format};
use crate::docker::spec::Matches;
use crate::docker::units::{go_time_string, human_duration, human_size_with_precision};
use crate::docker::{CmdResult, Ctx, Failure};

const TABLE: &str =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
pub const CONTAINER_CONTEXT: &str = "*formatter.ContainerContext";
const FILTERS: &[&str] = &[
    "ancestor", "before", "exited", "expose", "health", "id", "is-task", "label", "name",
    "network", "publish", "since", "status", "volume",
];
const STATUSES: &[&str] = &[
    "created",
    "restarting",
    "running",
    "removing",
    "paused",
    "exited",
    "dead",
];

/// Docker's column titles for container contexts.
pub fn headers() -> Value {
    json!({
        "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
        "RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE", "Status": "STATUS",
        "Size": "SIZE", "Names": "NAMES", "Labels": "LABELS", "Mounts": "MOUNTS",
        "Networks": "NETWORKS", "LocalVolumes": "LOCAL VOLUMES", "Platform": "PLATFORM",
    })
}

/// Docker's `State.String()`: `Up 5 seconds`, `Up 2 minutes (Paused)`,
/// `Restarting (1) 3 seconds ago`, `Exited (0) 3 seconds ago`, `Created`.
pub fn status_text(state: &RuntimeState, now: DateTime<Utc>) -> String {
    let since = |t: Option<DateTime<Utc>>| human_duration(now - t.unwrap_or(now));
    match state.status {
        Status::Running => format!("Up {}", since(state.started_at)),
        Status::Paused => format!("Up {} (Paused)", since(state.started_at)),
        Status::Restarting => format!(
            "Restarting ({}) {} ago",
            state.exit_code,
            since(state.finished_at)
        ),
        Status::Removing => "Removal In Progress".to_string(),
        Status::Dead => "Dead".to_string(),
        Status::Created => "Created".to_string(),
        Status::Exited if state.started_at.is_none() => "Created".to_string(),
        Status::Exited => match state.finished_at {
            None => String::new(),
            Some(t) => format!(
                "Exited ({}) {} ago",
                state.exit_code,
                human_duration(now - t)
            ),
        },
    }
}

/// Go's `strconv.Quote` for the characters a command line holds.
pub fn go_quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Docker's `TruncateWithEllipsis`: at most `max` characters, the last being `…`.
pub fn ellipsis(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The PORTS cell (`80/tcp`, `0.0.0.0:8080->80/tcp`).
pub fn ports_text(c: &ContainerSummary) -> String {
    let mut items: Vec<String> = c
        .ports
        .iter()
        .map(|p| match p.public_port {
            Some(public) => {
                let ip = if p.ip.is_empty() {
                    "0.0.0.0"
                } else {
                    p.ip.as_str()
                };
                format!("{ip}:{public}->{}/{}", p.private_port, p.kind)
            }
            None => format!("{}/{}", p.private_port, p.kind),
        })
        .collect();
    items.sort();
    items.dedup();
    items.join(", ")
}

fn row(c: &ContainerSummary, trunc: bool, now: DateTime<Utc>) -> Value {
    let id = if trunc {
        c.id[..12].to_string()
    } else {
        c.id.clone()
    };
    let command = if trunc {
        go_quote(&ellipsis(&c.command, 20))
    } else {
        go_quote(&c.command)
    };
    let names: Vec<&str> = c
        .names
        .iter()
        .map(|n| n.strip_prefix('/').unwrap_or(n))
        .collect();
    let size = match (c.size_rw, c.size_root_fs) {
        (Some(rw), Some(root)) => format!(
            "{} (virtual {})",
            human_size_with_precision(rw as f64, 3),
            human_size_with_precision(root as f64, 3)
        ),
        _ => String::new(),
    };
    let labels: Vec<String> = c.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mounts: Vec<String> = c
        .mounts
        .iter()
        .map(|m| {
            let name = if m.is_volume() {
                m.name.clone()
            } else {
                m.source.clone()
            };
            if trunc {
                ellipsis(&name, 15)
            } else {
                name
            }
        })
        .collect();
    let network = if !c.networks.is_empty() {
        c.networks.join(",")
    } else if c.network_mode.starts_with("container:") {
        String::new()
    } else {
        match c.network_mode.as_str() {
            "default" | "" => "bridge".to_string(),
            other => other.to_string(),
        }
    };
    let state = serde_json::to_value(c.state.status).unwrap_or(Value::Null);
    json!({
        "ID": id,
        "Image": c.image,
        "Command": command,
        "CreatedAt": go_time_string(c.created),
        "RunningFor": format!("{} ago", human_duration(now - c.created)),
        "Ports": ports_text(c),
        "State": state,
        "Status": status_text(&c.state, now),
        "Size": size,
        "Names": names.join(","),
        "Labels": labels.join(","),
        "Mounts": mounts.join(","),
        "Networks": network,
        "LocalVolumes": c.mounts.iter().filter(|m| m.is_volume()).count().to_string(),
        "Platform": "linux",
    })
}

/// `name=` matches like Docker's regexp filter over `/name`; plain text is a substring,
/// `^`/`$` anchor.
fn name_matches(pattern: &str, name: &str) -> bool {
    let (start, p) = match pattern.strip_prefix('^') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let (end, p) = match p.strip_suffix('$') {
        Some(p) => (true, p),
        None => (false, p),
    };
    let candidates = [name.to_string(), name.trim_start_matches('/').to_string()];
    candidates.iter().any(|n| match (start, end) {
        (true, true) => n == p,
        (true, false) => n.starts_with(p),
        (false, true) => n.ends_with(p),
        (false, false) => n.contains(p),
    })
}

struct Selection {
    filters: Filters,
    ancestors: Vec<String>,
    /// `network=` values resolved to network names (a name, or an ID or ID prefix).
    networks: Vec<String>,
}

impl Selection {
    fn keep(&self, c: &ContainerSummary, all: &[ContainerSummary]) -> Result<bool, Failure> {
        let f = &self.filters;
        let status = serde_json::to_value(c.state.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if !f.get("status").is_empty() && !f.get("status").contains(&status) {
            return Ok(false);
        }
        if !f.get("name").is_empty()
            && !f
                .get("name")
                .iter()
                .any(|p| c.names.iter().any(|n| name_matches(p, n)))
        {
            return Ok(false);
        }
        if !f.get("id").is_empty() && !f.get("id").iter().any(|p| c.id.starts_with(p.as_str())) {
            return Ok(false);
        }
        if !f.labels_match("label", &c.labels) {
            return Ok(false);
        }
        if !f.get("exited").is_empty() {
            let exited = c.state.status == Status::Exited && c.state.started_at.is_some();
            if !exited
                || !f
                    .get("exited")
                    .iter()
                    .any(|e| e.parse::<i32>().ok() == Some(c.state.exit_code))
            {
                return Ok(false);
            }
        }
        if !self.networks.is_empty() && !self.networks.iter().any(|n| c.networks.contains(n)) {
            return Ok(false);
        }
        if !f.get("ancestor").is_empty() && !self.ancestors.contains(&c.image_id) {
            return Ok(false);
        }
        if !f.get("volume").is_empty()
            && !f.get("volume").iter().any(|v| {
                c.mounts
                    .iter()
                    .any(|m| m.name == *v || m.source == *v || m.destination == *v)
            })
        {
            return Ok(false);
        }
        for (key, newer) in [("before", false), ("since", true)] {
            for reference in f.get(key) {
                let Some(other) = all.iter().find(|o| {
                    o.id.starts_with(reference.as_str())
                        || o.names
                            .iter()
                            .any(|n| n.trim_start_matches('/') == reference.trim_start_matches('/'))
                }) else {
                    return Err(Failure::daemon(format!("No such container: {reference}")));
                };
                let keep = if newer {
                    c.created > other.created
                } else {
                    c.created < other.created
                };
                if !keep {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let path = ctx.path.clone();
    let filters = Filters::parse(m.values("filter"), &path, "--filter", FILTERS)?;
    for s in filters.get("status") {
        if !STATUSES.contains(&s.as_str()) {
            return Err(Failure::daemon(format!("invalid filter 'status={s}'")));
        }
    }
    let mut last: i64 = m.value("last").and_then(|n| n.parse().ok()).unwrap_or(-1);
    if m.flag("latest") {
        last = 1;
    }
    let all = m.flag("all")
        || last > 0
        || !filters.get("status").is_empty()
        || !filters.get("exited").is_empty();
    let size = m.flag("size") || m.value("format").is_some_and(|f| f.contains(".Size"));
    let mut ancestors = Vec::new();
    for a in filters.get("ancestor") {
        if let Ok(doc) = ctx.engine()?.image_inspect(a) {
            if let Some(id) = doc["Id"].as_str() {
                ancestors.push(id.to_string());
            }
        }
    }
    let listed = ctx
        .engine()?
        .containers(true, size)
        .map_err(Failure::daemon)?;
    let mut networks = Vec::new();
    if !filters.get("network").is_empty() {
        let store = ctx.engine()?.network_store().map_err(Failure::daemon)?;
        for value in filters.get("network") {
            networks.push(match store.resolve(value) {
                Ok(n) => n.name,
                Err(_) => value.clone(),
            });
        }
    }
    let selection = Selection {
        filters,
        ancestors,
        networks,
    };
    let mut shown = Vec::new();
    for c in &listed {
        let live = matches!(
            c.state.status,
            Status::Running | Status::Paused | Status::Restarting
        );
        if (all || live) && selection.keep(c, &listed)? {
            shown.push(c.clone());
        }
    }
    if last > 0 {
        shown.truncate(last as usize);
    }
    let trunc = !m.flag("no-trunc");
    let format = match m.value("format").filter(|f| !f.is_empty()) {
        Some(f) => Format(f.to_string()),
        None if m.flag("quiet") => Format("{{.ID}}".into()),
        None if m.flag("size") => Format(format!("{TABLE}\t{{{{.Size}}}}")),
        None => Format(TABLE.into()),
    };
    let format = if format.0 == "table" {
        Format(TABLE.into())
    } else {
        format
    };
    let rows: Vec<Value> = shown.iter().map(|c| row(c, trunc, ctx.now)).collect();
    let text = render_rows(&format, &rows, &headers(), CONTAINER_CONTEXT)
        .map_err(|e| Failure::cli(e.0))?;
    ctx.out(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn status_texts_like_docker() {
        let now = t("2024-01-01T12:00:00Z");
        let mut s = RuntimeState::created();
        assert_eq!(status_text(&s, now), "Created");
        s.status = Status::Running;
        s.started_at = Some(now - Duration::seconds(5));
        assert_eq!(status_text(&s, now), "Up 5 seconds");
        s.started_at = Some(now - Duration::milliseconds(300));
        assert_eq!(status_text(&s, now), "Up Less than a second");
        s.status = Status::Paused;
        s.started_at = Some(now - Duration::minutes(2));
        assert_eq!(status_text(&s, now), "Up 2 minutes (Paused)");
        s.status = Status::Restarting;
        s.exit_code = 1;
        s.finished_at = Some(now - Duration::seconds(3));
        assert_eq!(status_text(&s, now), "Restarting (1) 3 seconds ago");
        s.status = Status::Exited;
        s.exit_code = 0;
        assert_eq!(status_text(&s, now), "Exited (0) 3 seconds ago");
        s.exit_code = 137;
        s.finished_at = Some(now - Duration::hours(1));
        assert_eq!(status_text(&s, now), "Exited (137) About an hour ago");
        s.status = Status::Dead;
        assert_eq!(status_text(&s, now), "Dead");
        s.status = Status::Removing;
        assert_eq!(status_text(&s, now), "Removal In Progress");
    }

    #[test]
    fn command_is_quoted_and_truncated() {
        assert_eq!(
            go_quote(&ellipsis("/docker-entrypoint.sh nginx -g daemon off;", 20)),
            "\"/docker-entrypoint.…\""
        );
        assert_eq!(go_quote(&ellipsis("bash", 20)), "\"bash\"");
        assert_eq!(go_quote("sh -c \"echo hi\""), "\"sh -c \\\"echo hi\\\"\"");
        assert_eq!(ellipsis("12345678901234567890", 20), "12345678901234567890");
    }

    #[test]
    fn name_filter_matches_like_a_regexp() {
        assert!(name_matches("web", "/web"));
        assert!(name_matches("we", "/my-web-1"));
        assert!(name_matches("^web$", "/web"));
        assert!(name_matches("^/web$", "/web"));
        assert!(!name_matches("^web$", "/web2"));
        assert!(!name_matches("db", "/web"));
    }
}
