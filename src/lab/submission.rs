//! `lab submit` and `lab verify`: the report a learner hands in, and the instructor's
//! re-check of it. The report holds the grade, the evidence each check observed and the
//! whole hash-chained journal; `verify` recomputes the chain, the lab's hash and the score
//! from the journal, and flags what does not add up.
//!
//! What this proves, honestly: that the report was not edited after `lab submit` without
//! recomputing the chain, and that its score follows from its journal and from this lab
//! text. It cannot prove the journal itself is genuine: the learner controls the machine, the
//! program and its files, and someone determined can produce a consistent journal for work
//! never done. Treat it like a lab notebook, not like a proctored exam.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::grade::{score, Grade, Status};
use super::record::{chain_break, LabRecord, What};
use crate::check::{CheckKind, Outcome, TypedCommand};
use crate::lesson::catalog::LessonFile;
use crate::lesson::Lesson;

/// Who handed the report in (as the machine names them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learner {
    pub user: String,
    pub host: String,
}

/// The file `lab submit` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub format: u32,
    pub tool: String,
    pub tool_version: String,
    pub learner: Learner,
    pub submitted_at: DateTime<Utc>,
    pub grade: Grade,
    pub record: LabRecord,
    /// The journal's last hash.
    pub head: String,
}

impl Submission {
    pub fn new(grade: Grade, record: LabRecord) -> Self {
        let user = std::env::var("SUDO_USER")
            .or_else(|_| std::env::var("USER"))
            .unwrap_or_else(|_| "unknown".to_string());
        let host = nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_else(|| "unknown".to_string());
        Self {
            format: 1,
            tool: "dockerlings".to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            learner: Learner { user, host },
            submitted_at: Utc::now(),
            head: record.head(),
            grade,
            record,
        }
    }
}

/// What `verify` concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub lab: String,
    pub learner: String,
    /// The score the journal supports (None when the lab text is unknown here).
    pub score: Option<u32>,
    pub max: Option<u32>,
    pub passed: Option<bool>,
    /// Inconsistencies: the report cannot be trusted as it is.
    pub problems: Vec<String>,
    /// Worth a look, but consistent.
    pub notes: Vec<String>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Re-checks `report` against the labs this dockerlings knows (`labs` in the report's
/// language, `files` for the hashes).
pub fn verify(report: &Submission, labs: &[Lesson], files: &[LessonFile]) -> Verification {
    let record = &report.record;
    let mut v = Verification {
        lab: record.lab.clone(),
        learner: format!("{}@{}", report.learner.user, report.learner.host),
        score: None,
        max: None,
        passed: None,
        problems: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(i) = chain_break(&record.events) {
        v.problems.push(format!(
            "journal entry {i} was changed, removed or reordered: the hash chain breaks there"
        ));
    }
    if record.head() != report.head {
        v.problems
            .push("the report's head hash is not its journal's last hash".to_string());
    }
    match record.events.first().map(|e| &e.what) {
        Some(What::Start { lab, lab_hash, .. })
            if *lab == record.lab && *lab_hash == record.lab_hash => {}
        _ => v
            .problems
            .push("the journal does not begin with the start of this lab".to_string()),
    }
    if report.grade.lab != record.lab || report.grade.lab_hash != record.lab_hash {
        v.problems
            .push("the grade names another lab than the journal".to_string());
    }
    if record
        .events
        .first()
        .is_some_and(|e| e.at != record.started_at)
    {
        v.problems
            .push("the start time differs from the journal's first entry".to_string());
    }
    let mut last = None;
    for e in &record.events {
        if last.is_some_and(|l| e.at < l) {
            v.problems.push(format!(
                "journal entry {} is dated before the entry preceding it",
                e.seq
            ));
        }
        last = Some(e.at);
    }
    if last.is_some_and(|l| report.submitted_at < l) {
        v.problems
            .push("the report was submitted before its last journal entry".to_string());
    }
    if report.tool_version != env!("CARGO_PKG_VERSION") {
        v.notes.push(format!(
            "made by dockerlings {}; this is {}",
            report.tool_version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    let Some(lab) = labs.iter().find(|l| l.meta.id == record.lab) else {
        v.problems.push(format!(
            "this dockerlings has no lab `{}`: the score cannot be recomputed",
            record.lab
        ));
        return v;
    };
    match super::model::lab_hash(files, &record.lab) {
        Some(h) if h == record.lab_hash => {}
        Some(h) => v.problems.push(format!(
            "graded against another text of lab `{}` ({}; this version has {h})",
            record.lab, record.lab_hash
        )),
        None => {}
    }
    check_passes(lab, record, &mut v);
    // The score must follow from the journal alone.
    let live: BTreeMap<String, Outcome> = BTreeMap::new();
    let again = score(lab, record, &live, report.grade.graded_at);
    for (mine, theirs) in again
        .tasks
        .iter()
        .flat_map(|t| &t.checks)
        .zip(report.grade.tasks.iter().flat_map(|t| &t.checks))
    {
        let counted = |s: Status| matches!(s, Status::Passed);
        if mine.id != theirs.id
            || mine.points != theirs.points
            || counted(mine.status) != counted(theirs.status)
        {
            v.problems.push(format!(
                "check `{}`: the report gives {} point(s), the journal supports {}",
                theirs.id, theirs.points, mine.points
            ));
        }
    }
    for (mine, theirs) in again.tasks.iter().zip(&report.grade.tasks) {
        if mine.hint_penalty != theirs.hint_penalty {
            v.problems.push(format!(
                "task {}: the report takes {} point(s) for hints, the journal {}",
                mine.n, theirs.hint_penalty, mine.hint_penalty
            ));
        }
    }
    if again.score != report.grade.score || again.passed != report.grade.passed {
        v.problems.push(format!(
            "the report's score is {}/{} ({}), the journal supports {}/{} ({})",
            report.grade.score,
            report.grade.max,
            pass_word(report.grade.passed),
            again.score,
            again.max,
            pass_word(again.passed)
        ));
    }
    v.score = Some(again.score);
    v.max = Some(again.max);
    v.passed = Some(again.passed);
    v
}

fn pass_word(passed: bool) -> &'static str {
    if passed {
        "passed"
    } else {
        "not passed"
    }
}

/// Every pass names a check of the lab, and `command` checks pass on the commands the
/// journal holds before them.
fn check_passes(lab: &Lesson, record: &LabRecord, v: &mut Verification) {
    let mut typed: Vec<TypedCommand> = Vec::new();
    let mut blind = 0;
    for e in &record.events {
        match &e.what {
            What::Command { line } => typed.push(TypedCommand {
                at: e.at,
                line: line.clone(),
            }),
            What::Pass { task, check, .. } => {
                let spec = lab
                    .steps
                    .get(*task)
                    .and_then(|t| t.checks.iter().find(|c| c.id() == check));
                let Some(spec) = spec else {
                    v.problems.push(format!(
                        "journal entry {}: lab `{}` has no check `{check}` in task {}",
                        e.seq,
                        lab.meta.id,
                        task + 1
                    ));
                    continue;
                };
                if typed.is_empty() {
                    blind += 1;
                }
                if let CheckKind::Command { .. } = spec.spec.kind {
                    if !command_passes(&spec.spec, &typed) {
                        v.problems.push(format!(
                            "journal entry {}: check `{check}` passed, but no command before it matches",
                            e.seq
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    if blind > 0 {
        v.notes.push(format!(
            "{blind} check(s) passed before any command was typed in the lab (work done outside its REPL?)"
        ));
    }
}

/// Evaluates a `command` check on `typed` alone (it needs no engine).
fn command_passes(spec: &crate::check::CheckSpec, typed: &[TypedCommand]) -> bool {
    let CheckKind::Command { pattern, min_count } = &spec.kind else {
        return false;
    };
    crate::check::eval::typed_matches(pattern, typed).is_some_and(|n| n >= min_count.unwrap_or(1))
}
