//! Docker behaviours the course relies on that are easy to miss: a missing working
//! directory is created, and Ctrl-C on a foreground `docker run` reaches the container.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Lab;

#[test]
fn a_missing_working_directory_is_created() {
    let Some(lab) = Lab::new() else { return };
    let out = lab.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-w=/tensorflow/deep",
        "busybox",
        "pwd",
    ]);
    assert_eq!(out.trim(), "/tensorflow/deep");
    lab.assert_nothing_left();
}

#[test]
fn ctrl_c_on_a_foreground_run_reaches_the_container() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["pull", "nginx:alpine"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockerlings"))
        .args([
            "docker",
            "run",
            "--name",
            "fg",
            "--network",
            "none",
            "nginx:alpine",
        ])
        .env("DOCKERLINGS_ROOT", lab.root.path())
        .env("DOCKERLINGS_RUN", lab.run.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !lab.ok(&["ps", "--format", "{{.Names}}"]).contains("fg") {
        assert!(Instant::now() < deadline, "fg never started");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Like a learner pressing Ctrl-C (again, if the server was still starting up).
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
        std::thread::sleep(Duration::from_millis(300));
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("docker run did not end on Ctrl-C");
        }
    };
    assert_eq!(
        status.code(),
        Some(0),
        "nginx exits 0 on SIGINT and run returns its code"
    );
    let state = lab.ok(&["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    assert!(state.starts_with("fg Exited (0)"), "{state}");
    lab.ok(&["rm", "fg"]);
    lab.assert_nothing_left();
}

#[test]
fn a_detached_interactive_shell_keeps_running() {
    let Some(lab) = Lab::new() else { return };
    // The course's `docker run -itd`: a shell on a pty nobody is attached to.
    lab.ok(&[
        "run",
        "-itd",
        "--name",
        "sample",
        "--network",
        "none",
        "ubuntu:latest",
    ]);
    std::thread::sleep(Duration::from_secs(3));
    let status = lab.ok(&["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    assert!(status.starts_with("sample Up"), "{status}");
    assert_eq!(
        lab.ok(&["exec", "sample", "echo", "still", "here"]),
        "still here\n"
    );
    lab.ok(&["rm", "-f", "sample"]);
    lab.assert_nothing_left();
}

#[test]
fn names_resolve_after_connecting_a_bridge_container_to_a_user_network() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["network", "create", "later"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "target",
        "--network",
        "later",
        "busybox",
        "sleep",
        "60",
    ]);
    lab.ok(&["run", "-d", "--name", "joiner", "busybox", "sleep", "60"]);
    lab.ok(&["network", "connect", "later", "joiner"]);
    let out = lab.ok(&["exec", "joiner", "ping", "-c", "1", "target"]);
    assert!(out.contains("1 packets received"), "{out}");
    lab.ok(&["rm", "-f", "target", "joiner"]);
    lab.ok(&["network", "rm", "later"]);
    lab.assert_nothing_left();
}
