//! x-ray: what a docker command really did underneath, read from the engine and the kernel,
//! layer by layer as the course's architecture chapters draw it: the Engine API request the
//! CLI would send to a daemon, the OCI runtime spec the engine wrote for the runtime, and
//! then the container's process, namespaces, cgroup limits, overlay layers and network.

use std::fmt::Write as _;
use std::path::Path;

use dockerlings_runtime::Engine;
use serde_json::Value;

use crate::docker::commands::{find_in_group, find_top_level};
use crate::docker::spec::Action;
use crate::i18n::{tr, Lang};

/// Splits a command line into words, honouring single and double quotes.
pub fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for ch in line.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(ch);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            (None, c) => word.push(c),
        }
    }
    if any || !word.is_empty() {
        words.push(word);
    }
    words
}

/// The docker arguments of a typed line (`docker run -d nginx` → `run -d nginx`).
pub fn docker_args(line: &str) -> Option<Vec<String>> {
    let words = split_words(line);
    let at = words.iter().position(|w| w == "docker")?;
    Some(words[at + 1..].to_vec())
}

fn action_of(args: &[String]) -> Option<(Action, usize)> {
    let first = args.first()?;
    if let Some(r) = find_top_level(first) {
        return Some((r.spec.action, 1));
    }
    let sub = args.get(1)?;
    find_in_group(first, sub).map(|r| (r.spec.action, 2))
}

/// The Engine API requests a daemon would receive for this command (Docker 25's API).
fn api_requests(action: Action, target: &str) -> Vec<String> {
    let c = if target.is_empty() { "{id}" } else { target };
    let v = "/v1.44";
    match action {
        Action::ContainerRun => vec![
            format!("POST {v}/containers/create"),
            format!("POST {v}/containers/{c}/attach?stream=1&stdout=1&stderr=1"),
            format!("POST {v}/containers/{c}/start"),
            format!("POST {v}/containers/{c}/wait?condition=next-exit"),
        ],
        Action::ContainerCreate => vec![format!("POST {v}/containers/create")],
        Action::ContainerStart => vec![format!("POST {v}/containers/{c}/start")],
        Action::ContainerStop => vec![format!("POST {v}/containers/{c}/stop")],
        Action::ContainerRestart => vec![format!("POST {v}/containers/{c}/restart")],
        Action::ContainerKill => vec![format!("POST {v}/containers/{c}/kill")],
        Action::ContainerPause => vec![format!("POST {v}/containers/{c}/pause")],
        Action::ContainerUnpause => vec![format!("POST {v}/containers/{c}/unpause")],
        Action::ContainerRemove => vec![format!("DELETE {v}/containers/{c}")],
        Action::ContainerList => vec![format!("GET {v}/containers/json")],
        Action::ContainerInspect => vec![format!("GET {v}/containers/{c}/json")],
        Action::ContainerLogs => vec![format!("GET {v}/containers/{c}/logs?stdout=1&stderr=1")],
        Action::ContainerExec => vec![
            format!("POST {v}/containers/{c}/exec"),
            format!("POST {v}/exec/{{exec id}}/start"),
        ],
        Action::ContainerTop => vec![format!("GET {v}/containers/{c}/top")],
        Action::ContainerPort => vec![format!("GET {v}/containers/{c}/json")],
        Action::ContainerStats => vec![format!("GET {v}/containers/{c}/stats")],
        Action::ContainerWait => vec![format!("POST {v}/containers/{c}/wait")],
        Action::ContainerRename => vec![format!("POST {v}/containers/{c}/rename")],
        Action::ContainerCp => vec![format!("GET|PUT {v}/containers/{c}/archive?path=…")],
        Action::ContainerExport => vec![format!("GET {v}/containers/{c}/export")],
        Action::ContainerPrune => vec![format!("POST {v}/containers/prune")],
        Action::Images => vec![format!("GET {v}/images/json")],
        Action::ImageInspect => vec![format!("GET {v}/images/{c}/json")],
        Action::History => vec![format!("GET {v}/images/{c}/history")],
        Action::Tag => vec![format!("POST {v}/images/{c}/tag")],
        Action::Rmi => vec![format!("DELETE {v}/images/{c}")],
        Action::ImagePrune => vec![format!("POST {v}/images/prune")],
        Action::Pull => vec![format!("POST {v}/images/create?fromImage={c}")],
        Action::Save => vec![format!("GET {v}/images/get?names={c}")],
        Action::Load => vec![format!("POST {v}/images/load")],
        Action::Search => vec![format!("GET {v}/images/search?term={c}")],
        Action::SystemDf => vec![format!("GET {v}/system/df")],
        Action::Version => vec![format!("GET {v}/version")],
        Action::Info => vec![format!("GET {v}/info")],
        Action::SystemPrune => vec![
            format!("POST {v}/containers/prune"),
            format!("POST {v}/networks/prune"),
            format!("POST {v}/images/prune"),
        ],
        Action::VolumeCreate => vec![format!("POST {v}/volumes/create")],
        Action::VolumeList => vec![format!("GET {v}/volumes")],
        Action::VolumeInspect => vec![format!("GET {v}/volumes/{c}")],
        Action::VolumeRemove => vec![format!("DELETE {v}/volumes/{c}")],
        Action::VolumePrune => vec![format!("POST {v}/volumes/prune")],
        Action::NetworkCreate => vec![format!("POST {v}/networks/create")],
        Action::NetworkList => vec![format!("GET {v}/networks")],
        Action::NetworkInspect => vec![format!("GET {v}/networks/{c}")],
        Action::NetworkRemove => vec![format!("DELETE {v}/networks/{c}")],
        Action::NetworkPrune => vec![format!("POST {v}/networks/prune")],
        Action::NetworkConnect => vec![format!("POST {v}/networks/{c}/connect")],
        Action::NetworkDisconnect => vec![format!("POST {v}/networks/{c}/disconnect")],
    }
}

fn creates_container(action: Action) -> bool {
    matches!(action, Action::ContainerRun | Action::ContainerCreate)
}

/// The container the command was about: the newest one for run/create, otherwise the
/// first argument that names a container.
fn target_container(engine: &Engine, action: Action, operands: &[String]) -> Option<String> {
    if creates_container(action) {
        let mut all = engine.containers(true, false).ok()?;
        all.sort_by_key(|c| c.created);
        return all.last().map(|c| c.id.clone());
    }
    operands
        .iter()
        .filter(|w| !w.starts_with('-'))
        .find_map(|w| engine.container_id(w.split(':').next().unwrap_or(w)).ok())
}

fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n── {title} ──");
}

/// The x-ray of one docker command line, or why there is none.
pub fn report(engine: &Engine, line: &str, lang: Lang) -> String {
    let t = |key: &str, args: &[(&str, &str)]| tr(lang, key, args);
    let Some(args) = docker_args(line) else {
        return t("xray.no_docker", &[]);
    };
    let Some((action, consumed)) = action_of(&args) else {
        return t("xray.unknown", &[("line", line)]);
    };
    let operands = &args[consumed..];
    let container = target_container(engine, action, operands);
    let short: String = container
        .as_deref()
        .map(|id| id.chars().take(12).collect())
        .unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(out, "{}", t("xray.title", &[("line", line)]));
    section(&mut out, &t("xray.api", &[]));
    for request in api_requests(action, &short) {
        let _ = writeln!(out, "  {request}");
    }
    let Some(id) = container else {
        return out;
    };
    let info = match engine.container_inspect(&id) {
        Ok(info) => info,
        Err(_) => {
            let _ = writeln!(out, "\n{}", t("xray.gone", &[("id", &short)]));
            return out;
        }
    };
    spec_section(engine, &id, &mut out, lang);
    process_section(&info, &mut out, lang);
    cgroup_section(&id, &mut out, lang);
    overlay_section(engine, &id, &info, &mut out, lang);
    network_section(engine, &id, &info, &mut out, lang);
    out
}

fn spec_section(engine: &Engine, id: &str, out: &mut String, lang: Lang) {
    let Ok(store) = engine.container_store() else {
        return;
    };
    let path = store.container_dir(id).join("bundle/config.json");
    let Some(spec) = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
    else {
        return;
    };
    section(
        out,
        &tr(lang, "xray.spec", &[("path", &path.display().to_string())]),
    );
    let p = &spec["process"];
    let _ = writeln!(out, "  process.args        {}", p["args"]);
    let _ = writeln!(out, "  process.cwd         {}", p["cwd"]);
    let _ = writeln!(
        out,
        "  process.user        uid={} gid={}",
        p["user"]["uid"], p["user"]["gid"]
    );
    let caps = p["capabilities"]["bounding"].as_array().map_or(0, Vec::len);
    let _ = writeln!(out, "  capabilities        {caps} (Docker's default set)");
    let _ = writeln!(out, "  noNewPrivileges     {}", p["noNewPrivileges"]);
    let _ = writeln!(out, "  root                {}", spec["root"]["path"]);
    let ns: Vec<String> = spec["linux"]["namespaces"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["type"].as_str().map(str::to_string))
        .collect();
    let _ = writeln!(out, "  linux.namespaces    {}", ns.join(", "));
    let _ = writeln!(
        out,
        "  linux.cgroupsPath   {}",
        spec["linux"]["cgroupsPath"]
    );
    let res = &spec["linux"]["resources"];
    if !res["memory"]["limit"].is_null() {
        let _ = writeln!(out, "  memory.limit        {}", res["memory"]["limit"]);
    }
    if !res["cpu"]["quota"].is_null() {
        let _ = writeln!(
            out,
            "  cpu.quota/period    {}/{}",
            res["cpu"]["quota"], res["cpu"]["period"]
        );
    }
    if !res["pids"]["limit"].is_null() {
        let _ = writeln!(out, "  pids.limit          {}", res["pids"]["limit"]);
    }
    let mounts = spec["mounts"].as_array().map_or(0, Vec::len);
    let _ = writeln!(out, "  mounts              {mounts}");
    let masked = spec["linux"]["maskedPaths"].as_array().map_or(0, Vec::len);
    let _ = writeln!(out, "  maskedPaths         {masked}");
    if let Some(profile) = spec["annotations"]["org.dockerlings.seccomp"].as_str() {
        let _ = writeln!(out, "  seccomp             {profile}");
    }
}

fn process_section(info: &Value, out: &mut String, lang: Lang) {
    let pid = info["State"]["Pid"].as_i64().unwrap_or(0);
    section(out, &tr(lang, "xray.process", &[]));
    if pid <= 0 {
        let _ = writeln!(
            out,
            "  {}",
            tr(
                lang,
                "xray.not_running",
                &[("state", info["State"]["Status"].as_str().unwrap_or(""))]
            )
        );
        return;
    }
    let _ = writeln!(
        out,
        "  {}",
        tr(lang, "xray.pids", &[("pid", &pid.to_string())])
    );
    let _ = writeln!(out, "  {}", tr(lang, "xray.ns_header", &[]));
    for ns in ["pid", "mnt", "uts", "ipc", "net", "cgroup", "user"] {
        let mine = std::fs::read_link(format!("/proc/{pid}/ns/{ns}")).ok();
        let host = std::fs::read_link(format!("/proc/self/ns/{ns}")).ok();
        let (Some(mine), Some(host)) = (mine, host) else {
            continue;
        };
        let own = if mine == host {
            tr(lang, "xray.ns_shared", &[])
        } else {
            tr(lang, "xray.ns_own", &[])
        };
        let _ = writeln!(out, "    {ns:<7} {:<22} {own}", mine.display());
    }
}

fn read_trim(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

fn cgroup_section(id: &str, out: &mut String, lang: Lang) {
    let dirs = dockerlings_runtime::shim::cgroup::dirs(id);
    if dirs.is_empty() {
        return;
    }
    section(out, &tr(lang, "xray.cgroup", &[]));
    for dir in dirs {
        for file in [
            "memory.max",
            "memory.limit_in_bytes",
            "cpu.max",
            "cpu.cfs_quota_us",
            "cpu.cfs_period_us",
            "cpu.shares",
            "cpu.weight",
            "pids.max",
            "freezer.state",
            "cgroup.freeze",
        ] {
            if let Some(value) = read_trim(&dir.join(file)) {
                let _ = writeln!(out, "  {}/{file} = {value}", dir.display());
            }
        }
    }
}

fn overlay_section(engine: &Engine, id: &str, info: &Value, out: &mut String, lang: Lang) {
    let Ok(store) = engine.container_store() else {
        return;
    };
    let Ok(record) = store.record(id) else {
        return;
    };
    let Ok(lower) = engine.container_lower_dirs(&record) else {
        return;
    };
    section(out, &tr(lang, "xray.overlay", &[]));
    let dir = store.container_dir(id);
    let _ = writeln!(out, "  upperdir  {}", dir.join("upper").display());
    for (i, l) in lower.iter().enumerate() {
        let _ = writeln!(out, "  lowerdir[{i}] {}", l.display());
    }
    let _ = writeln!(out, "  GraphDriver.Name = {}", info["GraphDriver"]["Name"]);
}

fn network_section(engine: &Engine, id: &str, info: &Value, out: &mut String, lang: Lang) {
    let nets = info["NetworkSettings"]["Networks"].as_object();
    section(out, &tr(lang, "xray.network", &[]));
    let mode = info["HostConfig"]["NetworkMode"].as_str().unwrap_or("");
    let _ = writeln!(out, "  NetworkMode = {mode}");
    let record = engine
        .container_store()
        .ok()
        .and_then(|s| s.record(id).ok());
    for (name, ep) in nets.into_iter().flatten() {
        let _ = writeln!(
            out,
            "  {name}: ip={} gateway={} mac={}",
            ep["IPAddress"].as_str().unwrap_or(""),
            ep["Gateway"].as_str().unwrap_or(""),
            ep["MacAddress"].as_str().unwrap_or("")
        );
        // The wire: the container's interface, its veth peer in the lab host, the bridge.
        let endpoint = record.as_ref().and_then(|r| r.networks.get(name));
        if let Some(e) = endpoint.filter(|e| e.ip.is_some()) {
            let _ = writeln!(
                out,
                "    {} (in the container) ⇄ {} (lab host) ─ bridge {}",
                e.interface,
                dockerlings_runtime::network::plumbing::host_veth_name(e),
                dockerlings_runtime::network::plumbing::bridge_name(e)
            );
        }
    }
    if let Some(ports) = info["NetworkSettings"]["Ports"].as_object() {
        for (port, bindings) in ports {
            for b in bindings.as_array().into_iter().flatten() {
                let _ = writeln!(
                    out,
                    "  port proxy (in the supervisor): {}:{} -> {port}",
                    b["HostIp"].as_str().unwrap_or(""),
                    b["HostPort"].as_str().unwrap_or("")
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_honour_quotes() {
        assert_eq!(
            split_words(r#"docker inspect --format '{{.State.Pid}}' "my web""#),
            ["docker", "inspect", "--format", "{{.State.Pid}}", "my web"]
        );
        assert_eq!(docker_args("sudo docker ps -a").unwrap(), ["ps", "-a"]);
        assert!(docker_args("ls -l").is_none());
    }

    #[test]
    fn commands_map_to_engine_api_requests() {
        let (action, n) = action_of(&split_words("container run -d nginx")).unwrap();
        assert_eq!((action, n), (Action::ContainerRun, 2));
        assert_eq!(
            api_requests(action, "abc")[0],
            "POST /v1.44/containers/create"
        );
        let (action, _) = action_of(&split_words("stop web")).unwrap();
        assert_eq!(
            api_requests(action, "abc"),
            ["POST /v1.44/containers/abc/stop"]
        );
    }
}
