//! `dockerlings docker run` and friends end to end, as a learner types them: the real app
//! binary, real supervisors (`dockerlings __supervise`), real containers. Root only.

mod behaviour;
mod checks;
mod course;
mod course_network;
mod cp;
mod exec;
mod isolation;
mod labs;
mod lessons;
mod net_plumbing;
mod outputs;
mod ports;
mod repl;
mod terminal;

use std::path::Path;
use std::process::{Command, Output};

/// A temp engine state, removed (containers first) when dropped.
struct Lab {
    root: tempfile::TempDir,
    run: tempfile::TempDir,
}

impl Lab {
    /// `None` (test skipped) when not root outside CI; panics when not root in CI.
    fn new() -> Option<Self> {
        if !nix::unistd::Uid::effective().is_root() {
            assert!(
                std::env::var_os("CI").is_none(),
                "docker_run tests need root in CI"
            );
            eprintln!("skipping: docker_run tests need root");
            return None;
        }
        Some(Self {
            root: tempfile::Builder::new()
                .prefix("dl-run-")
                .tempdir()
                .unwrap(),
            // Short: unix socket paths below it must fit in 108 bytes.
            run: tempfile::Builder::new()
                .prefix("dq")
                .tempdir_in("/tmp")
                .unwrap(),
        })
    }

    fn docker(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_dockerlings"))
            .arg("docker")
            .args(args)
            .env("DOCKERLINGS_ROOT", self.root.path())
            .env("DOCKERLINGS_RUN", self.run.path())
            .env("LANG", "C")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert!(
            out.status.success(),
            "docker {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs the lab (`dockerlings <args>`) on this engine with `lines` as its stdin, in a
    /// fresh working directory, lessons from `lessons` (a fixture course) or the built-in
    /// ones; returns its stdout after checking it ended well.
    fn replay_lab(&self, home: &Path, args: &[&str], lessons: Option<&str>, lines: &str) -> String {
        let work = tempfile::tempdir().unwrap();
        let env: Vec<(&str, &str)> = lessons
            .map(|dir| vec![("DOCKERLINGS_LESSONS", dir)])
            .unwrap_or_default();
        let out = self.app(home, work.path(), args, &env, lines);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs `dockerlings <args>` on this engine as a learner with data directory `home`, in
    /// `work`, with `env` added and `lines` as its stdin.
    fn app(
        &self,
        home: &Path,
        work: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        lines: &str,
    ) -> Output {
        use std::io::Write;
        let mut command = Command::new(env!("CARGO_BIN_EXE_dockerlings"));
        command
            .args(args)
            .current_dir(work)
            .env("DOCKERLINGS_ROOT", self.root.path())
            .env("DOCKERLINGS_RUN", self.run.path())
            .env("DOCKERLINGS_HOME", home)
            .env("DOCKERLINGS_OFFLINE", "1")
            .env("COLUMNS", "80")
            .env("NO_COLOR", "1")
            .env_remove("DOCKERLINGS_LESSONS")
            .env_remove("DOCKERLINGS_LABS")
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(lines.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn assert_nothing_left(&self) {
        let root = self.root.path().display().to_string();
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        assert!(!mountinfo.contains(&root), "a mount under {root} is left");
        let ids = self.ok(&["ps", "-aq", "--no-trunc"]);
        for id in ids.lines() {
            assert!(dockerlings_runtime::shim::cgroup::dirs(id).is_empty());
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let ids = self.docker(&["ps", "-aq", "--no-trunc"]);
        for id in String::from_utf8_lossy(&ids.stdout).lines() {
            let _ = self.docker(&["rm", "-f", id]);
            dockerlings_runtime::shim::cgroup::kill_all(id, std::time::Duration::from_secs(5));
            dockerlings_runtime::shim::cgroup::remove(id);
        }
        let _ = dockerlings_runtime::network::labhost::teardown(self.run.path());
    }
}

/// The course publishes fixed host ports (8080, 8081, 9090, …), and tests here run in
/// parallel: a test that plays course content leases the host ports it publishes, so no two
/// tests publish the same port at once (each would see "port is already allocated").
struct PortLease(Vec<u16>);

static LEASED: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
static RETURNED: std::sync::Condvar = std::sync::Condvar::new();

impl PortLease {
    /// Waits until none of `ports` is leased, then leases them all.
    fn take(mut ports: Vec<u16>) -> Self {
        ports.sort_unstable();
        ports.dedup();
        let mut leased = LEASED.lock().unwrap_or_else(|e| e.into_inner());
        while ports.iter().any(|p| leased.contains(p)) {
            leased = RETURNED.wait(leased).unwrap_or_else(|e| e.into_inner());
        }
        leased.extend(&ports);
        Self(ports)
    }

    /// The host ports `-p`/`--publish` options in `text` name (`8080:80`, `127.0.0.1:8080:80`).
    fn publish_ports_in(text: &str) -> Vec<u16> {
        let re = regex::Regex::new(r"(?:-p|--publish)[ =](?:[0-9.]+:)?([0-9]+):").unwrap();
        re.captures_iter(text)
            .filter_map(|c| c[1].parse().ok())
            .collect()
    }

    /// The ports the solutions, setups and mistakes of `lesson` (or lab) publish.
    fn for_content(lesson: &dockerlings::lesson::Lesson) -> Self {
        let mut text = String::new();
        for step in &lesson.steps {
            for line in step
                .solution
                .iter()
                .chain(&step.setup)
                .chain(&step.commands)
            {
                text.push_str(line);
                text.push('\n');
            }
            for mistake in &step.mistakes {
                text.push_str(&mistake.commands.join("\n"));
                text.push('\n');
            }
        }
        Self::take(Self::publish_ports_in(&text))
    }
}

impl Drop for PortLease {
    fn drop(&mut self) {
        let mut leased = LEASED.lock().unwrap_or_else(|e| e.into_inner());
        leased.retain(|p| !self.0.contains(p));
        RETURNED.notify_all();
    }
}

#[test]
fn port_leases_read_publish_options() {
    assert_eq!(
        PortLease::publish_ports_in(
            "docker run -d -p 8080:80 nginx\ndocker run --publish 127.0.0.1:8081:80 x -p 9090:80"
        ),
        vec![8080, 8081, 9090]
    );
}

fn cgroup_exists(id: &str) -> bool {
    !dockerlings_runtime::shim::cgroup::dirs(id).is_empty()
}

#[test]
fn run_rm_prints_and_leaves_nothing() {
    let Some(lab) = Lab::new() else { return };
    let out = lab.docker(&["run", "--rm", "alpine:3.19", "echo", "hi"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "hi\n");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("Unable to find image 'alpine:3.19' locally\n"),
        "{stderr}"
    );
    assert_eq!(lab.ok(&["ps", "-aq"]), "");
    assert!(!lab
        .root
        .path()
        .join("containers")
        .read_dir()
        .unwrap()
        .any(|e| { e.unwrap().file_name().len() == 64 }));
    lab.assert_nothing_left();
}

#[test]
fn detached_run_stop_logs_rm() {
    let Some(lab) = Lab::new() else { return };
    let id = lab.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "busybox",
        "sh",
        "-c",
        "echo ready; sleep 1000",
    ]);
    let id = id.trim().to_string();
    assert_eq!(id.len(), 64, "{id}");
    assert!(cgroup_exists(&id));
    let status = lab.ok(&["ps", "--format", "{{.Names}} {{.Status}}"]);
    assert!(status.starts_with("web Up "), "{status}");
    assert_eq!(lab.ok(&["stop", "-t", "1", "web"]), "web\n");
    let status = lab.ok(&["ps", "-a", "--format", "{{.Status}}"]);
    assert!(status.starts_with("Exited (137) "), "{status}");
    assert_eq!(lab.ok(&["logs", "web"]), "ready\n");
    assert_eq!(lab.ok(&["wait", "web"]), "137\n");
    assert_eq!(lab.ok(&["rm", "web"]), "web\n");
    assert!(!cgroup_exists(&id));
    lab.assert_nothing_left();
}

#[test]
fn foreground_run_returns_the_exit_code_and_splits_streams() {
    let Some(lab) = Lab::new() else { return };
    let out = lab.docker(&[
        "run",
        "busybox",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 4",
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "out\n");
    assert!(String::from_utf8(out.stderr).unwrap().ends_with("err\n"));
}

#[test]
fn missing_command_is_127_with_dockers_text() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["pull", "busybox"]);
    let out = lab.docker(&["run", "busybox", "nosuch"]);
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH: unknown.\n"
    );
    let status = lab.ok(&["ps", "-a", "--format", "{{.Status}}"]);
    assert_eq!(status, "Created\n");
}

#[test]
fn unknown_user_fails_the_start_not_the_create_and_works_once_added() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["pull", "busybox"]);
    let out = lab.docker(&["run", "--rm", "-u", "ghost", "busybox", "true"]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: unable to find user ghost: no matching entries in passwd file: unknown.\n"
    );
    // Docker resolves the user at every start: created with a user the image lacks, the
    // container starts once a passwd file that has it is copied in.
    lab.ok(&[
        "create", "--name", "ghostly", "-u", "ghost", "busybox", "id", "-un",
    ]);
    let out = lab.docker(&["start", "-a", "ghostly"]);
    assert_ne!(out.status.code(), Some(0));
    let passwd = lab.root.path().join("passwd");
    std::fs::write(
        &passwd,
        "root:x:0:0:root:/root:/bin/sh\nghost:x:4242:4242::/:/bin/sh\n",
    )
    .unwrap();
    lab.ok(&["cp", passwd.to_str().unwrap(), "ghostly:/etc/passwd"]);
    assert_eq!(lab.ok(&["start", "-a", "ghostly"]), "ghost\n");
    lab.ok(&["rm", "ghostly"]);
}

#[test]
fn container_changes_do_not_change_the_image() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["run", "ubuntu", "touch", "/x"]);
    let out = lab.docker(&["run", "ubuntu", "ls", "/x"]);
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn killed_supervisor_shows_exited_and_is_cleaned() {
    let Some(lab) = Lab::new() else { return };
    let id = lab
        .ok(&["run", "-d", "busybox", "sleep", "1000"])
        .trim()
        .to_string();
    let state: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            lab.root
                .path()
                .join("containers")
                .join(&id)
                .join("state.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let sup = state["supervisor_pid"].as_i64().unwrap() as i32;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sup),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    while Path::new(&format!("/proc/{sup}")).exists()
        && !std::fs::read_to_string(format!("/proc/{sup}/stat")).is_ok_and(|s| s.contains(") Z "))
    {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let status = lab.ok(&["ps", "-a", "--format", "{{.Status}}"]);
    assert!(status.starts_with("Exited ("), "{status}");
    assert!(!cgroup_exists(&id), "cgroup left after reconcile");
    lab.ok(&["rm", &id]);
    lab.assert_nothing_left();
}

#[test]
fn pause_unpause_and_paused_status() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["create", "--name", "p1", "busybox", "sleep", "1000"]);
    assert_eq!(lab.ok(&["start", "p1"]), "p1\n");
    assert_eq!(lab.ok(&["pause", "p1"]), "p1\n");
    let status = lab.ok(&["ps", "--format", "{{.Status}}"]);
    assert!(status.trim_end().ends_with("(Paused)"), "{status}");
    assert_eq!(lab.ok(&["unpause", "p1"]), "p1\n");
    assert_eq!(lab.ok(&["kill", "p1"]), "p1\n");
    let out = lab.docker(&["kill", "p1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .starts_with("Error response from daemon: Cannot kill container: p1: Container "));
}

#[test]
fn memory_limit_oom_kills_with_137() {
    let Some(lab) = Lab::new() else { return };
    let out = lab.docker(&[
        "run",
        "--name",
        "oom",
        "-m",
        "16m",
        "busybox",
        "sh",
        "-c",
        "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}",
    ]);
    assert_eq!(out.status.code(), Some(137));
    assert_eq!(
        lab.ok(&[
            "inspect",
            "--format",
            "{{.State.OOMKilled}} {{.State.ExitCode}}",
            "oom"
        ]),
        "true 137\n"
    );
    let status = lab.ok(&["ps", "-a", "--format", "{{.Status}}"]);
    assert!(status.starts_with("Exited (137) "), "{status}");
}
