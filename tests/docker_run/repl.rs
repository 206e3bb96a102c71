//! The guided lab replayed from a transcript on stdin (no terminal): commands run for real,
//! checks pass as the learner's actions make them true, progress is saved and resumed.

use std::process::Command;

use super::Lab;

const COURSE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/course");

fn replay(lab: &Lab, home: &std::path::Path, lang: &str, lines: &str) -> String {
    replay_course(lab, home, lang, lines, COURSE)
}

fn replay_course(
    lab: &Lab,
    home: &std::path::Path,
    lang: &str,
    lines: &str,
    course: &str,
) -> String {
    lab.replay_lab(home, &["--lang", lang, "learn", "01"], Some(course), lines)
}

#[test]
fn a_transcript_passes_the_steps_and_progress_resumes() {
    let Some(lab) = Lab::new() else { return };
    let home = tempfile::tempdir().unwrap();

    // A wrong first try explains the miss; the right one passes at once.
    let out = replay(
        &lab,
        home.path(),
        "en",
        "docker run --network none hello-world\n\
         docker run --name hello --network none hello-world\n\
         next\n\
         hint\n\
         quit\n",
    );
    assert!(out.contains("Step 1/2 · Say hello"), "{out}");
    assert!(
        out.contains("✘ hello ran and exited with 0\n    expected: container hello exited with code 0\n    observed: there is no container named hello"),
        "{out}"
    );
    assert!(out.contains("✔ hello ran and exited with 0"), "{out}");
    assert!(out.contains("✔ Step complete!"), "{out}");
    assert!(out.contains("Step 2/2 · Clean up"), "{out}");
    assert!(out.contains("This step has no hints."), "{out}");

    // Progress was saved: a new session resumes at step 2, in Korean this time.
    let progress = std::fs::read_to_string(home.path().join("progress.json")).unwrap();
    let progress: serde_json::Value = serde_json::from_str(&progress).unwrap();
    assert_eq!(progress["current"], "01-tiny");
    assert_eq!(progress["lessons"]["01-tiny"]["step"], 1);
    assert_eq!(
        progress["lessons"]["01-tiny"]["completed"],
        serde_json::json!([0])
    );

    let out = replay(&lab, home.path(), "ko", "docker rm hello\nquit\n");
    assert!(out.contains("단계 2/2 · 정리하기"), "{out}");
    assert!(
        out.contains("✔ 단계 완료!") || out.contains("✔ 레슨 완료!"),
        "{out}"
    );
    lab.assert_nothing_left();
}

#[test]
fn reset_restores_the_steps_starting_state() {
    let Some(lab) = Lab::new() else { return };
    let home = tempfile::tempdir().unwrap();
    let out = replay(
        &lab,
        home.path(),
        "en",
        "step 2\nreset\ndocker ps -a --format '{{.Names}} {{.Status}}'\nquit\n",
    );
    assert!(
        out.contains("Restoring the state this step starts from:"),
        "{out}"
    );
    assert!(out.contains("hello Exited (0)"), "{out}");
    lab.docker(&["rm", "-f", "hello"]);
    lab.assert_nothing_left();
}

#[test]
fn xray_shows_what_happened_underneath() {
    let Some(lab) = Lab::new() else { return };
    let out = lab.ok(&[
        "--xray",
        "run",
        "-d",
        "--name",
        "xr",
        "--network",
        "none",
        "--memory",
        "64m",
        "busybox",
        "sleep",
        "60",
    ]);
    let info = lab.ok(&["inspect", "--format", "{{.State.Pid}} {{.Id}}", "xr"]);
    let (pid, id) = info.trim().split_once(' ').unwrap();
    assert!(out.contains("POST /v1.44/containers/create"), "{out}");
    assert!(
        out.contains(&format!("POST /v1.44/containers/{}/start", &id[..12])),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "PID {pid} on the host is PID 1 inside the container"
        )),
        "{out}"
    );
    let pid_ns = std::fs::read_link(format!("/proc/{pid}/ns/pid")).unwrap();
    assert!(
        out.contains(&format!("pid     {:<22} its own", pid_ns.display())),
        "{out}"
    );
    assert!(out.contains("memory.limit        67108864"), "{out}");
    assert!(out.contains("seccomp             default"), "{out}");
    assert!(
        out.contains("= 67108864"),
        "the cgroup file shows the limit: {out}"
    );
    assert!(out.contains("GraphDriver.Name = \"overlay2\""), "{out}");
    lab.ok(&["rm", "-f", "xr"]);
    lab.assert_nothing_left();
}

#[test]
fn swapped_port_numbers_are_explained() {
    let Some(lab) = Lab::new() else { return };
    let home = tempfile::tempdir().unwrap();
    let course = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/course-ports");
    let out = replay_course(
        &lab,
        home.path(),
        "en",
        "docker run -d --name web -p 18091:18090 busybox sleep 60\nquit\n",
        course,
    );
    assert!(
        out.contains("observed: 0.0.0.0:18091->18090/tcp — the two numbers are swapped: the host port comes first (-p 18090:18091)"),
        "{out}"
    );
    let out = replay_course(
        &lab,
        home.path(),
        "ko",
        "docker rm -f web\ndocker run -d --name web -p 18090:18091 busybox sleep 60\nquit\n",
        course,
    );
    assert!(
        out.contains("✔ web이 18091을 호스트 포트 18090으로 공개"),
        "{out}"
    );
    lab.ok(&["rm", "-f", "web"]);
    lab.assert_nothing_left();
}

#[test]
fn on_a_terminal_the_lab_keeps_a_history_and_completes() {
    let Some(lab) = Lab::new() else { return };
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_dockerlings"));
    command
        .args(["--lang", "en", "sandbox"])
        .env("DOCKERLINGS_ROOT", lab.root.path())
        .env("DOCKERLINGS_RUN", lab.run.path())
        .env("DOCKERLINGS_HOME", home.path())
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    let (mut child, mut term) = super::terminal::spawn(command);
    term.wait_for("sandbox $ ");
    term.type_line("echo first-line");
    term.wait_for("first-line\r\n");
    // Tab completes a lab command at the start of a line.
    term.master_write(b"hel\t\r");
    term.wait_for("The lab's own commands:");
    term.type_line("quit");
    let _ = term.rest();
    assert!(child.wait().unwrap().success());
    let history = std::fs::read_to_string(home.path().join("history")).unwrap();
    assert!(history.contains("echo first-line"), "{history}");
    assert!(history.contains("help"), "{history}");
    lab.assert_nothing_left();
}

#[test]
fn a_container_on_the_wrong_network_is_explained() {
    let Some(lab) = Lab::new() else { return };
    let home = tempfile::tempdir().unwrap();
    let course = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/course-ports");
    let out = replay_course(
        &lab,
        home.path(),
        "en",
        "step 2\nreset\ndocker run -d --name w2 busybox sleep 60\nquit\n",
        course,
    );
    assert!(out.contains("✘ network labnet container=w2"), "{out}");
    assert!(
        out.contains("observed: network labnet driver=bridge subnet=172.18.0.0/16 gateway=172.18.0.1 containers=[]"),
        "{out}"
    );
    lab.ok(&["rm", "-f", "w2"]);
    lab.ok(&["network", "rm", "labnet"]);
    lab.assert_nothing_left();
}

#[test]
fn forgetting_d_is_explained() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["pull", "nginx:alpine"]);
    let home = tempfile::tempdir().unwrap();
    let course = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/course-ports");
    // A learner runs it in the foreground, then presses Ctrl-C (here: `timeout -s INT`).
    let out = replay_course(
        &lab,
        home.path(),
        "en",
        "step 3\ntimeout -s INT 3 docker run --name fg --network none nginx:alpine\nquit\n",
        course,
    );
    assert!(
        out.contains("observed: container fg is exited (0) — you ran it without -d, so it ran in the foreground and stopped with Ctrl-C"),
        "{out}"
    );
    lab.ok(&["rm", "-f", "fg"]);
    lab.assert_nothing_left();
}

#[test]
fn xray_shows_the_wire_and_the_port_proxy() {
    let Some(lab) = Lab::new() else { return };
    let out = lab.ok(&[
        "--xray", "run", "-d", "--name", "xw", "-p", "18098:80", "nginx",
    ]);
    assert!(out.contains("eth0 (in the container) ⇄ veth"), "{out}");
    assert!(out.contains("(lab host) ─ bridge docker0"), "{out}");
    assert!(out.contains("bridge: ip=172.17.0."), "{out}");
    assert!(
        out.contains("port proxy (in the supervisor): 0.0.0.0:18098 -> 80/tcp"),
        "{out}"
    );
    lab.ok(&["rm", "-f", "xw"]);
    lab.assert_nothing_left();
}
