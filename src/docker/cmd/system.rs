//! `docker version`, `docker info` / `system info`, and `docker system df`.
//!
//! These describe the engine honestly: the server is the dockerlings engine, with its own
//! version, speaking Docker Engine API 1.44; nothing claims to be Docker Engine.

use chrono::{DateTime, Utc};
use dockerlings_runtime::image::view::{DiskUsage, ImageSummary, UsageRow};
use dockerlings_runtime::EngineInfo;
use serde_json::{json, Value};

use crate::docker::format::{render_rows, Format};
use crate::docker::spec::Matches;
use crate::docker::table::TabWriter;
use crate::docker::template::{Data, Mode, Template};
use crate::docker::units::{
    bytes_size, created_since, human_size, human_size_with_precision, truncate_id,
};
use crate::docker::{CmdResult, Ctx, Failure};

fn go_arch() -> &'static str {
    dockerlings_runtime::platform::host().architecture
}

fn run_template(format: &str, data: &Value) -> Result<String, Failure> {
    let f = Format(format.to_string());
    let text = if f.is_json() {
        "{{json .}}".to_string()
    } else {
        f.template_text()
    };
    let t =
        Template::parse(&text).map_err(|e| Failure::cli(format!("template parsing error: {e}")))?;
    let mut out = t
        .execute(&Data::map(data), Mode::Normal)
        .map_err(|e| Failure::cli(format!("template parsing error: {e}")))?;
    out.push('\n');
    Ok(out)
}

/// The data `docker version --format` sees (Docker's `VersionInfo`).
pub fn version_data(server: Option<&EngineInfo>) -> Value {
    let v = dockerlings_runtime::VERSION;
    let api = dockerlings_runtime::API_VERSION;
    let client = json!({
        "Platform": {"Name": "dockerlings"},
        "Version": v, "ApiVersion": api, "DefaultAPIVersion": api,
        "GitCommit": "", "GoVersion": "", "Os": "linux", "Arch": go_arch(),
        "BuildTime": "", "Context": "default",
    });
    let server = server.map(|info| {
        json!({
            "Platform": {"Name": "dockerlings engine"},
            "Components": [{"Name": "Engine", "Version": info.server_version, "Details": {
                "ApiVersion": info.api_version, "MinAPIVersion": info.api_version, "Os": info.os_type,
                "Arch": go_arch(), "KernelVersion": info.kernel_version, "Experimental": "false",
            }}],
            "Version": info.server_version, "ApiVersion": info.api_version,
            "MinAPIVersion": info.api_version, "GitCommit": "", "GoVersion": "",
            "Os": info.os_type, "Arch": go_arch(), "KernelVersion": info.kernel_version,
            "BuildTime": "",
        })
    });
    json!({"Client": client, "Server": server})
}

pub fn version_text(data: &Value) -> String {
    let c = &data["Client"];
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut text =
        format!(
        "Client: dockerlings\n Version:\t{}\n API version:\t{}\n OS/Arch:\t{}/{}\n Context:\t{}\n",
        s(&c["Version"]), s(&c["ApiVersion"]), s(&c["Os"]), s(&c["Arch"]), s(&c["Context"])
    );
    let srv = &data["Server"];
    if !srv.is_null() {
        text.push_str(&format!(
            "\nServer: dockerlings engine\n Engine:\n  Version:\t{}\n  API version:\t{} (minimum version {})\n  OS/Arch:\t{}/{}\n  Experimental:\tfalse\n",
            s(&srv["Version"]), s(&srv["ApiVersion"]), s(&srv["MinAPIVersion"]), s(&srv["Os"]), s(&srv["Arch"])
        ));
    }
    let mut tw = TabWriter::new(20, 1);
    tw.write(&text);
    tw.finish()
}

pub fn version(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let info = ctx.engine().and_then(|e| e.info().map_err(Failure::daemon));
    let data = version_data(info.as_ref().ok());
    let text = match m.value("format").filter(|f| !f.is_empty()) {
        Some(f) => run_template(f, &data)?,
        None => version_text(&data),
    };
    ctx.out(&text)?;
    match info {
        Ok(_) => Ok(()),
        Err(f) => Err(f),
    }
}

/// The data `docker info --format` sees (Docker's `info.Info` plus `ClientInfo`).
pub fn info_data(info: &EngineInfo) -> Value {
    json!({
        "ID": "", "Containers": info.containers, "ContainersRunning": info.containers_running,
        "ContainersPaused": info.containers_paused, "ContainersStopped": info.containers_stopped,
        "Images": info.images, "Driver": info.storage_driver, "LoggingDriver": "json-file",
        "CgroupDriver": info.cgroup_driver, "CgroupVersion": info.cgroup_version,
        "KernelVersion": info.kernel_version, "OperatingSystem": info.operating_system,
        "OSType": info.os_type, "Architecture": info.architecture, "NCPU": info.cpus,
        "MemTotal": info.mem_total, "Name": info.name, "DockerRootDir": info.root_dir,
        "ServerVersion": info.server_version, "Debug": false, "ExperimentalBuild": false,
        "ClientInfo": {"Version": dockerlings_runtime::VERSION, "Context": "default", "Debug": false},
    })
}

pub fn info_text(info: &EngineInfo) -> String {
    format!(
        "Client: dockerlings\n Version:    {}\n Context:    default\n Debug Mode: false\n\n\
         Server:\n Containers: {}\n  Running: {}\n  Paused: {}\n  Stopped: {}\n Images: {}\n\
         \x20Server Version: {}\n Storage Driver: {}\n Logging Driver: json-file\n\
         \x20Cgroup Driver: {}\n Cgroup Version: {}\n Kernel Version: {}\n Operating System: {}\n\
         \x20OSType: {}\n Architecture: {}\n CPUs: {}\n Total Memory: {}\n Name: {}\n\
         \x20Docker Root Dir: {}\n Debug Mode: false\n Experimental: false\n",
        dockerlings_runtime::VERSION,
        info.containers,
        info.containers_running,
        info.containers_paused,
        info.containers_stopped,
        info.images,
        info.server_version,
        info.storage_driver,
        info.cgroup_driver,
        info.cgroup_version,
        info.kernel_version,
        info.operating_system,
        info.os_type,
        info.architecture,
        info.cpus,
        bytes_size(info.mem_total as f64),
        info.name,
        info.root_dir,
    )
}

pub fn info(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let info = ctx.engine()?.info().map_err(Failure::daemon)?;
    let text = match m.value("format").filter(|f| !f.is_empty()) {
        Some(f) => run_template(f, &info_data(&info))?,
        None => info_text(&info),
    };
    ctx.out(&text)
}

fn reclaimable(row: &UsageRow, percent: bool) -> String {
    let size = human_size(row.reclaimable as f64);
    if percent && row.size > 0 {
        format!("{size} ({}%)", row.reclaimable * 100 / row.size)
    } else {
        size
    }
}

pub fn df_rows(du: &DiskUsage) -> Vec<Value> {
    let row = |kind: &str, r: &UsageRow, percent: bool| {
        json!({
            "Type": kind, "TotalCount": r.total.to_string(), "Active": r.active.to_string(),
            "Size": human_size(r.size as f64), "Reclaimable": reclaimable(r, percent),
        })
    };
    vec![
        row("Images", &du.images, true),
        row("Containers", &du.containers, true),
        row("Local Volumes", &du.volumes, true),
        row("Build Cache", &du.build_cache, false),
    ]
}

fn df_headers() -> Value {
    json!({"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE"})
}

/// The verbose images section (`docker system df -v`).
pub fn df_verbose_images(images: &[ImageSummary], now: DateTime<Utc>) -> Result<String, Failure> {
    let mut rows = Vec::new();
    for img in images {
        let unique = img.size.saturating_sub(img.shared_size);
        let mk = |repo: &str, tag: &str| {
            json!({
                "Repository": repo, "Tag": tag, "ID": truncate_id(&img.id),
                "CreatedSince": created_since(img.created, now),
                "Size": human_size(img.size as f64), "SharedSize": human_size(img.shared_size as f64),
                "UniqueSize": human_size(unique as f64), "Containers": img.containers.to_string(),
            })
        };
        if img.repo_tags.is_empty() {
            rows.push(mk("<none>", "<none>"));
        }
        for t in &img.repo_tags {
            let (repo, tag) = super::split_repo_tag(t);
            rows.push(mk(repo, tag.unwrap_or("<none>")));
        }
    }
    let f = Format("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}".into());
    let headers = json!({
        "Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "CreatedSince": "CREATED",
        "Size": "SIZE", "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE", "Containers": "CONTAINERS",
    });
    let _ = human_size_with_precision;
    render_rows(&f, &rows, &headers, "*formatter.imageContext").map_err(|e| Failure::cli(e.0))
}

pub fn df(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let du = ctx.engine()?.disk_usage().map_err(Failure::daemon)?;
    let format = m
        .value("format")
        .filter(|f| !f.is_empty())
        .map(str::to_string);
    if m.flag("verbose") && format.is_none() {
        let images = ctx.engine()?.images().map_err(Failure::daemon)?;
        let mut text = String::from("Images space usage:\n\n");
        text.push_str(&df_verbose_images(&images, ctx.now)?);
        // Containers and volumes arrive with the container store; until then both are empty.
        text.push_str("\nContainers space usage:\n\nCONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE      CREATED   STATUS    NAMES\n");
        text.push_str("\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\n");
        text.push_str(&format!(
            "\nBuild cache usage: {}\n\nCACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n",
            human_size(du.build_cache.size as f64)
        ));
        return ctx.out(&text);
    }
    let f = Format(match format {
        None => "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}".into(),
        Some(f) if f == "table" => {
            "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}".into()
        }
        Some(f) => f,
    });
    let text = render_rows(
        &f,
        &df_rows(&du),
        &df_headers(),
        "*formatter.diskUsageContext",
    )
    .map_err(|e| Failure::cli(e.0))?;
    ctx.out(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> EngineInfo {
        EngineInfo {
            server_version: "0.1.0".into(),
            api_version: "1.44".into(),
            root_dir: "/var/lib/dockerlings".into(),
            storage_driver: "overlay2".into(),
            cgroup_driver: "cgroupfs".into(),
            cgroup_version: "1".into(),
            kernel_version: "6.1.0".into(),
            operating_system: "Debian GNU/Linux 12 (bookworm)".into(),
            os_type: "linux".into(),
            architecture: "x86_64".into(),
            cpus: 2,
            mem_total: 25_200_000_000,
            name: "lab".into(),
            images: 3,
            containers: 0,
            containers_running: 0,
            containers_paused: 0,
            containers_stopped: 0,
        }
    }

    #[test]
    fn version_layout() {
        let text = version_text(&version_data(Some(&info())));
        assert!(
            text.starts_with("Client: dockerlings\n Version:           "),
            "{text}"
        );
        assert!(text.contains("\nServer: dockerlings engine\n Engine:\n  Version:          0.1.0\n  API version:      1.44 (minimum version 1.44)\n"), "{text}");
        let f = run_template(
            "{{.Server.Version}} {{.Client.ApiVersion}}",
            &version_data(Some(&info())),
        )
        .unwrap();
        assert_eq!(f, "0.1.0 1.44\n");
    }

    #[test]
    fn info_layout() {
        let text = info_text(&info());
        assert!(text.contains("\n Total Memory: 23.47GiB\n"), "{text}");
        assert!(text.contains("\n Storage Driver: overlay2\n"));
        assert!(text.contains("\nServer:\n Containers: 0\n  Running: 0\n"));
        assert_eq!(
            run_template("{{.NCPU}} {{.Driver}}", &info_data(&info())).unwrap(),
            "2 overlay2\n"
        );
    }

    #[test]
    fn df_table() {
        let du = DiskUsage {
            images: UsageRow {
                total: 5,
                active: 2,
                size: 16_430_000,
                reclaimable: 11_630_000,
            },
            ..Default::default()
        };
        let f = Format(
            "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}".into(),
        );
        let out = render_rows(&f, &df_rows(&du), &df_headers(), "x").unwrap();
        assert_eq!(
            out,
            "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\n\
             Images          5         2         16.43MB   11.63MB (70%)\n\
             Containers      0         0         0B        0B\n\
             Local Volumes   0         0         0B        0B\n\
             Build Cache     0         0         0B        0B\n"
        );
    }
}
