//! Without root, dockerlings explains why in one sentence, in the learner's language, and
//! does not start the engine.

use super::support::{dockerlings, have_root};

/// Runs `dockerlings docker images` as the unprivileged user `nobody`, with no terminal.
fn as_nobody(lang: &str) -> std::process::Output {
    let state = tempfile::tempdir().unwrap();
    // nobody must be able to reach the binary; the state dir is not its to write.
    let cmd = dockerlings(state.path());
    let mut setpriv = std::process::Command::new("setpriv");
    setpriv
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(cmd.get_program())
        .args(["docker", "images"])
        .env_clear();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            setpriv.env(key, value);
        }
    }
    setpriv.env("LANG", lang).stdin(std::process::Stdio::null());
    let output = setpriv.output().expect("run setpriv");
    assert!(
        state.path().join("root").read_dir().is_err(),
        "the engine must not start"
    );
    output
}

#[test]
fn non_root_is_told_why_in_english() {
    if !have_root("non_root_is_told_why_in_english") {
        return;
    }
    let output = as_nobody("en_US.UTF-8");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("only to root"), "stderr: {stderr}");
    assert!(stderr.contains("--sudo"), "stderr: {stderr}");
}

#[test]
fn non_root_is_told_why_in_korean() {
    if !have_root("non_root_is_told_why_in_korean") {
        return;
    }
    let output = as_nobody("ko_KR.UTF-8");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("root에게만 허용"), "stderr: {stderr}");
}

/// With `--sudo`, dockerlings runs itself again through sudo, passing the learner's own data
/// directory (computed before elevation) so progress stays in their home. A fake `sudo` on
/// PATH records what it was asked to run.
#[test]
fn sudo_rerun_keeps_the_learners_home() {
    if !have_root("sudo_rerun_keeps_the_learners_home") {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let record = dir.path().join("sudo-args");
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let fake_sudo = bin.join("sudo");
    std::fs::write(
        &fake_sudo,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&fake_sudo, std::fs::Permissions::from_mode(0o755)).unwrap();

    let output = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_dockerlings"))
        .args(["--sudo", "docker", "images"])
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("HOME", "/home/learner")
        .env("LANG", "en_US.UTF-8")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stderr: {stderr}");
    assert!(stderr.contains("Running: sudo -- env"), "stderr: {stderr}");
    let args = std::fs::read_to_string(&record).expect("the fake sudo ran");
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(&args[..2], ["--", "env"], "{args:?}");
    assert!(
        args.contains(&"DOCKERLINGS_HOME=/home/learner/.local/share/dockerlings"),
        "{args:?}"
    );
    assert!(args.contains(&"DOCKERLINGS_ELEVATED=1"), "{args:?}");
    assert!(
        args.contains(&env!("CARGO_BIN_EXE_dockerlings")),
        "{args:?}"
    );
    assert_eq!(&args[args.len() - 2..], ["docker", "images"], "{args:?}");
    assert!(!args.contains(&"--sudo"), "{args:?}");
}
