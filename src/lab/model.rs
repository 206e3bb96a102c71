//! What a lab is made of, beyond a lesson: its points, its pass mark, its hash, and the
//! rules `dev check` holds it to.

use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::i18n::Lang;
use crate::lesson::catalog::{self, LessonFile};
use crate::lesson::model::LabMeta;
use crate::lesson::Lesson;

/// Set to a directory (`<dir>/<lang>/*.md`) to use labs from there instead of the built-in
/// ones: for instructors writing their own, and for tests.
pub const LABS_VAR: &str = "DOCKERLINGS_LABS";

/// The lab files: the built-in ones, or those under `DOCKERLINGS_LABS`.
pub fn files() -> anyhow::Result<Vec<LessonFile>> {
    match std::env::var_os(LABS_VAR).filter(|v| !v.is_empty()) {
        Some(dir) => catalog::from_dir(Path::new(&dir))
            .with_context(|| format!("read labs from {}", dir.to_string_lossy())),
        None => Ok(catalog::embedded_labs()),
    }
}

/// The labs in `lang`, in order.
pub fn labs(lang: Lang) -> anyhow::Result<Vec<Lesson>> {
    let labs = catalog::lessons(&files()?, lang.code()).context("a lab is broken")?;
    for lab in &labs {
        if lab.meta.lab.is_none() {
            anyhow::bail!(
                "{}: a lab needs a `[lab]` table in its front matter",
                lab.source.display()
            );
        }
    }
    Ok(labs)
}

/// Finds a lab by id, number (`2`, `02`) or id prefix.
pub fn find<'a>(labs: &'a [Lesson], wanted: &str) -> Option<&'a Lesson> {
    crate::repl::find_lesson(labs, wanted).map(|i| &labs[i])
}

/// The `[lab]` table (every lab has one; `labs` refuses files without).
pub fn meta(lab: &Lesson) -> LabMeta {
    lab.meta.lab.clone().unwrap_or(LabMeta {
        practice: String::new(),
        time_limit_minutes: None,
        pass_points: None,
        hint_cost: 1,
    })
}

/// The points all checks of task `task` are worth.
pub fn task_points(lab: &Lesson, task: usize) -> u32 {
    lab.steps[task].checks.iter().map(|c| c.spec.points).sum()
}

/// The points of the whole lab.
pub fn total_points(lab: &Lesson) -> u32 {
    (0..lab.steps.len()).map(|t| task_points(lab, t)).sum()
}

/// Points needed to pass: `pass_points`, or 70% of the total rounded up.
pub fn pass_points(lab: &Lesson) -> u32 {
    meta(lab)
        .pass_points
        .unwrap_or_else(|| (total_points(lab) * 7).div_ceil(10))
}

/// The lab's identity for reports: SHA-256 over both language files of lab `id`, so a
/// report names exactly the lab text it was graded against.
pub fn lab_hash(files: &[LessonFile], id: &str) -> Option<String> {
    let mut mine: Vec<&LessonFile> = files
        .iter()
        .filter(|f| f.path.file_stem().and_then(|s| s.to_str()) == Some(id))
        .collect();
    if mine.is_empty() {
        return None;
    }
    mine.sort_by(|a, b| a.lang.cmp(&b.lang));
    let mut hasher = Sha256::new();
    for file in mine {
        hasher.update(file.lang.as_bytes());
        hasher.update([0]);
        hasher.update(file.text.as_bytes());
        hasher.update([0]);
    }
    Some(format!("sha256:{}", hex::encode(hasher.finalize())))
}

/// What `dev check` holds a lab to beyond the lesson rules: every task has checks, a hint
/// and a solution; the pass mark can be reached; a typical mistake is shown somewhere.
pub fn problems(lab: &Lesson) -> Vec<String> {
    let at = |line: usize| format!("{}:{line}", lab.source.display());
    let mut problems = Vec::new();
    for (n, task) in lab.steps.iter().enumerate() {
        let what = |missing: &str| format!("{}: task {} has no {missing}", at(task.line), n + 1);
        if task.checks.is_empty() {
            problems.push(what("`check` block"));
        }
        if task.hints.is_empty() {
            problems.push(what("`hint` block"));
        }
        if task.solution.is_empty() {
            problems.push(what("`solution` block"));
        }
        if !task.checks.is_empty() && task_points(lab, n) == 0 {
            problems.push(format!(
                "{}: task {} is worth 0 points",
                at(task.line),
                n + 1
            ));
        }
    }
    let total = total_points(lab);
    if pass_points(lab) > total {
        problems.push(format!(
            "{}: pass_points {} is more than the lab's {total} points",
            at(2),
            pass_points(lab)
        ));
    }
    if lab.steps.iter().all(|t| t.mistakes.is_empty()) {
        problems.push(format!(
            "{}: a lab needs at least one `mistake` block (a typical wrong attempt)",
            at(1)
        ));
    }
    problems
}
