//! Scoring a lab from its record. The score is a function of the journal alone (which
//! checks passed when, which hints were revealed), so `verify` can recompute it from a
//! report; grading first tops the journal up by evaluating, live, the checks of the tasks
//! the learner reached that have not passed yet.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::model;
use super::record::{LabRecord, What};
use crate::check::{evaluate, CheckContext, Outcome};
use crate::lesson::Lesson;

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    /// Could not be evaluated here (counts as not passed).
    Skipped,
    /// Passed, but after the time limit (no points).
    Late,
    /// Its task was never reached.
    NotReached,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckGrade {
    pub id: String,
    pub text: String,
    pub status: Status,
    pub points: u32,
    pub max: u32,
    /// When it passed.
    pub at: Option<DateTime<Utc>>,
    /// What was expected (failed checks).
    pub expected: Option<String>,
    /// The evidence: what the check observed.
    pub observed: String,
}

/// One task's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskGrade {
    /// 1-based.
    pub n: usize,
    pub title: String,
    pub hints: usize,
    /// Points taken for hints (never more than the checks earned).
    pub hint_penalty: u32,
    pub points: u32,
    pub max: u32,
    pub checks: Vec<CheckGrade>,
}

/// A lab's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    pub lab: String,
    pub title: String,
    pub practice: String,
    pub lang: String,
    pub lab_hash: String,
    pub tool_version: String,
    pub started_at: DateTime<Utc>,
    pub graded_at: DateTime<Utc>,
    pub time_limit_minutes: Option<u32>,
    /// Commands the learner typed.
    pub commands: usize,
    pub score: u32,
    pub max: u32,
    pub pass_points: u32,
    pub passed: bool,
    pub tasks: Vec<TaskGrade>,
}

impl Grade {
    /// Checks passed / all checks.
    pub fn counts(&self) -> (usize, usize) {
        let all = self.tasks.iter().flat_map(|t| &t.checks);
        let passed = all.clone().filter(|c| c.status == Status::Passed).count();
        (passed, all.count())
    }
}

/// The text a check shows: its own, or the expectation the engine phrases.
fn check_text(spec: &crate::check::CheckSpec, fallback: &str) -> String {
    spec.text.clone().unwrap_or_else(|| fallback.to_string())
}

/// Grades `lab` for `record`: evaluates the not-yet-passed checks of reached tasks against
/// the engine (a pass is journaled, as in the REPL), then scores the journal.
pub fn grade(lab: &Lesson, record: &mut LabRecord, cx: &CheckContext<'_>) -> Grade {
    let mut live: BTreeMap<String, Outcome> = BTreeMap::new();
    let passed = passes(record);
    for (t, task) in lab.steps.iter().enumerate().take(record.reached + 1) {
        for check in &task.checks {
            if passed.contains_key(check.id()) {
                continue;
            }
            let outcome = evaluate(&check.spec, cx);
            if let Outcome::Pass { observed } = &outcome {
                record.state.passed.insert(check.id().to_string());
                record.log(What::Pass {
                    task: t,
                    check: check.id().to_string(),
                    observed: observed.clone(),
                });
            }
            live.insert(check.id().to_string(), outcome);
        }
    }
    score(lab, record, &live, Utc::now())
}

/// The first pass of every check in the journal: (when, evidence).
fn passes(record: &LabRecord) -> BTreeMap<String, (DateTime<Utc>, String)> {
    let mut out = BTreeMap::new();
    for e in &record.events {
        if let What::Pass {
            check, observed, ..
        } = &e.what
        {
            out.entry(check.clone())
                .or_insert_with(|| (e.at, observed.clone()));
        }
    }
    out
}

/// Scores the journal of `record` (no probes): what `verify` recomputes. `live` holds what
/// grading observed for checks that did not pass (the evidence of a failure).
pub fn score(
    lab: &Lesson,
    record: &LabRecord,
    live: &BTreeMap<String, Outcome>,
    graded_at: DateTime<Utc>,
) -> Grade {
    let meta = model::meta(lab);
    let passes = passes(record);
    let deadline = meta
        .time_limit_minutes
        .map(|m| record.started_at + Duration::minutes(i64::from(m)));
    let mut hints: BTreeMap<usize, usize> = BTreeMap::new();
    for e in &record.events {
        if let What::Hint { task, .. } = e.what {
            *hints.entry(task).or_default() += 1;
        }
    }
    let commands = record
        .events
        .iter()
        .filter(|e| matches!(e.what, What::Command { .. }))
        .count();
    let mut tasks = Vec::new();
    for (t, task) in lab.steps.iter().enumerate() {
        let mut checks = Vec::new();
        for check in &task.checks {
            let max = check.spec.points;
            let graded = match passes.get(check.id()) {
                Some((at, observed)) => {
                    let late = deadline.is_some_and(|d| *at > d);
                    CheckGrade {
                        id: check.id().to_string(),
                        text: check_text(&check.spec, check.id()),
                        status: if late { Status::Late } else { Status::Passed },
                        points: if late { 0 } else { max },
                        max,
                        at: Some(*at),
                        expected: None,
                        observed: observed.clone(),
                    }
                }
                None if t > record.reached => CheckGrade {
                    id: check.id().to_string(),
                    text: check_text(&check.spec, check.id()),
                    status: Status::NotReached,
                    points: 0,
                    max,
                    at: None,
                    expected: None,
                    observed: "task not reached".to_string(),
                },
                None => {
                    let (status, expected, observed) = match live.get(check.id()) {
                        Some(Outcome::Fail { expected, observed }) => {
                            (Status::Failed, Some(expected.clone()), observed.clone())
                        }
                        Some(Outcome::Skipped { reason }) => {
                            (Status::Skipped, None, reason.clone())
                        }
                        _ => (Status::Failed, None, "not passed".to_string()),
                    };
                    CheckGrade {
                        id: check.id().to_string(),
                        text: check_text(&check.spec, expected.as_deref().unwrap_or(check.id())),
                        status,
                        points: 0,
                        max,
                        at: None,
                        expected,
                        observed,
                    }
                }
            };
            checks.push(graded);
        }
        let earned: u32 = checks.iter().map(|c| c.points).sum();
        let used = hints.get(&t).copied().unwrap_or(0);
        let hint_penalty = (used as u32 * meta.hint_cost).min(earned);
        tasks.push(TaskGrade {
            n: t + 1,
            title: task.title.clone(),
            hints: used,
            hint_penalty,
            points: earned - hint_penalty,
            max: checks.iter().map(|c| c.max).sum(),
            checks,
        });
    }
    let score = tasks.iter().map(|t| t.points).sum();
    let pass_points = model::pass_points(lab);
    Grade {
        lab: lab.meta.id.clone(),
        title: lab.meta.title.clone(),
        practice: meta.practice.clone(),
        lang: record.lang.clone(),
        lab_hash: record.lab_hash.clone(),
        tool_version: record.tool_version.clone(),
        started_at: record.started_at,
        graded_at,
        time_limit_minutes: meta.time_limit_minutes,
        commands,
        score,
        max: model::total_points(lab),
        pass_points,
        passed: score >= pass_points,
        tasks,
    }
}
