//! Evaluating checks: each [`CheckKind`] is answered from the engine's own state (Docker's
//! `inspect` shape, the image store, the cgroup files) or from a live probe (an HTTP request
//! from the host to a loopback address; `ping` run inside a container through `docker exec`),
//! never from what the terminal showed. The result is data: [`Outcome`].

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dockerlings_runtime::Engine;
use serde_json::Value;

use super::spec::{CheckKind, CheckSpec, ContainerState, Presence};
use crate::i18n::{Lang, Messages};

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass {
        observed: String,
    },
    Fail {
        expected: String,
        observed: String,
    },
    /// Could not be evaluated here (and says why); counts as not passed.
    Skipped {
        reason: String,
    },
}

impl Outcome {
    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Pass { .. })
    }
}

/// A command the learner typed, as the REPL recorded it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TypedCommand {
    pub at: DateTime<Utc>,
    pub line: String,
}

/// Everything a check may look at.
pub struct CheckContext<'a> {
    pub engine: &'a Engine,
    /// The dockerlings executable, for probes that run `docker exec`/`logs`/`inspect`.
    pub exe: PathBuf,
    /// Environment for those probes (DOCKERLINGS_ROOT/RUN of the engine).
    pub probe_env: Vec<(String, String)>,
    /// Where relative host paths are resolved (the learner's working directory).
    pub cwd: PathBuf,
    pub typed: &'a [TypedCommand],
    /// The learner's answers, by question.
    pub answers: &'a std::collections::BTreeMap<String, String>,
    pub lang: Lang,
}

impl CheckContext<'_> {
    fn t(&self, key: &str, args: &[(&str, &str)]) -> String {
        Messages::get(self.lang).format(key, args)
    }

    fn fail(&self, expected: String, observed: String) -> Outcome {
        Outcome::Fail { expected, observed }
    }

    /// Runs `dockerlings docker <args>`; (exit code, stdout, stderr).
    fn docker(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(&self.exe)
            .arg("docker")
            .args(args)
            .envs(self.probe_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("DOCKERLINGS_ELEVATED", "1")
            .stdin(std::process::Stdio::null())
            .output();
        match out {
            Ok(o) => (
                o.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&o.stdout).into_owned(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            ),
            Err(e) => (-1, String::new(), e.to_string()),
        }
    }

    fn inspect(&self, container: &str) -> Option<Value> {
        self.engine.container_inspect(container).ok()
    }
}

/// Evaluates one check.
pub fn evaluate(spec: &CheckSpec, cx: &CheckContext<'_>) -> Outcome {
    match &spec.kind {
        CheckKind::Container {
            name,
            image,
            state,
            exit_code,
            count,
        } => container(
            cx,
            name.as_deref(),
            image.as_deref(),
            *state,
            *exit_code,
            *count,
        ),
        CheckKind::Image {
            name,
            state,
            digest,
        } => image(cx, name, *state, digest.as_deref()),
        CheckKind::Http {
            url,
            status,
            contains,
        } => http(cx, url, status.unwrap_or(200), contains.as_deref()),
        CheckKind::Ping {
            from,
            to,
            reachable,
        } => ping(cx, from, to, *reachable),
        CheckKind::Dns {
            container,
            name,
            resolves,
        } => dns(cx, container, name, *resolves),
        CheckKind::Network {
            name,
            driver,
            subnet,
            gateway,
            container,
            state,
        } => network(
            cx,
            name,
            driver.as_deref(),
            subnet.as_deref(),
            gateway.as_deref(),
            container.as_deref(),
            *state,
        ),
        CheckKind::Env {
            container,
            name,
            value,
        } => env(cx, container, name, value.as_deref()),
        CheckKind::Mount {
            container,
            destination,
            source,
            mount_type,
            read_only,
        } => mount(
            cx,
            container,
            destination,
            source.as_deref(),
            mount_type.as_deref(),
            *read_only,
        ),
        CheckKind::File {
            container,
            path,
            contains,
            state,
        } => file(cx, container, path, contains.as_deref(), *state),
        CheckKind::Logs {
            container,
            contains,
        } => logs(cx, container, contains),
        CheckKind::Limit {
            container,
            memory,
            cpus,
            pids,
            cpu_shares,
        } => limit(cx, container, memory.as_deref(), *cpus, *pids, *cpu_shares),
        CheckKind::RestartPolicy {
            container,
            policy,
            max_retries,
        } => restart_policy(cx, container, policy, *max_retries),
        CheckKind::Port {
            container,
            container_port,
            host_port,
            host_ip,
        } => port(
            cx,
            container,
            container_port,
            *host_port,
            host_ip.as_deref(),
        ),
        CheckKind::Archive {
            path,
            contains,
            gzip,
        } => archive(cx, path, contains, *gzip),
        CheckKind::Command { pattern, min_count } => command(cx, pattern, min_count.unwrap_or(1)),
        CheckKind::Answer { question, source } => answer(cx, question, source),
    }
}

/// Like [`evaluate`], but a check that probes a live service (HTTP, ping, DNS, logs) gets up
/// to `patience` to pass: a server started by the command just typed takes a moment to listen.
pub fn evaluate_settled(spec: &CheckSpec, cx: &CheckContext<'_>, patience: Duration) -> Outcome {
    let probes = matches!(
        spec.kind,
        CheckKind::Http { .. }
            | CheckKind::Ping { .. }
            | CheckKind::Dns { .. }
            | CheckKind::Logs { .. }
    );
    let deadline = std::time::Instant::now() + patience;
    loop {
        let outcome = evaluate(spec, cx);
        if outcome.passed() || !probes || std::time::Instant::now() >= deadline {
            return outcome;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn state_word(state: ContainerState) -> &'static str {
    match state {
        ContainerState::Exists => "exists",
        ContainerState::Running => "running",
        ContainerState::Paused => "paused",
        ContainerState::Exited => "exited",
        ContainerState::Created => "created",
        ContainerState::Absent => "absent",
    }
}

fn state_matches(want: ContainerState, status: &str) -> bool {
    match want {
        ContainerState::Exists => true,
        ContainerState::Absent => false,
        other => status == state_word(other),
    }
}

fn status_text(inspect: &Value) -> String {
    let status = inspect["State"]["Status"].as_str().unwrap_or("unknown");
    if status == "exited" {
        format!(
            "exited ({})",
            inspect["State"]["ExitCode"].as_i64().unwrap_or(0)
        )
    } else {
        status.to_string()
    }
}

/// `nginx` and `nginx:latest` are the same image to a learner.
fn same_image(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let last = s.rsplit('/').next().unwrap_or(s);
        if last.contains(':') || last.contains('@') {
            s.to_string()
        } else {
            format!("{s}:latest")
        }
    };
    norm(a) == norm(b)
}

fn container(
    cx: &CheckContext<'_>,
    name: Option<&str>,
    image: Option<&str>,
    state: ContainerState,
    exit_code: Option<i64>,
    count: Option<usize>,
) -> Outcome {
    let want = state_word(state);
    if let Some(name) = name {
        let expected = match exit_code {
            Some(code) => cx.t(
                "check.container.expected_code",
                &[("name", name), ("code", &code.to_string())],
            ),
            None => cx.t(
                "check.container.expected",
                &[("name", name), ("state", want)],
            ),
        };
        let Some(info) = cx.inspect(name) else {
            let observed = cx.t("check.container.none", &[("name", name)]);
            return if state == ContainerState::Absent {
                Outcome::Pass { observed }
            } else {
                cx.fail(expected, observed)
            };
        };
        let status = info["State"]["Status"].as_str().unwrap_or("");
        let observed = cx.t(
            "check.container.observed",
            &[("name", name), ("state", &status_text(&info))],
        );
        let code_ok = exit_code
            .is_none_or(|c| status == "exited" && info["State"]["ExitCode"].as_i64() == Some(c));
        let image_ok = image.is_none_or(|i| {
            info["Config"]["Image"]
                .as_str()
                .is_some_and(|have| same_image(have, i))
        });
        let state_ok = exit_code.is_some() || state_matches(state, status);
        if state_ok && code_ok && image_ok {
            return Outcome::Pass { observed };
        }
        let mut observed = observed;
        // The classic mistake: run without `-d`, then Ctrl-C — the container stopped with it.
        // (Not when an exit code was asked for: then exiting was the point.)
        if state == ContainerState::Running
            && exit_code.is_none()
            && status == "exited"
            && ran_in_foreground(cx, name)
        {
            observed.push_str(" — ");
            observed.push_str(&cx.t("check.container.forgot_detach", &[("name", name)]));
        }
        return cx.fail(expected, observed);
    }
    let image = image.unwrap_or_default();
    let summaries = match cx.engine.containers(true, false) {
        Ok(s) => s,
        Err(e) => {
            return Outcome::Skipped {
                reason: e.to_string(),
            }
        }
    };
    let matching: Vec<String> = summaries
        .iter()
        .filter(|s| same_image(&s.image, image))
        .filter_map(|s| cx.inspect(&s.id))
        // "None of image X" is broken by a container of X in any state: those are named.
        .filter(|i| {
            let status = i["State"]["Status"].as_str().unwrap_or("");
            state == ContainerState::Absent || state_matches(state, status)
        })
        .filter(|i| exit_code.is_none_or(|c| i["State"]["ExitCode"].as_i64() == Some(c)))
        .map(|i| {
            i["Name"]
                .as_str()
                .unwrap_or("")
                .trim_start_matches('/')
                .to_string()
        })
        .collect();
    let n = matching.len();
    let ok = match (state, count) {
        (ContainerState::Absent, _) => {
            n == 0 && summaries.iter().all(|s| !same_image(&s.image, image))
        }
        (_, Some(c)) => n == c,
        (_, None) => n >= 1,
    };
    let expected = match (state, count) {
        (ContainerState::Absent, _) => {
            cx.t("check.container.expected_none_of", &[("image", image)])
        }
        (_, Some(c)) => cx.t(
            "check.container.expected_count",
            &[("count", &c.to_string()), ("image", image), ("state", want)],
        ),
        (_, None) => cx.t(
            "check.container.expected_of",
            &[("image", image), ("state", want)],
        ),
    };
    let observed = cx.t(
        "check.container.observed_count",
        &[("count", &n.to_string()), ("names", &matching.join(", "))],
    );
    if ok {
        Outcome::Pass { observed }
    } else {
        cx.fail(expected, observed)
    }
}

/// Whether the learner's last `docker run` of container `name` ran it in the foreground
/// (no `-d`/`--detach`, alone or among combined short flags like `-itd`).
fn ran_in_foreground(cx: &CheckContext<'_>, name: &str) -> bool {
    let run = cx.typed.iter().rev().find_map(|c| {
        let words = crate::xray::split_words(&c.line);
        let at = words.iter().position(|w| w == "docker")?;
        let rest = &words[at + 1..];
        let is_run = rest.first().is_some_and(|w| w == "run")
            || (rest.first().is_some_and(|w| w == "container")
                && rest.get(1).is_some_and(|w| w == "run"));
        let named = rest.windows(2).any(|w| w[0] == "--name" && w[1] == name)
            || rest.iter().any(|w| *w == format!("--name={name}"));
        (is_run && named).then(|| rest.to_vec())
    });
    let Some(words) = run else {
        return false;
    };
    !words.iter().any(|w| {
        w == "--detach"
            || w == "--detach=true"
            || (w.starts_with('-') && !w.starts_with("--") && w.contains('d'))
    })
}

fn image(cx: &CheckContext<'_>, name: &str, state: Presence, digest: Option<&str>) -> Outcome {
    let found = cx.engine.image_inspect(name).ok();
    let expected = match state {
        Presence::Present => cx.t("check.image.expected", &[("name", name)]),
        Presence::Absent => cx.t("check.image.expected_absent", &[("name", name)]),
    };
    let Some(info) = found else {
        let observed = cx.t("check.image.none", &[("name", name)]);
        return match state {
            Presence::Absent => Outcome::Pass { observed },
            Presence::Present => cx.fail(expected, observed),
        };
    };
    let id = info["Id"].as_str().unwrap_or("").to_string();
    let observed = cx.t("check.image.observed", &[("name", name), ("id", &id)]);
    let digest_ok = digest.is_none_or(|d| {
        id == d
            || info["RepoDigests"]
                .as_array()
                .is_some_and(|a| a.iter().any(|v| v.as_str().is_some_and(|s| s.ends_with(d))))
    });
    match state {
        Presence::Present if digest_ok => Outcome::Pass { observed },
        _ => cx.fail(expected, observed),
    }
}

/// Only loopback is probed (the project's network rule, and all a lab needs).
fn loopback_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or(url)
        .split(['/', '?'])
        .next()
        .unwrap_or("");
    let host = rest.rsplit_once(':').map_or(rest, |(h, _)| h);
    host == "localhost"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn http(cx: &CheckContext<'_>, url: &str, status: u16, contains: Option<&str>) -> Outcome {
    let expected = match contains {
        Some(text) => cx.t(
            "check.http.expected_body",
            &[
                ("url", url),
                ("status", &status.to_string()),
                ("text", text),
            ],
        ),
        None => cx.t(
            "check.http.expected",
            &[("url", url), ("status", &status.to_string())],
        ),
    };
    if !loopback_url(url) {
        return Outcome::Skipped {
            reason: cx.t("check.http.not_loopback", &[("url", url)]),
        };
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(3)))
        .build()
        .into();
    let mut response = match agent.get(url).call() {
        Ok(r) => r,
        Err(e) => {
            let observed = cx.t(
                "check.http.unreachable",
                &[("url", url), ("error", &e.to_string())],
            );
            return cx.fail(expected, observed);
        }
    };
    let code = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .unwrap_or_default();
    let observed = cx.t(
        "check.http.observed",
        &[
            ("status", &code.to_string()),
            ("bytes", &body.len().to_string()),
        ],
    );
    if code == status && contains.is_none_or(|t| body.contains(t)) {
        Outcome::Pass { observed }
    } else {
        cx.fail(expected, observed)
    }
}

fn not_running(cx: &CheckContext<'_>, container: &str) -> Option<String> {
    match cx.inspect(container) {
        None => Some(cx.t("check.container.none", &[("name", container)])),
        Some(i) if i["State"]["Status"] != "running" => Some(cx.t(
            "check.container.observed",
            &[("name", container), ("state", &status_text(&i))],
        )),
        Some(_) => None,
    }
}

fn ping(cx: &CheckContext<'_>, from: &str, to: &str, reachable: bool) -> Outcome {
    let key = if reachable {
        "check.ping.expected"
    } else {
        "check.ping.expected_not"
    };
    let expected = cx.t(key, &[("from", from), ("to", to)]);
    if let Some(observed) = not_running(cx, from) {
        return cx.fail(expected, observed);
    }
    let (code, stdout, stderr) = cx.docker(&["exec", from, "ping", "-c", "1", "-W", "2", to]);
    let observed = if code == 0 {
        cx.t("check.ping.replied", &[("to", to)])
    } else {
        let last = stderr
            .lines()
            .chain(stdout.lines())
            .last()
            .unwrap_or("")
            .to_string();
        cx.t("check.ping.no_reply", &[("to", to), ("detail", &last)])
    };
    if (code == 0) == reachable {
        Outcome::Pass { observed }
    } else {
        cx.fail(expected, observed)
    }
}

fn dns(cx: &CheckContext<'_>, container: &str, name: &str, resolves: bool) -> Outcome {
    let key = if resolves {
        "check.dns.expected"
    } else {
        "check.dns.expected_not"
    };
    let expected = cx.t(key, &[("container", container), ("name", name)]);
    if let Some(observed) = not_running(cx, container) {
        return cx.fail(expected, observed);
    }
    let (_, stdout, stderr) = cx.docker(&["exec", container, "ping", "-c", "1", "-W", "1", name]);
    let unresolved = stderr.contains("bad address")
        || stderr.contains("Name or service not known")
        || stderr.contains("Temporary failure in name resolution");
    let address = stdout
        .lines()
        .next()
        .and_then(|l| l.split(['(', ')']).nth(1))
        .unwrap_or("")
        .to_string();
    let observed = if unresolved {
        cx.t("check.dns.unresolved", &[("name", name)])
    } else {
        cx.t(
            "check.dns.resolved",
            &[("name", name), ("address", &address)],
        )
    };
    if unresolved != resolves {
        Outcome::Pass { observed }
    } else {
        cx.fail(expected, observed)
    }
}

#[allow(clippy::too_many_arguments)]
fn network(
    cx: &CheckContext<'_>,
    name: &str,
    driver: Option<&str>,
    subnet: Option<&str>,
    gateway: Option<&str>,
    container: Option<&str>,
    state: Presence,
) -> Outcome {
    let mut want = vec![name.to_string()];
    want.extend(driver.map(|d| format!("driver={d}")));
    want.extend(subnet.map(|s| format!("subnet={s}")));
    want.extend(gateway.map(|g| format!("gateway={g}")));
    want.extend(container.map(|c| format!("container={c}")));
    let expected = match state {
        Presence::Present => cx.t("check.network.expected", &[("want", &want.join(" "))]),
        Presence::Absent => cx.t("check.network.expected_absent", &[("name", name)]),
    };
    // Docker's inspect document, from the engine itself (no `docker network inspect` process).
    let info: Option<Value> = cx.engine.network_inspect(name).ok();
    let Some(info) = info else {
        let observed = cx.t("check.network.none", &[("name", name)]);
        return match state {
            Presence::Absent => Outcome::Pass { observed },
            Presence::Present => cx.fail(expected, observed),
        };
    };
    let pool = &info["IPAM"]["Config"][0];
    let mut have = vec![name.to_string()];
    have.push(format!("driver={}", info["Driver"].as_str().unwrap_or("")));
    have.push(format!("subnet={}", pool["Subnet"].as_str().unwrap_or("")));
    have.push(format!(
        "gateway={}",
        pool["Gateway"].as_str().unwrap_or("")
    ));
    let attached: Vec<String> = info["Containers"]
        .as_object()
        .map(|m| {
            m.values()
                .filter_map(|c| c["Name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    have.push(format!("containers=[{}]", attached.join(",")));
    let observed = cx.t("check.network.observed", &[("have", &have.join(" "))]);
    let ok = state == Presence::Present
        && driver.is_none_or(|d| info["Driver"] == d)
        && subnet.is_none_or(|s| pool["Subnet"] == s)
        && gateway.is_none_or(|g| pool["Gateway"] == g)
        && container.is_none_or(|c| attached.iter().any(|a| a == c));
    if ok {
        Outcome::Pass { observed }
    } else {
        cx.fail(expected, observed)
    }
}

fn env(cx: &CheckContext<'_>, container: &str, name: &str, value: Option<&str>) -> Outcome {
    let expected = match value {
        Some(v) => format!("{container}: {name}={v}"),
        None => format!("{container}: {name}"),
    };
    let Some(info) = cx.inspect(container) else {
        return cx.fail(
            expected,
            cx.t("check.container.none", &[("name", container)]),
        );
    };
    let found: Option<String> = info["Config"]["Env"].as_array().and_then(|vars| {
        vars.iter()
            .filter_map(Value::as_str)
            .find(|e| e.split_once('=').is_some_and(|(k, _)| k == name))
            .map(str::to_string)
    });
    let observed = found
        .clone()
        .unwrap_or_else(|| cx.t("check.env.unset", &[("name", name)]));
    let ok = found.is_some_and(|e| value.is_none_or(|v| e == format!("{name}={v}")));
    if ok {
        Outcome::Pass { observed }
    } else {
        cx.fail(expected, observed)
    }
}

fn mount(
    cx: &CheckContext<'_>,
    container: &str,
    destination: &str,
    source: Option<&str>,
    mount_type: Option<&str>,
    read_only: Option<bool>,
) -> Outcome {
    let mut want = vec![format!("{container}:{destination}")];
    want.extend(source.map(|s| format!("source={s}")));
    want.extend(mount_type.map(|t| format!("type={t}")));
    want.extend(read_only.map(|r| format!("read_only={r}")));
    let expected = want.join(" ");
    let Some(info) = cx.inspect(container) else {
        return cx.fail(
            expected,
            cx.t("check.container.none", &[("name", container)]),
        );
    };
    let mounts = info["Mounts"].as_array().cloned().unwrap_or_default();
    let described: Vec<String> = mounts
        .iter()
        .map(|m| {
            format!(
                "{}:{}({})",
                m["Source"].as_str().or(m["Name"].as_str()).unwrap_or(""),
                m["Destination"].as_str().unwrap_or(""),
                m["Type"].as_str().unwrap_or("")
            )
        })
        .collect();
    let observed = if described.is_empty() {
        cx.t("check.mount.none", &[("name", container)])
    } else {
        described.join(", ")
    };
    let ok = mounts.iter().any(|m| {
        m["Destination"] == destination
            && source.is_none_or(|s| {
                let abs = cx.cwd.join(s);
                m["Source"] == s || m["Name"] == s || m["Source"] == abs.to_string_lossy().as_ref()
            })
            && mount_type.is_none_or(|t| m["Type"] == t)
            && read_only.is_none_or(|r| m["RW"].as_bool() == Some(!r))
    });
    if ok {
        Outcome::Pass { observed }
    } else {
        cx.fail(expected, observed)
    }
}

fn file(
    cx: &CheckContext<'_>,
    container: &str,
    path: &str,
    contains: Option<&str>,
    state: Presence,
) -> Outcome {
    let expected = match (state, contains) {
        (Presence::Absent, _) => cx.t(
            "check.file.expected_absent",
            &[("container", container), ("path", path)],
        ),
        (_, Some(t)) => cx.t(
            "check.file.expected_text",
            &[("container", container), ("path", path), ("text", t)],
        ),
        (_, None) => cx.t(
            "check.file.expected",
            &[("container", container), ("path", path)],
        ),
    };
    if let Some(observed) = not_running(cx, container) {
        return cx.fail(expected, observed);
    }
    let (code, stdout, _) = cx.docker(&["exec", container, "cat", path]);
    let exists = code == 0;
    let observed = if exists {
        cx.t(
            "check.file.observed",
            &[("path", path), ("bytes", &stdout.len().to_string())],
        )
    } else {
        cx.t("check.file.missing", &[("path", path)])
    };
    let ok = match state {
        Presence::Absent => !exists,
        Presence::Present => exists && contains.is_none_or(|t| stdout.contains(t)),
    };
    if ok {
        Outcome::Pass { observed }
    } else {
        cx.fail(expected, observed)
    }
}

fn logs(cx: &CheckContext<'_>, container: &str, contains: &str) -> Outcome {
    let expected = cx.t(
        "check.logs.expected",
        &[("container", container), ("text", contains)],
    );
    if cx.inspect(container).is_none() {
        return cx.fail(
            expected,
            cx.t("check.container.none", &[("name", container)]),
        );
    }
    let (_, stdout, stderr) = cx.docker(&["logs", container]);
    let lines = stdout.lines().count() + stderr.lines().count();
    let lines = lines.to_string();
    let lines = [("lines", lines.as_str())];
    if stdout.contains(contains) || stderr.contains(contains) {
        Outcome::Pass {
            observed: cx.t("check.logs.found", &lines),
        }
    } else {
        cx.fail(expected, cx.t("check.logs.observed", &lines))
    }
}

/// The memory limit the container's cgroup enforces, when it runs.
fn cgroup_memory_limit(id: &str) -> Option<i64> {
    for dir in dockerlings_runtime::shim::cgroup::dirs(id) {
        for file in ["memory.max", "memory.limit_in_bytes"] {
            if let Ok(text) = std::fs::read_to_string(Path::new(&dir).join(file)) {
                return text.trim().parse().ok();
            }
        }
    }
    None
}

fn limit(
    cx: &CheckContext<'_>,
    container: &str,
    memory: Option<&str>,
    cpus: Option<f64>,
    pids: Option<i64>,
    cpu_shares: Option<i64>,
) -> Outcome {
    let mut want = vec![container.to_string()];
    want.extend(memory.map(|m| format!("memory={m}")));
    want.extend(cpus.map(|c| format!("cpus={c}")));
    want.extend(pids.map(|p| format!("pids={p}")));
    want.extend(cpu_shares.map(|s| format!("cpu-shares={s}")));
    let expected = want.join(" ");
    let Some(info) = cx.inspect(container) else {
        return cx.fail(
            expected,
            cx.t("check.container.none", &[("name", container)]),
        );
    };
    let hc = &info["HostConfig"];
    let have_memory = hc["Memory"].as_i64().unwrap_or(0);
    let have_cpus = hc["NanoCpus"].as_i64().unwrap_or(0) as f64 / 1e9;
    let have_pids = hc["PidsLimit"].as_i64().unwrap_or(0);
    let have_shares = hc["CpuShares"].as_i64().unwrap_or(0);
    let mut observed = format!(
        "{container} memory={have_memory} cpus={have_cpus} pids={have_pids} cpu-shares={have_shares}"
    );
    let mut ok = true;
    if let Some(m) = memory {
        let want_bytes = dockerlings_runtime::container::options::ram_in_bytes(m).unwrap_or(-1);
        ok &= have_memory == want_bytes;
        if info["State"]["Status"] == "running" {
            let id = info["Id"].as_str().unwrap_or("");
            if let Some(enforced) = cgroup_memory_limit(id) {
                observed.push_str(&format!(" cgroup={enforced}"));
                ok &= enforced == want_bytes;
            }
        }
    }
    if let Some(c) = cpus {
        ok &= (have_cpus - c).abs() < 1e-6;
    }
    if let Some(p) = pids {
        ok &= have_pids == p;
    }
    if let Some(s) = cpu_shares {
        ok &= have_shares == s;
    }
    if ok {
        Outcome::Pass { observed }
    } else {
        cx.fail(expected, observed)
    }
}

fn restart_policy(
    cx: &CheckContext<'_>,
    container: &str,
    policy: &str,
    max_retries: Option<i64>,
) -> Outcome {
    let expected = match max_retries {
        Some(n) => format!("{container}: {policy}:{n}"),
        None => format!("{container}: {policy}"),
    };
    let Some(info) = cx.inspect(container) else {
        return cx.fail(
            expected,
            cx.t("check.container.none", &[("name", container)]),
        );
    };
    let rp = &info["HostConfig"]["RestartPolicy"];
    let name = rp["Name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .unwrap_or("no");
    let retries = rp["MaximumRetryCount"].as_i64().unwrap_or(0);
    let observed = format!("{container}: {name}:{retries}");
    if name == policy && max_retries.is_none_or(|n| n == retries) {
        Outcome::Pass { observed }
    } else {
        cx.fail(expected, observed)
    }
}

fn port(
    cx: &CheckContext<'_>,
    container: &str,
    container_port: &str,
    host_port: Option<u16>,
    host_ip: Option<&str>,
) -> Outcome {
    let key = if container_port.contains('/') {
        container_port.to_string()
    } else {
        format!("{container_port}/tcp")
    };
    let expected = match host_port {
        Some(p) => cx.t(
            "check.port.expected",
            &[
                ("container", container),
                ("host", &p.to_string()),
                ("port", &key),
            ],
        ),
        None => cx.t(
            "check.port.expected_any",
            &[("container", container), ("port", &key)],
        ),
    };
    let Some(info) = cx.inspect(container) else {
        return cx.fail(
            expected,
            cx.t("check.container.none", &[("name", container)]),
        );
    };
    let bindings = &info["HostConfig"]["PortBindings"];
    let mut seen = Vec::new();
    let mut ok = false;
    if let Some(map) = bindings.as_object() {
        for (cport, list) in map {
            for b in list.as_array().into_iter().flatten() {
                let hp = b["HostPort"].as_str().unwrap_or("");
                let hip = b["HostIp"].as_str().unwrap_or("");
                let shown_ip = if hip.is_empty() { "0.0.0.0" } else { hip };
                seen.push(format!("{shown_ip}:{hp}->{cport}"));
                ok |= *cport == key
                    && host_port.is_none_or(|p| hp == p.to_string())
                    && host_ip.is_none_or(|ip| hip == ip || (ip == "0.0.0.0" && hip.is_empty()));
            }
        }
    }
    let mut observed = if seen.is_empty() {
        cx.t("check.port.none", &[("container", container)])
    } else {
        seen.join(", ")
    };
    // The classic mistake: `-p 80:8080` for `-p 8080:80`.
    if let (false, Some(hp), Some(map)) = (ok, host_port, bindings.as_object()) {
        let want_container = key.split('/').next().unwrap_or("");
        let reversed = map.iter().any(|(cport, list)| {
            cport.split('/').next() == Some(&hp.to_string())
                && list
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|b| b["HostPort"] == want_container)
        });
        if reversed {
            observed.push_str(" — ");
            observed.push_str(&cx.t(
                "check.port.reversed",
                &[("host", &hp.to_string()), ("container", want_container)],
            ));
        }
    }
    if ok {
        Outcome::Pass { observed }
    } else {
        cx.fail(expected, observed)
    }
}

/// The tags a docker-archive (or OCI layout) tar names, reading it once.
fn archive_tags(path: &Path) -> std::io::Result<(bool, Vec<String>)> {
    let mut file = std::fs::File::open(path)?;
    let mut magic = [0u8; 2];
    let n = file.read(&mut magic)?;
    drop(file);
    let gzip = n == 2 && magic == [0x1f, 0x8b];
    let raw = std::fs::File::open(path)?;
    let reader: Box<dyn Read> = if gzip {
        Box::new(flate2::read::GzDecoder::new(raw))
    } else {
        Box::new(raw)
    };
    let mut tags = Vec::new();
    let mut tar = tar::Archive::new(reader);
    for entry in tar.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        if name == "manifest.json" || name == "index.json" {
            let mut text = String::new();
            entry.read_to_string(&mut text)?;
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            for m in v.as_array().into_iter().flatten() {
                for t in m["RepoTags"].as_array().into_iter().flatten() {
                    tags.extend(t.as_str().map(str::to_string));
                }
            }
            for m in v["manifests"].as_array().into_iter().flatten() {
                let ann = &m["annotations"];
                tags.extend(
                    ann["io.containerd.image.name"]
                        .as_str()
                        .or(ann["org.opencontainers.image.ref.name"].as_str())
                        .map(str::to_string),
                );
            }
        }
    }
    Ok((gzip, tags))
}

fn archive(cx: &CheckContext<'_>, path: &str, contains: &str, gzip: Option<bool>) -> Outcome {
    let expected = cx.t(
        "check.archive.expected",
        &[("path", path), ("image", contains)],
    );
    let full = cx.cwd.join(path);
    match archive_tags(&full) {
        Err(e) => cx.fail(
            expected,
            cx.t(
                "check.archive.unreadable",
                &[("path", path), ("error", &e.to_string())],
            ),
        ),
        Ok((is_gzip, tags)) => {
            let observed = cx.t(
                "check.archive.observed",
                &[
                    ("format", if is_gzip { "tar.gz" } else { "tar" }),
                    ("tags", &tags.join(", ")),
                ],
            );
            let ok = tags
                .iter()
                .any(|t| same_image(t, contains) || t.ends_with(&format!("/{contains}")))
                && gzip.is_none_or(|g| g == is_gzip);
            if ok {
                Outcome::Pass { observed }
            } else {
                cx.fail(expected, observed)
            }
        }
    }
}

fn command(cx: &CheckContext<'_>, pattern: &str, min_count: usize) -> Outcome {
    let expected = cx.t("check.command.expected", &[("pattern", pattern)]);
    let Some(hits) = typed_matches(pattern, cx.typed) else {
        return Outcome::Skipped {
            reason: format!("bad pattern {pattern}"),
        };
    };
    let observed = cx.t("check.command.observed", &[("count", &hits.to_string())]);
    if hits >= min_count {
        Outcome::Pass { observed }
    } else {
        cx.fail(expected, observed)
    }
}

/// How many typed commands match `pattern` (`None`: not a regular expression). The
/// `command` check's count, also recomputed from a lab journal by `lab verify`.
pub fn typed_matches(pattern: &str, typed: &[TypedCommand]) -> Option<usize> {
    let re = regex::Regex::new(pattern).ok()?;
    Some(typed.iter().filter(|c| re.is_match(&c.line)).count())
}

/// The live value an answer is compared with.
pub fn live_value(cx: &CheckContext<'_>, source: &str) -> Option<String> {
    let (what, rest) = source.split_once(':')?;
    match what {
        "container.pid" => cx.inspect(rest)?["State"]["Pid"]
            .as_i64()
            .map(|p| p.to_string()),
        "container.id" => cx.inspect(rest)?["Id"].as_str().map(str::to_string),
        "container.ip" => {
            let info = cx.inspect(rest)?;
            let top = info["NetworkSettings"]["IPAddress"].as_str().unwrap_or("");
            if !top.is_empty() {
                return Some(top.to_string());
            }
            info["NetworkSettings"]["Networks"]
                .as_object()?
                .values()
                .find_map(|n| {
                    n["IPAddress"]
                        .as_str()
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                })
        }
        "inspect" => {
            let (container, template) = rest.split_once(':')?;
            let (code, stdout, _) = cx.docker(&["inspect", "--format", template, container]);
            (code == 0).then(|| stdout.trim().to_string())
        }
        _ => None,
    }
}

fn answer(cx: &CheckContext<'_>, question: &str, source: &str) -> Outcome {
    let expected = cx.t("check.answer.expected", &[("question", question)]);
    let Some(given) = cx.answers.get(question) else {
        return cx.fail(
            expected,
            cx.t("check.answer.none", &[("question", question)]),
        );
    };
    let Some(truth) = live_value(cx, source) else {
        return cx.fail(
            expected,
            cx.t("check.answer.no_value", &[("source", source)]),
        );
    };
    let given = given.trim();
    // An ID may be answered by any unique prefix of at least 12 digits, as Docker shows it.
    let ok = given == truth
        || (source.starts_with("container.id:") && given.len() >= 12 && truth.starts_with(given));
    let observed = cx.t("check.answer.observed", &[("given", given)]);
    if ok {
        Outcome::Pass { observed }
    } else {
        cx.fail(expected, observed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_urls_are_probed() {
        assert!(loopback_url("http://127.0.0.1:8080/"));
        assert!(loopback_url("http://localhost:8081"));
        assert!(loopback_url("127.0.0.2:80/x"));
        assert!(!loopback_url("http://example.com/"));
        assert!(!loopback_url("http://10.0.0.1:80/"));
    }

    #[test]
    fn latest_is_implied() {
        assert!(same_image("nginx", "nginx:latest"));
        assert!(same_image("diamol/base", "diamol/base:latest"));
        assert!(!same_image("nginx:alpine", "nginx"));
        assert!(same_image(
            "localhost:5000/app",
            "localhost:5000/app:latest"
        ));
    }
}
