//! Graded labs end to end on the real engine: `lab start` with a transcript on stdin, then
//! `lab grade` (every format), `lab submit` and `lab verify`. The fixture lab tests the
//! machinery; every shipped lab is solved (full points) and attempted with its typical
//! mistakes (exactly the named checks lose their points).

use std::path::Path;

use dockerlings::i18n::Lang;
use dockerlings::lesson::Lesson;

use super::Lab;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/labs");

fn grade_json(
    lab: &Lab,
    home: &Path,
    work: &Path,
    id: &str,
    env: &[(&str, &str)],
) -> (i32, serde_json::Value) {
    let out = lab.app(
        home,
        work,
        &["--lang", "en", "lab", "grade", id, "--format", "json"],
        env,
        "",
    );
    let code = out.status.code().unwrap_or(-1);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "grade of {id} is not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, json)
}

#[test]
fn fixture_lab_is_graded_submitted_and_verified() {
    let Some(lab) = Lab::new() else { return };
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let env = [("DOCKERLINGS_LABS", FIXTURE)];
    // Run through sudo by user 4242: the files it writes in their data directory are theirs.
    let sudo = [
        ("DOCKERLINGS_LABS", FIXTURE),
        ("SUDO_UID", "4242"),
        ("SUDO_GID", "4243"),
    ];
    let start = lab.app(
        home.path(),
        work.path(),
        &["--lang", "en", "lab", "start", "01"],
        &sudo,
        "solution\nhint\ndocker run -d --name fx busybox sleep 600\ndocker stop -t 1 fx\nquit\n",
    );
    let stdout = String::from_utf8_lossy(&start.stdout);
    assert!(
        start.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&start.stderr)
    );
    assert!(
        stdout.contains("Graded lab 01-fixture: 6 points, 4 to pass, 30 minutes."),
        "{stdout}"
    );
    assert!(
        stdout.contains("Solutions are locked in a graded lab."),
        "{stdout}"
    );
    assert!(stdout.contains("a new hint costs 1 point(s)"), "{stdout}");
    assert!(
        stdout.contains("✔ Task complete! On to the next one."),
        "{stdout}"
    );
    assert!(stdout.contains("✔ All tasks complete!"), "{stdout}");
    {
        use std::os::unix::fs::MetadataExt;
        for owned in ["labs/01-fixture.json", "labs", "bin/docker", "."] {
            let meta = std::fs::metadata(home.path().join(owned)).unwrap();
            assert_eq!((meta.uid(), meta.gid()), (4242, 4243), "{owned}");
        }
    }

    let (code, grade) = grade_json(&lab, home.path(), work.path(), "01", &env);
    assert_eq!(code, 0, "{grade}");
    assert_eq!(grade["score"], 5, "6 points, one hint: {grade}");
    assert_eq!(grade["passed"], true);
    assert_eq!(grade["commands"], 2);
    assert_eq!(grade["tasks"][1]["checks"][0]["status"], "passed");

    for (format, needle) in [
        ("text", "Score: 5/6 (pass mark 4)  PASSED"),
        ("markdown", "| ✔ | `fx-exited` fx has stopped | 3/3 |"),
        ("junit", "<testcase classname=\"01-fixture.task2\" name=\"fx-exited (3/3): fx has stopped\" time=\"0\"/>"),
    ] {
        let file = work.path().join(format!("grade.{format}"));
        let out = lab.app(
            home.path(),
            work.path(),
            &["--lang", "en", "lab", "grade", "01", "--format", format, "--out", file.to_str().unwrap()],
            &env,
            "",
        );
        assert!(out.status.success(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(needle), "{format}:\n{text}");
    }

    let report = work.path().join("report.json");
    let out = lab.app(
        home.path(),
        work.path(),
        &[
            "--lang",
            "en",
            "lab",
            "submit",
            "01",
            "--out",
            report.to_str().unwrap(),
        ],
        &env,
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verify = |path: &Path| {
        lab.app(
            home.path(),
            work.path(),
            &["lab", "verify", path.to_str().unwrap()],
            &env,
            "",
        )
    };
    let out = verify(&report);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("score: 5/6 (passed)"), "{text}");
    assert!(
        text.contains("OK: the hash chain, the lab text and the score agree"),
        "{text}"
    );

    // The learner edits the report: a higher score, then a typed command.
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    json["grade"]["score"] = 6.into();
    let edited = work.path().join("edited.json");
    std::fs::write(&edited, serde_json::to_vec(&json).unwrap()).unwrap();
    let out = verify(&edited);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "PROBLEM: the report's score is 6/6 (passed), the journal supports 5/6 (passed)"
        ),
        "{text}"
    );

    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let events = json["record"]["events"].as_array_mut().unwrap();
    let hint = events.iter().position(|e| e["event"] == "hint").unwrap();
    events.remove(hint);
    std::fs::write(&edited, serde_json::to_vec(&json).unwrap()).unwrap();
    let out = verify(&edited);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("the hash chain breaks there"), "{text}");

    // Not started: a clear error, not a grade.
    let other = tempfile::tempdir().unwrap();
    let out = lab.app(
        other.path(),
        work.path(),
        &["--lang", "en", "lab", "grade", "01"],
        &env,
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "lab 01-fixture was not started: run `dockerlings lab start 01-fixture` first"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn shipped(id: &str) -> Lesson {
    let labs = dockerlings::lab::labs(Lang::En).unwrap();
    dockerlings::lab::find(&labs, id)
        .unwrap_or_else(|| panic!("no lab {id}"))
        .clone()
}

/// The REPL lines that solve tasks `..upto` (answers are the solutions' `answer` lines).
fn solutions(lab: &Lesson, upto: usize) -> String {
    let mut lines = String::new();
    for task in &lab.steps[..upto] {
        for line in &task.solution {
            lines.push_str(line);
            lines.push('\n');
        }
    }
    lines
}

/// Solves lab `id` with its solutions (full points), then tries each of its mistakes from
/// the state its task starts in (the named checks, and only those, lose their points).
fn solve_and_mistake(id: &str) {
    let lab = shipped(id);
    // Leased before the engine, so released after its containers are gone.
    let _ports = super::PortLease::for_content(&lab);
    let Some(engine) = Lab::new() else { return };
    let work = tempfile::tempdir().unwrap();
    let max: u64 = lab
        .steps
        .iter()
        .flat_map(|t| &t.checks)
        .map(|c| u64::from(c.spec.points))
        .sum();

    let home = tempfile::tempdir().unwrap();
    let lines = format!("{}quit\n", solutions(&lab, lab.steps.len()));
    let out = engine.app(
        home.path(),
        work.path(),
        &["--lang", "en", "lab", "start", id],
        &[],
        &lines,
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, grade) = grade_json(&engine, home.path(), work.path(), id, &[]);
    assert_eq!(
        grade["score"].as_u64(),
        Some(max),
        "{id} solved:\n{grade:#}\n{stdout}"
    );
    assert_eq!(code, 0);

    for (k, task) in lab.steps.iter().enumerate() {
        for mistake in &task.mistakes {
            let home = tempfile::tempdir().unwrap();
            let mut lines = solutions(&lab, k);
            for line in &mistake.commands {
                lines.push_str(line);
                lines.push('\n');
            }
            lines.push_str("quit\n");
            let out = engine.app(
                home.path(),
                work.path(),
                &["--lang", "en", "lab", "start", id, "--restart"],
                &[],
                &lines,
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let (_, grade) = grade_json(&engine, home.path(), work.path(), id, &[]);
            let tasks = grade["tasks"].as_array().unwrap();
            for earlier in &tasks[..k] {
                assert_eq!(
                    earlier["points"], earlier["max"],
                    "{id}: task before the mistake: {earlier:#}"
                );
            }
            for check in tasks[k]["checks"].as_array().unwrap() {
                let named = mistake.fails.iter().any(|f| check["id"] == f.as_str());
                let points = check["points"].as_u64().unwrap();
                if named {
                    assert_eq!(
                        points,
                        0,
                        "{id} task {}: mistake {:?} keeps {check:#}",
                        k + 1,
                        mistake.commands
                    );
                } else {
                    assert_eq!(
                        Some(points),
                        check["max"].as_u64(),
                        "{id} task {}: mistake {:?} also loses {check:#}",
                        k + 1,
                        mistake.commands
                    );
                }
            }
        }
    }
}

macro_rules! lab_tests {
    ($($name:ident => $id:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                solve_and_mistake($id);
            }
        )*

        /// Every shipped lab has its test above.
        #[test]
        fn every_shipped_lab_is_tested() {
            let tested = [$($id),*];
            let labs = dockerlings::lab::labs(Lang::En).unwrap();
            let ids: Vec<&str> = labs.iter().map(|l| l.meta.id.as_str()).collect();
            assert_eq!(ids, tested);
        }
    };
}

lab_tests! {
    lab_01_week1_ubuntu => "01-week1-ubuntu",
    lab_02_week1_apache => "02-week1-apache",
    lab_03_week1_prune => "03-week1-prune",
    lab_04_week1_ping => "04-week1-ping",
    lab_05_docker1_nginx => "05-docker1-nginx",
    lab_06_k8s_web_server => "06-k8s-web-server",
    lab_07_k8s_lifecycle => "07-k8s-lifecycle",
    lab_08_k8s_inspect => "08-k8s-inspect",
    lab_09_k8s_save_load => "09-k8s-save-load",
}

/// `dev check --live` catches content that does not do what it says, on the real runtime:
/// a check that passes before its solution, a solution that does not pass its checks, and
/// mistakes that fail the wrong checks.
#[test]
fn dev_check_live_catches_checks_that_do_not_discriminate() {
    let Some(lab) = Lab::new() else { return };
    let dir = tempfile::tempdir().unwrap();
    let labs = dir.path().join("labs");
    let lessons = dir.path().join("lessons");
    std::fs::create_dir_all(&lessons).unwrap();
    let write = |id: &str, edit: &dyn Fn(String) -> String| {
        for lang in ["en", "ko"] {
            let text = std::fs::read_to_string(format!("{FIXTURE}/{lang}/01-fixture.md")).unwrap();
            let text = edit(text.replace("id = \"01-fixture\"", &format!("id = \"{id}\"")));
            std::fs::create_dir_all(labs.join(lang)).unwrap();
            std::fs::write(labs.join(lang).join(format!("{id}.md")), text).unwrap();
        }
    };
    write("91-passes-early", &|t| {
        t.replace(
            "name = \"fx\"\nstate = \"running\"",
            "name = \"fx\"\nstate = \"absent\"",
        )
    });
    write("92-fails-after", &|t| {
        t.replace("docker stop -t 1 fx\n```", "docker ps\n```")
    });
    write("93-mistake-passes", &|t| {
        t.replace(
            "commands = [\"docker run --name fx busybox true\"]",
            "commands = [\"docker run -d --name fx busybox sleep 600\"]",
        )
    });
    write("94-mistake-extra", &|t| {
        t.replace(
            "fails = [\"fx-running\", \"fx-detached\"]",
            "fails = [\"fx-detached\"]",
        )
    });
    let work = tempfile::tempdir().unwrap();
    let out = lab.app(
        dir.path(),
        work.path(),
        &[
            "dev",
            "check",
            "--live",
            "--lesson",
            "9",
            "--dir",
            lessons.to_str().unwrap(),
            "--labs-dir",
            labs.to_str().unwrap(),
        ],
        &[],
        "",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for needle in [
        "91-passes-early.md:28: step 1 check `fx-running` already passes before the solution",
        "92-fails-after.md:64: step 2 check `fx-exited` fails after the solution",
        "93-mistake-passes.md:45: step 1 check `fx-running` passes after the mistake, which should fail it",
        "94-mistake-extra.md:45: step 1 check `fx-running` fails after the mistake, which names only other checks",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    assert!(
        !stdout.contains("fx-detached` fails after the mistake"),
        "{stdout}"
    );
}
