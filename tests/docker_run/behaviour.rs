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
