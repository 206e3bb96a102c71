//! The lab machinery without an engine: scoring a journal, the report formats, and
//! `verify` catching edited reports. (Grading against the real runtime is in
//! tests/docker_run/labs.rs.)

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Duration, Utc};

use super::grade::{score, Status};
use super::record::{LabRecord, What};
use super::report::{self, Format};
use super::submission::{verify, Submission};
use crate::i18n::Lang;
use crate::lesson::catalog::LessonFile;
use crate::lesson::Lesson;

const EN: &str = include_str!("../../tests/fixtures/labs/en/01-fixture.md");
const KO: &str = include_str!("../../tests/fixtures/labs/ko/01-fixture.md");

fn files() -> Vec<LessonFile> {
    vec![
        LessonFile {
            lang: "en".into(),
            path: "labs/en/01-fixture.md".into(),
            text: EN.into(),
        },
        LessonFile {
            lang: "ko".into(),
            path: "labs/ko/01-fixture.md".into(),
            text: KO.into(),
        },
    ]
}

fn lab() -> Lesson {
    crate::lesson::parse::parse(Path::new("labs/en/01-fixture.md"), EN).unwrap()
}

fn hash() -> String {
    super::lab_hash(&files(), "01-fixture").unwrap()
}

/// A learner who ran the container detached, revealed one hint, and went on to task 2.
fn record() -> LabRecord {
    let mut r = LabRecord::start("01-fixture", &hash(), "en");
    r.log(What::Hint { task: 0, n: 1 });
    r.log(What::Command {
        line: "docker run -d --name fx busybox sleep 600".into(),
    });
    r.log(What::Pass {
        task: 0,
        check: "fx-running".into(),
        observed: "fx is running".into(),
    });
    r.log(What::Pass {
        task: 0,
        check: "fx-detached".into(),
        observed: "typed 1 time(s)".into(),
    });
    r.reached = 1;
    r
}

#[test]
fn the_fixture_is_a_valid_lab() {
    let lab = lab();
    assert!(super::model::problems(&lab).is_empty());
    assert_eq!(super::model::total_points(&lab), 6);
    assert_eq!(super::model::pass_points(&lab), 4);
    assert!(
        crate::lesson::catalog::validate(&files(), crate::lesson::catalog::Kind::Lab).is_empty()
    );
    assert!(hash().starts_with("sha256:"));
}

#[test]
fn a_lab_without_a_mistake_or_with_impossible_pass_mark_is_refused() {
    let text = EN
        .replace("pass_points = 4", "pass_points = 7")
        .replace("```mistake\ncommands = [\"docker run --name fx busybox true\"]\nfails = [\"fx-running\", \"fx-detached\"]\n```\n", "");
    let lab = crate::lesson::parse::parse(Path::new("labs/en/01-fixture.md"), &text).unwrap();
    let problems = super::model::problems(&lab).join("\n");
    assert!(
        problems.contains("pass_points 7 is more than the lab's 6 points"),
        "{problems}"
    );
    assert!(
        problems.contains("at least one `mistake` block"),
        "{problems}"
    );
}

#[test]
fn a_mistake_naming_an_unknown_check_is_an_error_with_its_line() {
    let text = EN.replace("fails = [\"fx-running\",", "fails = [\"fx-runing\",");
    let err = crate::lesson::parse::parse(Path::new("labs/en/01-fixture.md"), &text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "labs/en/01-fixture.md:45: mistake: `fx-runing` is not a check of this step"
    );
}

#[test]
fn score_counts_passes_hints_and_unreached_tasks() {
    let lab = lab();
    let mut r = record();
    r.reached = 0;
    let g = score(&lab, &r, &BTreeMap::new(), Utc::now());
    assert_eq!(g.tasks[0].points, 2, "3 earned, 1 hint");
    assert_eq!(g.tasks[0].hint_penalty, 1);
    assert_eq!(g.tasks[1].checks[0].status, Status::NotReached);
    assert_eq!((g.score, g.max, g.passed), (2, 6, false));
    assert_eq!(g.commands, 1);

    r.reached = 1;
    r.log(What::Pass {
        task: 1,
        check: "fx-exited".into(),
        observed: "exited (137)".into(),
    });
    let g = score(&lab, &r, &BTreeMap::new(), Utc::now());
    assert_eq!((g.score, g.passed), (5, true));
}

#[test]
fn passes_after_the_time_limit_earn_nothing() {
    let lab = lab();
    let mut r = record();
    r.started_at -= Duration::minutes(31);
    let g = score(&lab, &r, &BTreeMap::new(), Utc::now());
    assert!(g.tasks[0].checks.iter().all(|c| c.status == Status::Late));
    assert_eq!(g.score, 0);
}

#[test]
fn hints_never_take_more_than_a_task_earned() {
    let lab = lab();
    let mut r = LabRecord::start("01-fixture", &hash(), "en");
    for n in 1..=3 {
        r.log(What::Hint { task: 1, n });
    }
    let g = score(&lab, &r, &BTreeMap::new(), Utc::now());
    assert_eq!(g.tasks[1].hint_penalty, 0);
    assert_eq!(g.tasks[1].hints, 3);
    assert_eq!(g.score, 0);
}

#[test]
fn text_and_markdown_reports_show_evidence_in_the_learners_language() {
    let lab = lab();
    let mut live = BTreeMap::new();
    live.insert(
        "fx-exited".to_string(),
        crate::check::Outcome::Fail {
            expected: "fx exited".into(),
            observed: "fx is running".into(),
        },
    );
    let g = score(&lab, &record(), &live, Utc::now());
    let text = report::render(&g, Format::Text, Lang::En, false);
    assert!(
        text.contains("Lab 01-fixture: A fixture lab (practice 0.1)"),
        "{text}"
    );
    assert!(text.contains("✔ fx runs  2/2"), "{text}");
    assert!(text.contains("✘ fx has stopped  0/3"), "{text}");
    assert!(text.contains("expected: fx exited"), "{text}");
    assert!(text.contains("1 hint(s) revealed: -1 point(s)"), "{text}");
    assert!(
        text.contains("Score: 2/6 (pass mark 4)  NOT PASSED"),
        "{text}"
    );
    let ko = report::render(&g, Format::Text, Lang::Ko, false);
    assert!(ko.contains("점수: 2/6 (통과 기준 4)  통과 못 함"), "{ko}");
    let md = report::render(&g, Format::Markdown, Lang::En, false);
    assert!(md.contains("| ✘ | `fx-exited` fx has stopped | 0/3 | expected: fx exited; observed: fx is running |"), "{md}");
    let json: serde_json::Value =
        serde_json::from_str(&report::render(&g, Format::Json, Lang::En, false)).unwrap();
    assert_eq!(json["score"], 2);
    assert_eq!(json["tasks"][1]["checks"][0]["status"], "failed");
}

/// The JUnit shape CI tools read (Jenkins' and GitHub's reporters): `testsuites` >
/// `testsuite` (name, tests, failures, errors, skipped, time) > `testcase` (classname, name,
/// time) with an optional `failure` (message) or `skipped`; counts that add up.
#[test]
fn junit_xml_has_the_shape_ci_tools_read() {
    use quick_xml::events::Event;
    let lab = lab();
    let mut r = record();
    r.reached = 0;
    let g = score(&lab, &r, &BTreeMap::new(), Utc::now());
    let xml = report::render(&g, Format::Junit, Lang::En, false);
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut stack: Vec<String> = Vec::new();
    let (mut suites, mut cases, mut failures, mut skipped) = (0, 0, 0, 0);
    let mut root_tests = None;
    let mut suite_tests = 0;
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> Option<String> {
        e.attributes()
            .map(|a| a.unwrap())
            .find(|a| a.key.as_ref() == name.as_bytes())
            .map(|a| a.unescape_value().unwrap().into_owned())
    };
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let e = start.unwrap();
        let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
        let parent = stack.last().cloned().unwrap_or_default();
        match name.as_str() {
            "testsuites" => {
                assert!(parent.is_empty());
                root_tests = attr(&e, "tests").map(|t| t.parse::<usize>().unwrap());
                assert!(attr(&e, "failures").is_some());
            }
            "testsuite" => {
                assert_eq!(parent, "testsuites");
                suites += 1;
                for a in [
                    "name",
                    "tests",
                    "failures",
                    "errors",
                    "skipped",
                    "time",
                    "timestamp",
                ] {
                    assert!(attr(&e, a).is_some(), "testsuite lacks {a}");
                }
                suite_tests += attr(&e, "tests").unwrap().parse::<usize>().unwrap();
            }
            "testcase" => {
                assert_eq!(parent, "testsuite");
                cases += 1;
                for a in ["classname", "name", "time"] {
                    assert!(attr(&e, a).is_some(), "testcase lacks {a}");
                }
            }
            "failure" => {
                assert_eq!(parent, "testcase");
                assert!(attr(&e, "message").is_some());
                failures += 1;
            }
            "skipped" => {
                assert_eq!(parent, "testcase");
                skipped += 1;
            }
            "properties" => assert!(parent == "testsuites" || parent == "testsuite"),
            "property" => {
                assert_eq!(parent, "properties");
                assert!(attr(&e, "name").is_some() && attr(&e, "value").is_some());
            }
            other => panic!("unexpected element {other}"),
        }
        if !empty {
            stack.push(name);
        }
    }
    assert_eq!(suites, 2);
    assert_eq!(cases, 3);
    assert_eq!(root_tests, Some(3));
    assert_eq!(suite_tests, 3);
    assert_eq!((failures, skipped), (0, 1), "task 2 not reached: skipped");
    assert!(xml.contains("<property name=\"score\" value=\"2\"/>"));
}

fn submission() -> Submission {
    let lab = lab();
    let r = record();
    let g = score(&lab, &r, &BTreeMap::new(), Utc::now());
    Submission::new(g, r)
}

#[test]
fn verify_accepts_an_untouched_report() {
    let v = verify(&submission(), &[lab()], &files());
    assert!(v.ok(), "{:?}", v.problems);
    assert_eq!((v.score, v.max, v.passed), (Some(2), Some(6), Some(false)));
}

#[test]
fn verify_detects_an_edited_report() {
    // A raised score.
    let mut s = submission();
    s.grade.score = 6;
    s.grade.passed = true;
    let v = verify(&s, &[lab()], &files());
    assert!(
        v.problems.iter().any(|p| p
            .contains("the report's score is 6/6 (passed), the journal supports 2/6 (not passed)")),
        "{:?}",
        v.problems
    );

    // A pass added to the journal without redoing the chain.
    let mut s = submission();
    let mut forged = s.record.events[3].clone();
    forged.seq = s.record.events.len() as u64;
    forged.what = What::Pass {
        task: 1,
        check: "fx-exited".into(),
        observed: "exited (0)".into(),
    };
    s.record.events.push(forged);
    let v = verify(&s, &[lab()], &files());
    assert!(
        v.problems
            .iter()
            .any(|p| p.contains("journal entry 5 was changed")),
        "{:?}",
        v.problems
    );

    // A hint removed from the journal.
    let mut s = submission();
    s.record.events.remove(1);
    let v = verify(&s, &[lab()], &files());
    assert!(
        v.problems.iter().any(|p| p.contains("hash chain breaks")),
        "{:?}",
        v.problems
    );

    // Graded against another text of the lab.
    let mut other = files();
    other[0].text.push_str("\nmore\n");
    let v = verify(&submission(), &[lab()], &other);
    assert!(
        v.problems
            .iter()
            .any(|p| p.contains("graded against another text")),
        "{:?}",
        v.problems
    );
}

#[test]
fn verify_flags_a_command_check_no_command_supports_even_with_a_valid_chain() {
    let lab = lab();
    let mut r = LabRecord::start("01-fixture", &hash(), "en");
    r.log(What::Command {
        line: "docker run --name fx busybox sleep 600".into(),
    });
    r.log(What::Pass {
        task: 0,
        check: "fx-detached".into(),
        observed: "typed 1 time(s)".into(),
    });
    let g = score(&lab, &r, &BTreeMap::new(), Utc::now());
    let v = verify(&Submission::new(g, r), &[lab], &files());
    assert!(
        v.problems
            .iter()
            .any(|p| p.contains("check `fx-detached` passed, but no command before it matches")),
        "{:?}",
        v.problems
    );
}
