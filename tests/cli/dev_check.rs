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

const FIXTURE_EN: &str = include_str!("../fixtures/labs/en/01-fixture.md");
const FIXTURE_KO: &str = include_str!("../fixtures/labs/ko/01-fixture.md");
const MISTAKE: &str =
    "```mistake\ncommands = [\"docker run --name fx busybox true\"]\nfails = [\"fx-running\", \"fx-detached\"]\n```\n";

/// Writes lab `id` in both languages, made from the fixture lab by `edit` (given the text and
/// whether it is the English one); `None` leaves that language out.
fn write_lab(dir: &std::path::Path, id: &str, edit: impl Fn(String, bool) -> Option<String>) {
    for (lang, text, en) in [("en", FIXTURE_EN, true), ("ko", FIXTURE_KO, false)] {
        let text = text.replace("id = \"01-fixture\"", &format!("id = \"{id}\""));
        if let Some(text) = edit(text, en) {
            let folder = dir.join(lang);
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join(format!("{id}.md")), text).unwrap();
        }
    }
}

/// Every kind of defect an author can make is caught, with the file (and line) and what
/// is wrong, in one run over a folder of broken labs and lessons.
#[test]
fn dev_check_names_every_kind_of_defect() {
    let state = tempfile::tempdir().unwrap();
    let labs = state.path().join("labs");
    let lessons = state.path().join("lessons");
    write_lab(&labs, "01-good", |t, _| Some(t));
    write_lab(&labs, "02-bad-toml", |t, _| {
        Some(t.replace("points = 2\n", "points = = 2\n"))
    });
    write_lab(&labs, "03-unknown-kind", |t, _| {
        Some(t.replace("kind = \"command\"", "kind = \"comand\""))
    });
    write_lab(&labs, "04-no-mistake", |t, _| Some(t.replace(MISTAKE, "")));
    write_lab(&labs, "05-mistake-unknown", |t, _| {
        Some(t.replace("fails = [\"fx-running\",", "fails = [\"fx-runing\","))
    });
    write_lab(&labs, "06-twins-differ", |t, en| {
        Some(if en {
            t.replace("points = 3", "points = 4")
        } else {
            t
        })
    });
    write_lab(&labs, "07-no-twin", |t, en| en.then_some(t));
    write_lab(&labs, "08-no-lab-table", |t, _| {
        Some(t.replace(
            "[lab]\npractice = \"0.1\"\ntime_limit_minutes = 30\npass_points = 4\nhint_cost = 1\n",
            "",
        ))
    });
    write_lab(&labs, "09-wrong-id", |t, _| {
        Some(t.replace("id = \"09-wrong-id\"", "id = \"09-other\""))
    });
    write_lab(&labs, "10-pass-too-high", |t, _| {
        Some(t.replace("pass_points = 4", "pass_points = 9"))
    });
    write_lab(&labs, "11-no-hint", |t, _| {
        Some(t.replace("```hint\n`docker stop fx`\n```\n", ""))
    });
    // A lesson is not a lab.
    write_lab(&lessons, "01-lesson-with-lab-table", |t, _| {
        Some(t.replace(MISTAKE, ""))
    });

    let output = dockerlings(state.path())
        .args(["dev", "check", "--dir"])
        .arg(&lessons)
        .arg("--labs-dir")
        .arg(&labs)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let expected = [
        "en/02-bad-toml.md:34: check: extra `=`",
        "en/03-unknown-kind.md:28: check: check fx-detached: unknown variant `comand`",
        "en/04-no-mistake.md:1: a lab needs at least one `mistake` block (a typical wrong attempt)",
        "en/05-mistake-unknown.md:45: mistake: `fx-runing` is not a check of this step",
        "en/06-twins-differ.md:58: step 2's checks differ from ",
        "labs/ko/07-no-twin.md: missing (labs/en/07-no-twin.md exists)",
        "en/08-no-lab-table.md:1: a lab needs a `[lab]` table in its front matter",
        "en/09-wrong-id.md:2: id `09-other` must be the file name `09-wrong-id`",
        "en/10-pass-too-high.md:2: pass_points 9 is more than the lab's 6 points",
        "en/11-no-hint.md:58: task 2 has no `hint` block",
        "en/01-lesson-with-lab-table.md:1: a lesson has no `[lab]` table (labs live in labs/)",
    ];
    for needle in expected {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    assert!(
        !stdout.contains("01-good"),
        "the good lab has no problem:\n{stdout}"
    );
}
