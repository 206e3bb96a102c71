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
