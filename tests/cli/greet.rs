//! `dockerlings` with no arguments greets and names the offline images.

use super::support::dockerlings;

#[test]
fn greets_in_english_and_korean() {
    let state = tempfile::tempdir().unwrap();
    let output = dockerlings(state.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(stdout.contains("learn Docker by doing"), "{stdout}");
    assert!(
        stdout.contains("nginx") && stdout.contains("diamol/base"),
        "{stdout}"
    );

    let output = dockerlings(state.path())
        .env("LANG", "ko_KR.UTF-8")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("직접 해 보며 배우는 Docker"), "{stdout}");
    let output = dockerlings(state.path())
        .args(["--lang", "en"])
        .env("LANG", "ko_KR.UTF-8")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("learn Docker by doing"));
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    let state = tempfile::tempdir().unwrap();
    let program = env!("CARGO_BIN_EXE_dockerlings");
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("'{program}' | head -n 1"))
        .env("DOCKERLINGS_ROOT", state.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
