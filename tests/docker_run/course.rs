//! The course's container scenarios end to end (issue 3's acceptance list), typed as a
//! learner types them: `hello-world`, the `web` nginx container's whole life, pause,
//! resource limits the cgroup really enforces, an interactive `ubuntu bash` on a real
//! terminal, Docker's refusals, and `docker stop $(docker ps -q)` from a shell.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::Duration;

use super::terminal;
use super::Lab;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `{{.Status}}` of every container `ps -a` lists, one per line.
fn statuses(lab: &Lab) -> String {
    lab.ok(&["ps", "-a", "--format", "{{.Names}} {{.Status}}"])
}

fn inspect(lab: &Lab, format: &str, name: &str) -> String {
    lab.ok(&["inspect", "--format", format, name])
        .trim_end()
        .to_string()
}

#[test]
fn hello_world_prints_its_message_and_leaves_nothing() {
    let Some(lab) = Lab::new() else { return };
    let cidfile = lab.root.path().join("hello.cid");
    let out = lab.docker(&[
        "run",
        "--rm",
        "--cidfile",
        cidfile.to_str().unwrap(),
        "hello-world",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("\nHello from Docker"), "{stdout}");
    assert!(
        stdout
            .contains("This message shows that your installation appears to be working correctly."),
        "{stdout}"
    );
    let id = std::fs::read_to_string(&cidfile).unwrap();
    assert_eq!(id.len(), 64, "{id}");
    assert_eq!(lab.ok(&["ps", "-a"]).lines().count(), 1, "only the header");
    assert!(
        dockerlings_runtime::shim::cgroup::dirs(&id).is_empty(),
        "cgroup of {id} left"
    );
    assert!(!lab.root.path().join("containers").join(&id).exists());
    lab.assert_nothing_left();
}

#[test]
fn web_nginx_runs_logs_execs_stops_starts_and_restarts() {
    let Some(lab) = Lab::new() else { return };
    let id = lab.ok(&["run", "-d", "--name", "web", "nginx"]);
    let id = id.trim();
    assert_eq!(id.len(), 64, "{id}");
    let ps = lab.ok(&["ps"]);
    let row = ps.lines().nth(1).unwrap_or_default();
    assert!(row.starts_with(&id[..12]), "{ps}");
    assert!(
        row.contains("   Up ") && row.ends_with("   80/tcp    web"),
        "{ps}"
    );
    // The entrypoint's lines on stdout, then nginx's notices on stderr, each to its stream.
    let (mut stdout, mut stderr) = (String::new(), String::new());
    for _ in 0..200 {
        let logs = lab.docker(&["logs", "web"]);
        (stdout, stderr) = (text(&logs.stdout), text(&logs.stderr));
        if stderr.contains("start worker processes") {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(stdout.contains("docker-entrypoint.sh: "), "{stdout}");
    assert!(
        stderr.contains(" [notice] 1#1: start worker processes\n"),
        "{stderr}"
    );
    assert_eq!(
        lab.ok(&["exec", "web", "ls", "/usr/share/nginx/html"]),
        "50x.html\nindex.html\n"
    );

    let first_pid = inspect(&lab, "{{.State.Pid}}", "web");
    assert_eq!(lab.ok(&["stop", "web"]), "web\n");
    let st = statuses(&lab);
    assert!(st.starts_with("web Exited (0) "), "{st}");
    assert_eq!(inspect(&lab, "{{.State.Pid}}", "web"), "0");
    assert!(
        !super::cgroup_exists(id),
        "a stopped container keeps no cgroup"
    );

    assert_eq!(lab.ok(&["start", "web"]), "web\n");
    assert!(statuses(&lab).starts_with("web Up "), "{}", statuses(&lab));
    let second_pid = inspect(&lab, "{{.State.Pid}}", "web");
    assert_ne!(second_pid, first_pid);

    assert_eq!(lab.ok(&["restart", "web"]), "web\n");
    assert!(statuses(&lab).starts_with("web Up "), "{}", statuses(&lab));
    let third_pid = inspect(&lab, "{{.State.Pid}}", "web");
    assert_ne!(third_pid, second_pid, "restart starts a new process");
    assert_eq!(inspect(&lab, "{{.RestartCount}}", "web"), "0");

    assert_eq!(lab.ok(&["rm", "-f", "web"]), "web\n");
    assert!(!super::cgroup_exists(id));
    lab.assert_nothing_left();
}

/// The freezer state of a container's cgroup: v1 `freezer.state`, v2 `cgroup.freeze`.
fn frozen(id: &str) -> bool {
    dockerlings_runtime::shim::cgroup::dirs(id)
        .iter()
        .any(|dir| {
            std::fs::read_to_string(dir.join("freezer.state")).is_ok_and(|s| s.trim() == "FROZEN")
                || std::fs::read_to_string(dir.join("cgroup.freeze")).is_ok_and(|s| s.trim() == "1")
        })
}

#[test]
fn create_start_pause_unpause_stop_rm() {
    let Some(lab) = Lab::new() else { return };
    let id = lab.ok(&["create", "--name", "life", "nginx"]);
    let id = id.trim();
    assert_eq!(statuses(&lab), "life Created\n");
    assert_eq!(lab.ok(&["start", "life"]), "life\n");
    assert!(statuses(&lab).starts_with("life Up "), "{}", statuses(&lab));
    assert_eq!(lab.ok(&["pause", "life"]), "life\n");
    let st = lab.ok(&["ps", "--format", "{{.Status}}"]);
    assert!(st.starts_with("Up ") && st.ends_with(" (Paused)\n"), "{st}");
    assert_eq!(inspect(&lab, "{{.State.Status}}", "life"), "paused");
    assert!(frozen(id), "the freezer did not freeze the cgroup");
    assert_eq!(lab.ok(&["unpause", "life"]), "life\n");
    assert!(!frozen(id));
    let st = lab.ok(&["ps", "--format", "{{.Status}}"]);
    assert!(st.starts_with("Up ") && !st.contains("Paused"), "{st}");
    assert_eq!(lab.ok(&["stop", "life"]), "life\n");
    let st = statuses(&lab);
    assert!(st.starts_with("life Exited (0) "), "{st}");
    assert_eq!(lab.ok(&["rm", "life"]), "life\n");
    assert_eq!(lab.ok(&["ps", "-aq"]), "");
    assert!(!super::cgroup_exists(id));
    lab.assert_nothing_left();
}

/// One cgroup file's content, from whichever of the container's cgroup directories has it.
fn cgroup_file(id: &str, name: &str) -> Option<String> {
    dockerlings_runtime::shim::cgroup::dirs(id)
        .iter()
        .find_map(|dir| std::fs::read_to_string(dir.join(name)).ok())
        .map(|s| s.trim().to_string())
}

#[test]
fn inspect_test_limits_are_recorded_and_enforced_by_the_cgroup() {
    let Some(lab) = Lab::new() else { return };
    let id = lab.ok(&[
        "run",
        "-d",
        "--name",
        "inspect-test",
        "--cpus=0.5",
        "--memory=256m",
        "nginx",
    ]);
    let id = id.trim();
    // `--format='{{…}}'` as the course types it, once the shell has removed the quotes.
    assert_eq!(
        lab.ok(&[
            "inspect",
            "--format={{.HostConfig.NanoCpus}}",
            "inspect-test"
        ]),
        "500000000\n"
    );
    assert_eq!(
        inspect(&lab, "{{.HostConfig.Memory}}", "inspect-test"),
        "268435456"
    );
    // What the kernel enforces: v1 memory and cpu controllers, or v2's unified files.
    if let Some(max) = cgroup_file(id, "memory.max") {
        assert_eq!(max, "268435456");
        assert_eq!(cgroup_file(id, "cpu.max").unwrap(), "50000 100000");
    } else {
        assert_eq!(
            cgroup_file(id, "memory.limit_in_bytes").unwrap(),
            "268435456"
        );
        assert_eq!(cgroup_file(id, "cpu.cfs_quota_us").unwrap(), "50000");
        assert_eq!(cgroup_file(id, "cpu.cfs_period_us").unwrap(), "100000");
    }
    // And the container's processes are in that cgroup.
    let pid = inspect(&lab, "{{.State.Pid}}", "inspect-test");
    assert!(
        dockerlings_runtime::shim::cgroup::procs(id)
            .iter()
            .any(|p| p.to_string() == pid),
        "pid {pid} is not in the container's cgroup"
    );
    lab.ok(&["rm", "-f", "inspect-test"]);
    assert!(!super::cgroup_exists(id));
    lab.assert_nothing_left();
}

/// Terminal output without its escape sequences (colours, cursor moves, modes).
#[test]
fn interactive_ubuntu_bash_on_a_real_terminal() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["pull", "ubuntu"]);
    let mut command = Command::new(env!("CARGO_BIN_EXE_dockerlings"));
    command
        .args(["docker", "run", "-it", "--rm", "ubuntu", "bash"])
        .env("DOCKERLINGS_ROOT", lab.root.path())
        .env("DOCKERLINGS_RUN", lab.run.path())
        .env("LANG", "C");
    let (mut child, mut term) = terminal::spawn(command);
    term.wait_for("# ");
    term.type_line("ls -l /");
    let listing = term.wait_for(" var\r\n");
    for dir in [" bin", " etc", " root", " tmp", " usr"] {
        assert!(listing.contains(dir), "{dir} missing in {listing:?}");
    }
    assert!(
        listing.contains("\r\ndr"),
        "not a long listing: {listing:?}"
    );
    term.type_line("exit");
    let all = term.rest();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{all:?}");
    assert_eq!(lab.ok(&["ps", "-a"]).lines().count(), 1, "only the header");
    lab.assert_nothing_left();
}

#[test]
fn refusals_read_like_dockers() {
    let Some(lab) = Lab::new() else { return };
    let id = lab.ok(&["run", "-d", "--name", "web", "nginx"]);
    let id = id.trim();
    let out = lab.docker(&["rm", "web"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "Error response from daemon: cannot remove container \"/web\": container is running: stop the container before removing or force remove\n"
    );
    let out = lab.docker(&["run", "-d", "--name", "web", "nginx"]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        text(&out.stderr),
        format!(
            "docker: Error response from daemon: Conflict. The container name \"/web\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.\nSee 'docker run --help'.\n"
        )
    );
    assert_eq!(text(&out.stdout), "");
    let out = lab.docker(&["create", "--name", "web", "nginx"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with(
            "Error response from daemon: Conflict. The container name \"/web\" is already in use"
        ),
        "{}",
        text(&out.stderr)
    );
    // The refused containers were never made, the running one still runs.
    assert_eq!(lab.ok(&["ps", "-aq", "--no-trunc"]), format!("{id}\n"));
    assert!(statuses(&lab).starts_with("web Up "));
    lab.ok(&["rm", "-f", "web"]);
    lab.assert_nothing_left();
}

#[test]
fn stop_of_docker_ps_q_works_from_a_shell() {
    let Some(lab) = Lab::new() else { return };
    let one = lab.ok(&["run", "-d", "--name", "one", "nginx"]);
    let two = lab.ok(&["run", "-d", "--name", "two", "nginx"]);
    lab.ok(&["create", "--name", "idle", "nginx"]);
    // A `docker` on PATH that is this build of dockerlings, as the lab's shell has it.
    let bin = tempfile::tempdir().unwrap();
    let wrapper = bin.path().join("docker");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec '{}' docker \"$@\"\n",
            env!("CARGO_BIN_EXE_dockerlings")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("/bin/sh")
        .args(["-c", "docker stop $(docker ps -q)"])
        .env("PATH", path)
        .env("DOCKERLINGS_ROOT", lab.root.path())
        .env("DOCKERLINGS_RUN", lab.run.path())
        .env("LANG", "C")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut stopped: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
    stopped.sort();
    let mut expected = vec![one.trim()[..12].to_string(), two.trim()[..12].to_string()];
    expected.sort();
    assert_eq!(stopped, expected, "stop echoes the IDs it was given");
    assert_eq!(lab.ok(&["ps", "-q"]), "");
    let mut st: Vec<String> = statuses(&lab).lines().map(String::from).collect();
    st.sort();
    assert_eq!(st.len(), 3, "{st:?}");
    assert_eq!(st[0], "idle Created");
    assert!(st[1].starts_with("one Exited (0) "), "{st:?}");
    assert!(st[2].starts_with("two Exited (0) "), "{st:?}");
    lab.ok(&["rm", "one", "two", "idle"]);
    lab.assert_nothing_left();
}

#[test]
fn rm_containers_stop_and_go_with_their_anonymous_volumes() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["volume", "create", "kept"]);
    lab.ok(&[
        "run",
        "-d",
        "--rm",
        "--name",
        "tmp",
        "-v",
        "/scratch",
        "-v",
        "kept:/kept",
        "nginx",
    ]);
    assert_eq!(lab.ok(&["volume", "ls", "-q"]).lines().count(), 2);
    // The supervisor removes it the moment it stops: `stop` still answers with its name.
    assert_eq!(lab.ok(&["stop", "tmp"]), "tmp\n");
    assert_eq!(lab.ok(&["ps", "-aq"]), "");
    assert_eq!(lab.ok(&["volume", "ls", "-q"]), "kept\n");
    lab.ok(&["run", "-d", "--rm", "--name", "tmp2", "nginx"]);
    assert_eq!(lab.ok(&["rm", "-f", "tmp2"]), "tmp2\n");
    assert_eq!(lab.ok(&["ps", "-aq"]), "");
    lab.ok(&["volume", "rm", "kept"]);
    lab.assert_nothing_left();
}
