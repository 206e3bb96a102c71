//! Full learner transcripts of shipped lessons replayed through the lab's stdin on the real
//! engine: for every step, `reset` (its setup), the step's solution typed line by line, then
//! `check` and `next`. Every step with checks must report itself complete, in order.

use super::Lab;

fn transcript(lesson: &dockerlings::lesson::Lesson) -> String {
    let mut lines = String::new();
    for step in &lesson.steps {
        lines.push_str("reset\n");
        for command in &step.solution {
            lines.push_str(command);
            lines.push('\n');
        }
        lines.push_str("check\nnext\n");
    }
    lines.push_str("quit\n");
    lines
}

fn replay_lesson(id: &str) {
    let lessons = dockerlings::repl::shipped_lessons(dockerlings::i18n::Lang::En).unwrap();
    let lesson = lessons
        .iter()
        .find(|l| l.meta.id == id)
        .unwrap_or_else(|| panic!("no lesson {id}"));
    // Leased before the engine, so released after its containers are gone.
    let _ports = super::PortLease::for_content(lesson);
    let Some(lab) = Lab::new() else { return };
    let home = tempfile::tempdir().unwrap();
    let out = lab.replay_lab(
        home.path(),
        &["--lang", "en", "learn", id],
        None,
        &transcript(lesson),
    );
    let stdout = out.as_str();
    // Each step with checks completes, in order: its "complete" line comes after its heading.
    let mut at = 0;
    let total = lesson.steps.len();
    for (n, step) in lesson.steps.iter().enumerate() {
        let heading = format!("Step {}/{total} · {}", n + 1, step.title);
        let found = stdout[at..]
            .find(&heading)
            .unwrap_or_else(|| panic!("{heading:?} missing after byte {at}:\n{stdout}"));
        at += found + heading.len();
        if step.checks.is_empty() {
            continue;
        }
        let done = if n + 1 == total {
            "✔ Lesson complete!"
        } else {
            "✔ Step complete!"
        };
        let next_heading = stdout[at..].find(&format!("Step {}/{total} · ", n + 2));
        let section = &stdout[at..at + next_heading.unwrap_or(stdout.len() - at)];
        assert!(
            section.contains(done) || section.contains("✔ This step is done."),
            "step {} ({}) did not complete:\n{section}",
            n + 1,
            step.title
        );
    }
    let progress: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(home.path().join("progress.json")).unwrap())
            .unwrap();
    let with_checks = lesson.steps.iter().filter(|s| !s.checks.is_empty()).count();
    assert_eq!(
        progress["lessons"][id]["completed"]
            .as_array()
            .unwrap()
            .len(),
        with_checks
    );
    let ids = lab.ok(&["ps", "-aq", "--no-trunc"]);
    for id in ids.split_whitespace() {
        lab.ok(&["rm", "-f", "-v", id]);
    }
    lab.assert_nothing_left();
}

#[test]
fn lesson_01_docker_basics_replays_step_by_step() {
    replay_lesson("01-docker-basics");
}

#[test]
fn lesson_02_hello_containers_replays_step_by_step() {
    replay_lesson("02-hello-containers");
}

#[test]
fn lesson_00_welcome_replays_step_by_step() {
    replay_lesson("00-welcome");
}

#[test]
fn lesson_08_networks_replays_step_by_step() {
    replay_lesson("08-networks");
}
