//! `docker volume create/ls/inspect/rm/prune`.

use std::collections::BTreeMap;

use dockerlings_runtime::container::volume::Volume;
use serde_json::{json, Value};

use super::containers::{confirm, deleted_section, total_line};
use super::filters::Filters;
use crate::docker::format::{render_rows, Format};
use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx, Failure};

const TABLE: &str = "table {{.Driver}}\t{{.Name}}";
const VOLUME_CONTEXT: &str = "*formatter.volumeContext";

fn headers() -> Value {
    json!({
        "Name": "VOLUME NAME", "Driver": "DRIVER", "Scope": "SCOPE", "Mountpoint": "MOUNTPOINT",
        "Labels": "LABELS", "Links": "LINKS", "Size": "SIZE",
    })
}

fn labels(values: &[String]) -> BTreeMap<String, String> {
    values
        .iter()
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or((l, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

pub fn create(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let driver = m.value("driver").unwrap_or("local");
    if driver != "local" {
        return Err(Failure::daemon(format!(
            "create {}: error looking up volume plugin {driver}: plugin \"{driver}\" not found",
            m.args.first().map(String::as_str).unwrap_or("")
        )));
    }
    if let (Some(a), Some(n)) = (m.args.first(), m.value("name")) {
        if a != n {
            return Err(Failure::cli(
                "conflicting options: either specify --name or provide positional arg, not both",
            ));
        }
    }
    let name = m.args.first().map(String::as_str).or(m.value("name"));
    let volume = ctx
        .engine()?
        .volume_create(name, labels(m.values("label")))
        .map_err(Failure::daemon)?;
    ctx.out(&format!("{}\n", volume.name))
}

fn row(v: &Volume, in_use: bool) -> Value {
    let labels: Vec<String> = v.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    json!({
        "Name": v.name, "Driver": v.driver, "Scope": "local",
        "Mountpoint": v.mountpoint.display().to_string(), "Labels": labels.join(","),
        "Links": if in_use { "1" } else { "0" }, "Size": "N/A",
    })
}

pub fn ls(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let path = ctx.path.clone();
    let filters = Filters::parse(
        m.values("filter"),
        &path,
        "--filter",
        &["dangling", "driver", "label", "name"],
    )?;
    let dangling = filters.bool("dangling")?;
    let volumes = ctx.engine()?.volumes().map_err(Failure::daemon)?;
    let mut rows = Vec::new();
    for v in &volumes {
        let users = ctx
            .engine()?
            .volume_users(&v.name)
            .map_err(Failure::daemon)?;
        if dangling.is_some_and(|d| d != users.is_empty()) {
            continue;
        }
        if !filters.get("name").is_empty()
            && !filters
                .get("name")
                .iter()
                .any(|n| v.name.contains(n.as_str()))
        {
            continue;
        }
        if !filters.get("driver").is_empty() && !filters.get("driver").contains(&v.driver) {
            continue;
        }
        if !filters.labels_match("label", &v.labels) {
            continue;
        }
        rows.push(row(v, !users.is_empty()));
    }
    let format = match m.value("format").filter(|f| !f.is_empty()) {
        Some("table") | None if !m.flag("quiet") => Format(TABLE.into()),
        Some(f) => Format(f.to_string()),
        None => Format("{{.Name}}".into()),
    };
    let text =
        render_rows(&format, &rows, &headers(), VOLUME_CONTEXT).map_err(|e| Failure::cli(e.0))?;
    ctx.out(&text)
}

pub fn inspect(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let template = super::inspect::format_template(m)?;
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for name in &m.args {
        match ctx.engine()?.volume_inspect(name) {
            Ok(v) => found.push(v),
            Err(dockerlings_runtime::Error::Container(e)) if e.is_not_found() => {
                errors.push(format!("Error: No such volume: {name}"))
            }
            Err(e) => errors.push(format!("Error response from daemon: {e}")),
        }
    }
    super::inspect::print_inspected(ctx, template.as_ref(), &found, &errors)
}

pub fn rm(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let force = m.flag("force");
    let mut errors = Vec::new();
    for name in &m.args {
        match ctx.engine()?.volume_remove(name, force) {
            Ok(()) => ctx.out(&format!("{name}\n"))?,
            Err(e) => errors.push(format!("Error response from daemon: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::cli(errors.join("\n")))
    }
}

pub const PRUNE_WARNING: &str =
    "WARNING! This will remove anonymous local volumes not used by at least one container.";
pub const PRUNE_ALL_WARNING: &str =
    "WARNING! This will remove all local volumes not used by at least one container.";

pub fn prune(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let all = m.flag("all");
    if !m.flag("force")
        && !confirm(
            ctx,
            if all {
                PRUNE_ALL_WARNING
            } else {
                PRUNE_WARNING
            },
        )?
    {
        return ctx.out(&total_line(0));
    }
    let report = ctx.engine()?.volume_prune(all).map_err(Failure::daemon)?;
    let mut out = deleted_section("Deleted Volumes", &report.deleted);
    out.push_str(&total_line(report.space_reclaimed));
    ctx.out(&out)
}
