//! `docker create` / `docker container create`, and the flag parser `docker run` shares.
//!
//! Docker's CLI turns the run flags into a create request ([`CreateOptions`]); a missing
//! image is pulled first (`Unable to find image 'x:latest' locally`, then the pull's
//! progress on stderr), as the CLI does after the daemon answers `No such image`.

use dockerlings_runtime::container::options::{
    parse_nano_cpus, ram_in_bytes, CreateOptions, RestartPolicy,
};
use dockerlings_runtime::container::CreateReport;
use dockerlings_runtime::image::ImageError;
use dockerlings_runtime::{PullEvent, Reference};

use super::pull::event_line;
use crate::docker::spec::{FlagSpec, Matches};
use crate::docker::{CmdResult, Ctx, Failure};

const fn named(value_name: &'static str, flag: FlagSpec) -> FlagSpec {
    FlagSpec { value_name, ..flag }
}

/// Expands to the create flags (sorted by long name, as Docker's help lists them) with
/// `$extra` flags merged in at their places.
macro_rules! container_flags {
    ($($extra:expr),* $(,)?) => {
        &[
            FlagSpec::list("add-host", None, "list", "Add a custom host-to-IP mapping (host:ip)"),
            FlagSpec::list("attach", Some('a'), "list", "Attach to STDIN, STDOUT or STDERR"),
            FlagSpec::string("cidfile", None, "Write the container ID to the file"),
            FlagSpec::int("cpu-shares", Some('c'), "CPU shares (relative weight)"),
            named("decimal", FlagSpec::string("cpus", None, "Number of CPUs")),
            $($extra,)*
            FlagSpec::list("dns", None, "list", "Set custom DNS servers"),
            FlagSpec::string("domainname", None, "Container NIS domain name"),
            FlagSpec::string("entrypoint", None, "Overwrite the default ENTRYPOINT of the image"),
            FlagSpec::list("env", Some('e'), "list", "Set environment variables"),
            FlagSpec::list("env-file", None, "list", "Read in a file of environment variables"),
            FlagSpec::list("expose", None, "list", "Expose a port or a range of ports"),
            FlagSpec::string("hostname", Some('h'), "Container host name"),
            FlagSpec::bool("interactive", Some('i'), "Keep STDIN open even if not attached"),
            FlagSpec::string("ip", None, "IPv4 address (e.g., 172.30.100.104)"),
            FlagSpec::list("label", Some('l'), "list", "Set meta data on a container"),
            FlagSpec::list("link", None, "list", "Add link to another container"),
            FlagSpec::string("mac-address", None, "Container MAC address (e.g., 92:d0:c6:0a:29:33)"),
            named("bytes", FlagSpec::string("memory", Some('m'), "Memory limit")),
            named("bytes", FlagSpec::string("memory-swap", None, "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")),
            FlagSpec::string("name", None, "Assign a name to the container"),
            named("network", FlagSpec::string("net", None, "Connect a container to a network")).hidden(),
            FlagSpec::list("net-alias", None, "list", "Add network-scoped alias for the container").hidden(),
            named("network", FlagSpec::string("network", None, "Connect a container to a network")),
            FlagSpec::list("network-alias", None, "list", "Add network-scoped alias for the container"),
            FlagSpec::int("pids-limit", None, "Tune container pids limit (set -1 for unlimited)"),
            FlagSpec::bool("privileged", None, "Give extended privileges to this container"),
            FlagSpec::list("publish", Some('p'), "list", "Publish a container's port(s) to the host"),
            FlagSpec::bool("publish-all", Some('P'), "Publish all exposed ports to random ports"),
            FlagSpec::string("pull", None, "Pull image before creating (\"always\", \"missing\", \"never\")").default("missing"),
            FlagSpec::bool("quiet", Some('q'), "Suppress the pull output"),
            FlagSpec::bool("read-only", None, "Mount the container's root filesystem as read only"),
            FlagSpec::string("restart", None, "Restart policy to apply when a container exits").default("no"),
            FlagSpec::bool("rm", None, "Automatically remove the container when it exits"),
            FlagSpec::list("security-opt", None, "list", "Security Options"),
            FlagSpec::string("stop-signal", None, "Signal to stop the container"),
            FlagSpec::int("stop-timeout", None, "Timeout (in seconds) to stop a container"),
            FlagSpec::bool("tty", Some('t'), "Allocate a pseudo-TTY"),
            FlagSpec::string("user", Some('u'), "Username or UID (format: <name|uid>[:<group|gid>])"),
            FlagSpec::list("volume", Some('v'), "list", "Bind mount a volume"),
            FlagSpec::string("workdir", Some('w'), "Working directory inside the container"),
        ]
    };
}

/// `docker create`'s flags.
pub const CREATE_FLAGS: &[FlagSpec] = container_flags!();

/// `docker run`'s flags: create's plus `-d`, `--detach-keys` and `--sig-proxy`.
#[allow(dead_code)] // `docker run` (the execution side) takes these
pub const RUN_FLAGS: &[FlagSpec] = container_flags!(
    FlagSpec::bool(
        "detach",
        Some('d'),
        "Run container in background and print container ID"
    ),
    FlagSpec::string(
        "detach-keys",
        None,
        "Override the key sequence for detaching a container"
    ),
    FlagSpec::bool("sig-proxy", None, "Proxy received signals to the process").default("true"),
);

/// A flag value Docker's CLI rejects while parsing (exit 125 with the help hint).
fn invalid_flag(value: &str, flag: &str, why: &str, path: &str) -> Failure {
    Failure::new(
        format!("invalid argument {value:?} for {flag:?} flag: {why}\nSee '{path} --help'."),
        125,
    )
}

/// An error Docker's CLI reports as `docker: <msg>.` plus the help hint, exit 125.
pub fn cli_error(message: &str, path: &str) -> Failure {
    let msg = message.trim_end_matches('.');
    Failure::new(format!("docker: {msg}.\nSee '{path} --help'."), 125)
}

/// `-e KEY` takes KEY's value from this process's environment, or is dropped.
fn env_entry(entry: &str) -> Option<String> {
    if entry.contains('=') {
        return Some(entry.to_string());
    }
    std::env::var(entry).ok().map(|v| format!("{entry}={v}"))
}

/// Reads an `--env-file` (`KEY=VALUE` lines, `#` comments, `KEY` alone from the env).
pub(crate) fn read_env_file(path: &str) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!("open {path}: no such file or directory")
        } else {
            format!("open {path}: {e}")
        }
    })?;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, _) = line.split_once('=').unwrap_or((line, ""));
        if key.is_empty() {
            return Err(format!("invalid environment variable: {line}"));
        }
        if key.contains(char::is_whitespace) {
            return Err(format!("variable '{key}' contains whitespaces"));
        }
        if let Some(e) = env_entry(line) {
            out.push(e);
        }
    }
    Ok(out)
}

/// Makes a `-v` spec's relative host path (`./site:/usr/share/nginx/html`) absolute, as
/// Docker's CLI does since 23.0.
fn absolutize_volume(spec: &str) -> String {
    match spec.split_once(':') {
        Some((source, rest)) if source.starts_with('.') => {
            let cwd = std::env::current_dir().unwrap_or_default();
            let joined = cwd.join(source);
            let clean =
                dockerlings_runtime::container::options::clean_path(&joined.display().to_string());
            format!("{clean}:{rest}")
        }
        _ => spec.to_string(),
    }
}

/// Parses the create/run flags and positionals (`IMAGE [COMMAND] [ARG...]`) into a create
/// request, with Docker's CLI errors. `path` is the command as invoked, for error hints.
pub fn parse_create_flags(m: &Matches, path: &str) -> Result<CreateOptions, Failure> {
    let mut o = CreateOptions {
        image: m.args[0].clone(),
        cmd: m.args[1..].to_vec(),
        name: m.value("name").map(str::to_string),
        entrypoint: m
            .is_set("entrypoint")
            .then(|| m.value("entrypoint").unwrap_or("").to_string()),
        workdir: m.value("workdir").map(str::to_string),
        user: m.value("user").map(str::to_string),
        hostname: m.value("hostname").map(str::to_string),
        domainname: m.value("domainname").map(str::to_string),
        tty: m.flag("tty"),
        open_stdin: m.flag("interactive"),
        read_only: m.flag("read-only"),
        auto_remove: m.flag("rm"),
        extra_hosts: m.values("add-host").to_vec(),
        dns: m.values("dns").to_vec(),
        mac_address: m.value("mac-address").map(str::to_string),
        // `--net` and `--net-alias` are Docker's older (hidden) spellings.
        network: m.value("network").or(m.value("net")).map(str::to_string),
        ip: m.value("ip").filter(|i| !i.is_empty()).map(str::to_string),
        network_aliases: [m.values("network-alias"), m.values("net-alias")].concat(),
        links: m.values("link").to_vec(),
        publish: m.values("publish").to_vec(),
        publish_all: m.flag("publish-all"),
        expose: m.values("expose").to_vec(),
        cidfile: m.value("cidfile").map(str::to_string),
        stop_signal: m.value("stop-signal").map(str::to_string),
        privileged: m.flag("privileged"),
        security_opt: m.values("security-opt").to_vec(),
        ..CreateOptions::default()
    };
    // Docker's CLI parses the port specs itself (`nat.ParsePortSpecs`) before asking the daemon.
    for spec in &o.publish {
        if let Err(e) = dockerlings_runtime::network::ports::parse_publish(spec) {
            return Err(cli_error(&e, path));
        }
    }
    if let Some(mac) = o.mac_address.as_deref().filter(|m| !m.is_empty()) {
        match dockerlings_runtime::network::mac::parse(mac) {
            Some(normal) => o.mac_address = Some(normal),
            None => {
                return Err(cli_error(
                    &format!("{mac} is not a valid mac address"),
                    path,
                ))
            }
        }
    }
    // Attach: -a values, else stdout and stderr; -i attaches stdin.
    let attach = m.values("attach");
    for stream in attach {
        match stream.to_lowercase().as_str() {
            "stdin" => o.attach_stdin = true,
            "stdout" => o.attach_stdout = true,
            "stderr" => o.attach_stderr = true,
            _ => {
                return Err(invalid_flag(
                    stream,
                    "-a, --attach",
                    "valid streams are STDIN, STDOUT and STDERR",
                    path,
                ))
            }
        }
    }
    if attach.is_empty() {
        o.attach_stdout = true;
        o.attach_stderr = true;
    }
    if o.open_stdin {
        o.attach_stdin = true;
    }
    for file in m.values("env-file") {
        o.env
            .extend(read_env_file(file).map_err(|e| cli_error(&e, path))?);
    }
    o.env
        .extend(m.values("env").iter().filter_map(|e| env_entry(e)));
    for label in m.values("label") {
        let (k, v) = label.split_once('=').unwrap_or((label, ""));
        o.labels.insert(k.to_string(), v.to_string());
    }
    o.volumes = m
        .values("volume")
        .iter()
        .map(|v| absolutize_volume(v))
        .collect();
    if let Some(mem) = m.value("memory").filter(|v| !v.is_empty()) {
        o.memory = ram_in_bytes(mem).ok_or_else(|| {
            invalid_flag(mem, "-m, --memory", &format!("invalid size: '{mem}'"), path)
        })?;
    }
    if let Some(swap) = m.value("memory-swap").filter(|v| !v.is_empty()) {
        o.memory_swap = if swap == "-1" {
            -1
        } else {
            ram_in_bytes(swap).ok_or_else(|| {
                invalid_flag(
                    swap,
                    "--memory-swap",
                    &format!("invalid size: '{swap}'"),
                    path,
                )
            })?
        };
    }
    if let Some(cpus) = m.value("cpus").filter(|v| !v.is_empty()) {
        o.nano_cpus = parse_nano_cpus(cpus).ok_or_else(|| {
            invalid_flag(
                cpus,
                "--cpus",
                &format!("failed to parse {cpus} as a rational number"),
                path,
            )
        })?;
    }
    if let Some(shares) = m.value("cpu-shares") {
        o.cpu_shares = shares.parse().unwrap_or(0);
    }
    if let Some(limit) = m.value("pids-limit") {
        o.pids_limit = limit.parse().ok();
    }
    if let Some(t) = m.value("stop-timeout") {
        o.stop_timeout = t.parse().ok();
    }
    if let Some(r) = m.value("restart") {
        o.restart = RestartPolicy::parse(r).map_err(|e| cli_error(&e.to_string(), path))?;
    }
    if o.auto_remove && !o.restart.is_none() {
        return Err(cli_error("Conflicting options: --restart and --rm", path));
    }
    if let Some(p) = m.value("pull") {
        if !matches!(p, "always" | "missing" | "never") {
            return Err(cli_error(
                &format!("invalid pull option: '{p}': must be one of \"always\", \"missing\" or \"never\""),
                path,
            ));
        }
    }
    Ok(o)
}

/// Whether an engine error means the image is not in the store.
fn is_missing_image(err: &dockerlings_runtime::Error) -> bool {
    matches!(
        err,
        dockerlings_runtime::Error::Image(ImageError::NoSuchImage(_))
    )
}

/// Pulls `image` the way `docker create`/`run` do: progress to stderr unless quiet.
pub fn pull_for_create(ctx: &mut Ctx<'_, '_>, image: &str, quiet: bool) -> Result<(), Failure> {
    let mut lines: Vec<String> = Vec::new();
    let result = {
        let engine = ctx.engine()?;
        let mut progress = |e: PullEvent| {
            let (is_note, line) = event_line(&e);
            if is_note || !quiet {
                lines.push(line);
            }
        };
        engine.pull(image, &mut progress)
    };
    for line in &lines {
        ctx.err(line)?;
    }
    result.map(|_| ()).map_err(Failure::daemon)
}

/// The image as Docker names it in `Unable to find image 'nginx:latest' locally`.
fn familiar_with_tag(image: &str) -> String {
    Reference::parse(image)
        .map(|r| r.with_default_tag().familiar())
        .unwrap_or_else(|_| image.to_string())
}

/// Creates the container, pulling its image first when missing (per `--pull`); returns
/// the engine's report. Errors are left for the caller to word (create vs run).
pub fn create_with_pull(
    ctx: &mut Ctx<'_, '_>,
    opts: &CreateOptions,
    pull: &str,
    quiet: bool,
) -> Result<CreateReport, Failure> {
    // The CLI pulls the tagged reference, so no `Using default tag` line appears.
    let tagged = familiar_with_tag(&opts.image);
    if pull == "always" {
        pull_for_create(ctx, &tagged, quiet)?;
    }
    match ctx.engine()?.container_create(opts) {
        Ok(report) => Ok(report),
        Err(e) if is_missing_image(&e) && pull == "missing" => {
            ctx.err(&format!("Unable to find image '{tagged}' locally\n"))?;
            pull_for_create(ctx, &tagged, quiet)?;
            ctx.engine()?
                .container_create(opts)
                .map_err(Failure::daemon)
        }
        Err(e) => Err(Failure::daemon(e)),
    }
}

/// Refuses an existing `--cidfile`, as Docker's CLI does before creating anything.
pub fn check_cidfile(opts: &CreateOptions, path: &str) -> Result<(), Failure> {
    if let Some(file) = opts.cidfile.as_deref().filter(|f| !f.is_empty()) {
        if std::path::Path::new(file).exists() {
            return Err(cli_error(
                &format!("Container ID file found, make sure the other container isn't running or delete {file}"),
                path,
            ));
        }
    }
    Ok(())
}

/// Writes `--cidfile` and prints the engine's warnings (`WARNING: …` on stderr).
pub fn after_create(
    ctx: &mut Ctx<'_, '_>,
    opts: &CreateOptions,
    report: &CreateReport,
) -> Result<(), Failure> {
    for w in &report.warnings {
        ctx.err(&format!("WARNING: {w}\n"))?;
    }
    if let Some(file) = opts.cidfile.as_deref().filter(|f| !f.is_empty()) {
        std::fs::write(file, &report.id).map_err(|e| {
            Failure::cli(format!("failed to write the container ID to the file: {e}"))
        })?;
    }
    Ok(())
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let path = ctx.path.clone();
    let opts = parse_create_flags(m, &path)?;
    check_cidfile(&opts, &path)?;
    let pull = m.value("pull").unwrap_or("missing").to_string();
    let report = create_with_pull(ctx, &opts, &pull, m.flag("quiet"))?;
    after_create(ctx, &opts, &report)?;
    ctx.out(&format!("{}\n", report.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::spec::{parse, Action, Arity, CommandSpec};

    const SPEC: CommandSpec = CommandSpec {
        group: Some("container"),
        name: "create",
        aliases: &[],
        shortcut: Some("create"),
        usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
        short: "Create a new container",
        arity: Arity::AtLeast(1),
        flags: CREATE_FLAGS,
        action: Action::ContainerCreate,
    };

    fn opts(args: &[&str]) -> Result<CreateOptions, Failure> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let m = parse(&SPEC, &args).map_err(|e| Failure::new(e.0, 125))?;
        parse_create_flags(&m, "docker create")
    }

    #[test]
    fn flags_stop_at_the_image() {
        let o = opts(&["-it", "--name", "web", "ubuntu", "ls", "-l", "/"]).unwrap();
        assert!(o.tty && o.open_stdin && o.attach_stdin);
        assert_eq!(o.name.as_deref(), Some("web"));
        assert_eq!(o.image, "ubuntu");
        assert_eq!(o.cmd, ["ls", "-l", "/"]);
        assert!(
            o.labels.is_empty(),
            "-l after the image belongs to the command"
        );
    }

    #[test]
    fn limits_env_and_volumes() {
        let o = opts(&[
            "--cpus=0.5",
            "-m",
            "256m",
            "-c",
            "512",
            "--pids-limit",
            "100",
            "-e",
            "A=1",
            "-e",
            "B=2",
            "-l",
            "tier=web",
            "-v",
            "/srv:/data:ro",
            "-h",
            "box",
            "-w",
            "/app",
            "-u",
            "1000",
            "--restart",
            "on-failure:3",
            "--read-only",
            "nginx",
        ])
        .unwrap();
        assert_eq!(o.nano_cpus, 500_000_000);
        assert_eq!(o.memory, 268_435_456);
        assert_eq!(o.cpu_shares, 512);
        assert_eq!(o.pids_limit, Some(100));
        assert_eq!(o.env, ["A=1", "B=2"]);
        assert_eq!(o.labels["tier"], "web");
        assert_eq!(o.volumes, ["/srv:/data:ro"]);
        assert_eq!(o.hostname.as_deref(), Some("box"));
        assert_eq!(o.workdir.as_deref(), Some("/app"));
        assert_eq!(o.user.as_deref(), Some("1000"));
        assert_eq!(o.restart.name, "on-failure");
        assert!(o.read_only);
        assert!(o.attach_stdout && o.attach_stderr && !o.attach_stdin);
    }

    #[test]
    fn port_specs_are_checked_by_the_cli() {
        let e = opts(&["-p", "70000:80", "nginx"]).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (
                125,
                "docker: invalid hostPort: 70000.\nSee 'docker create --help'."
            )
        );
        let e = opts(&["-p", "abc", "nginx"]).unwrap_err();
        assert_eq!(
            e.message,
            "docker: invalid containerPort: abc.\nSee 'docker create --help'."
        );
        assert!(opts(&["-p", "127.0.0.1:8080:80/udp", "nginx"]).is_ok());
    }

    #[test]
    fn cli_errors_like_docker() {
        let e = opts(&["-m", "lots", "nginx"]).unwrap_err();
        assert_eq!(e.code, 125);
        assert_eq!(
            e.message,
            "invalid argument \"lots\" for \"-m, --memory\" flag: invalid size: 'lots'\nSee 'docker create --help'."
        );
        let e = opts(&["--cpus", "half", "nginx"]).unwrap_err();
        assert_eq!(
            e.message,
            "invalid argument \"half\" for \"--cpus\" flag: failed to parse half as a rational number\nSee 'docker create --help'."
        );
        let e = opts(&["--rm", "--restart", "always", "nginx"]).unwrap_err();
        assert_eq!(
            e.message,
            "docker: Conflicting options: --restart and --rm.\nSee 'docker create --help'."
        );
        let e = opts(&["--env-file", "/nonexistent/env", "nginx"]).unwrap_err();
        assert_eq!(
            e.message,
            "docker: open /nonexistent/env: no such file or directory.\nSee 'docker create --help'."
        );
    }

    #[test]
    fn env_file_and_entrypoint() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("env");
        std::fs::write(&file, "# comment\n\nFOO=bar\nEMPTY=\n").unwrap();
        let o = opts(&[
            "--env-file",
            file.to_str().unwrap(),
            "-e",
            "X=1",
            "--entrypoint",
            "",
            "alpine",
        ])
        .unwrap();
        assert_eq!(o.env, ["FOO=bar", "EMPTY=", "X=1"]);
        assert_eq!(o.entrypoint.as_deref(), Some(""));
        assert_eq!(opts(&["alpine"]).unwrap().entrypoint, None);
    }

    #[test]
    fn relative_bind_sources_become_absolute() {
        let v = absolutize_volume("./site:/usr/share/nginx/html");
        assert!(
            v.starts_with('/') && v.ends_with("/site:/usr/share/nginx/html"),
            "{v}"
        );
        assert_eq!(absolutize_volume("data:/data"), "data:/data");
    }
}
