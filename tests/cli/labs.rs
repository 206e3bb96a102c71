//! `dockerlings lab list` and `lab status` (no engine needed), in both languages.

use super::support::dockerlings;

#[test]
fn lab_list_in_english_and_korean() {
    let state = tempfile::tempdir().unwrap();
    for lang in ["en", "ko"] {
        let output = dockerlings(state.path())
            .args(["--lang", lang, "lab", "list"])
            .output()
            .unwrap();
        assert!(output.status.success());
        let stdout = String::from_utf8(output.stdout).unwrap();
        insta::assert_snapshot!(format!("lab_list_{lang}"), stdout);
    }
}

#[test]
fn lab_status_before_any_lab_and_verify_of_a_stranger_file() {
    let state = tempfile::tempdir().unwrap();
    let output = dockerlings(state.path())
        .args(["--lang", "en", "lab", "status"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "No lab started yet: `dockerlings lab list`, then `dockerlings lab start <id>`.\n"
    );
    let stranger = state.path().join("notes.txt");
    std::fs::write(&stranger, "hello").unwrap();
    let output = dockerlings(state.path())
        .args(["--lang", "en", "lab", "verify"])
        .arg(&stranger)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("is not a dockerlings lab report"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
