//! `dockerlings dev check` validates the embedded content and says what it checked.

use super::support::dockerlings;

#[test]
fn dev_check_passes_on_the_shipped_content() {
    let state = tempfile::tempdir().unwrap();
    let output = dockerlings(state.path())
        .args(["dev", "check"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("ok   catalogue"), "{stdout}");
    assert!(stdout.contains("ok   image nginx:1.25"), "{stdout}");
    assert!(!stdout.contains("FAIL"), "{stdout}");
}
