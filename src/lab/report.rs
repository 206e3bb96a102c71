//! A [`Grade`] as the reader wants it: terminal text (in the learner's language), JSON
//! (the `Grade` itself), JUnit XML (one test case per check, for CI tools and autograders)
//! and markdown (for a pull request or an LMS comment).

use std::fmt::Write;

use colored::Colorize;
use quick_xml::escape::escape;

use super::grade::{Grade, Status};
use crate::i18n::{tr, Lang};

/// The output formats of `lab grade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Junit,
    Markdown,
}

/// Renders `grade` in `format`.
pub fn render(grade: &Grade, format: Format, lang: Lang, color: bool) -> String {
    match format {
        Format::Text => text(grade, lang, color),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(grade).expect("grades always serialize");
            s.push('\n');
            s
        }
        Format::Junit => junit(grade),
        Format::Markdown => markdown(grade, lang),
    }
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Passed => "✔",
        Status::Late => "⌛",
        Status::NotReached => "·",
        Status::Failed | Status::Skipped => "✘",
    }
}

/// "Score: 9/14 (pass mark 10)".
fn score_line(grade: &Grade, lang: Lang) -> String {
    tr(
        lang,
        "lab.score_line",
        &[
            ("score", &grade.score.to_string()),
            ("max", &grade.max.to_string()),
            ("pass", &grade.pass_points.to_string()),
        ],
    )
}

fn verdict(grade: &Grade, lang: Lang) -> String {
    let key = if grade.passed {
        "lab.passed"
    } else {
        "lab.not_passed"
    };
    tr(lang, key, &[])
}

/// The terminal report.
pub fn text(grade: &Grade, lang: Lang, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        tr(
            lang,
            "lab.grade_title",
            &[
                ("id", &grade.lab),
                ("title", &grade.title),
                ("practice", &grade.practice)
            ]
        )
    );
    for task in &grade.tasks {
        let _ = writeln!(
            out,
            "\n{}  {}/{}",
            tr(
                lang,
                "lab.task_line",
                &[("n", &task.n.to_string()), ("title", &task.title)]
            ),
            task.points,
            task.max
        );
        for c in &task.checks {
            let m = mark(c.status);
            let m = match (color, c.status) {
                (false, _) => m.normal(),
                (true, Status::Passed) => m.green().bold(),
                (true, Status::NotReached) => m.dimmed(),
                (true, _) => m.red().bold(),
            };
            let _ = writeln!(out, "  {m} {}  {}/{}", c.text, c.points, c.max);
            match c.status {
                Status::Passed => {}
                Status::Late => {
                    let _ = writeln!(out, "      {}", tr(lang, "lab.late", &[]));
                }
                Status::NotReached => {
                    let _ = writeln!(out, "      {}", tr(lang, "lab.not_reached", &[]));
                }
                Status::Failed | Status::Skipped => {
                    if let Some(expected) = &c.expected {
                        let _ = writeln!(
                            out,
                            "      {}",
                            tr(lang, "repl.expected", &[("what", expected)])
                        );
                    }
                    let _ = writeln!(
                        out,
                        "      {}",
                        tr(lang, "repl.observed", &[("what", &c.observed)])
                    );
                }
            }
        }
        if task.hints > 0 {
            let _ = writeln!(
                out,
                "  {}",
                tr(
                    lang,
                    "lab.hint_penalty",
                    &[
                        ("hints", &task.hints.to_string()),
                        ("points", &task.hint_penalty.to_string())
                    ]
                )
            );
        }
    }
    let verdict = verdict(grade, lang);
    let verdict = match (color, grade.passed) {
        (false, _) => verdict.normal(),
        (true, true) => verdict.green().bold(),
        (true, false) => verdict.red().bold(),
    };
    let _ = writeln!(out, "\n{}  {verdict}", score_line(grade, lang));
    out
}

/// JUnit XML as CI tools read it: one `<testsuite>` per task, one `<testcase>` per check
/// (`<failure>` with expected/observed, `<skipped>` for checks not reached or not
/// evaluable), the points in `<properties>`.
pub fn junit(grade: &Grade) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let (passed, all) = grade.counts();
    let failures = |checks: &[super::grade::CheckGrade]| {
        checks
            .iter()
            .filter(|c| matches!(c.status, Status::Failed | Status::Late))
            .count()
    };
    let skipped = |checks: &[super::grade::CheckGrade]| {
        checks
            .iter()
            .filter(|c| matches!(c.status, Status::Skipped | Status::NotReached))
            .count()
    };
    let all_checks: Vec<_> = grade.tasks.iter().flat_map(|t| t.checks.clone()).collect();
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{all}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"0\">",
        escape(format!("dockerlings lab {}", grade.lab)),
        failures(&all_checks),
        skipped(&all_checks),
    );
    let _ = writeln!(out, "  <properties>");
    for (name, value) in [
        ("lab", grade.lab.clone()),
        ("lab_hash", grade.lab_hash.clone()),
        ("tool_version", grade.tool_version.clone()),
        ("score", grade.score.to_string()),
        ("max", grade.max.to_string()),
        ("pass_points", grade.pass_points.to_string()),
        ("passed", grade.passed.to_string()),
        ("checks_passed", passed.to_string()),
    ] {
        let _ = writeln!(
            out,
            "    <property name=\"{name}\" value=\"{}\"/>",
            escape(&value)
        );
    }
    let _ = writeln!(out, "  </properties>");
    for task in &grade.tasks {
        let suite = format!("{} / {}. {}", grade.lab, task.n, task.title);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"0\" timestamp=\"{}\">",
            escape(&suite),
            task.checks.len(),
            failures(&task.checks),
            skipped(&task.checks),
            grade.graded_at.format("%Y-%m-%dT%H:%M:%S"),
        );
        let _ = writeln!(out, "    <properties>");
        let _ = writeln!(
            out,
            "      <property name=\"points\" value=\"{}/{}\"/>",
            task.points, task.max
        );
        let _ = writeln!(
            out,
            "      <property name=\"hints\" value=\"{}\"/>",
            task.hints
        );
        let _ = writeln!(out, "    </properties>");
        for c in &task.checks {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                escape(format!("{}.task{}", grade.lab, task.n)),
                escape(format!("{} ({}/{}): {}", c.id, c.points, c.max, c.text)),
            );
            match c.status {
                Status::Passed => {
                    let _ = writeln!(out, "/>");
                }
                Status::Failed | Status::Late => {
                    let message = match (&c.expected, c.status) {
                        (_, Status::Late) => "passed after the time limit".to_string(),
                        (Some(e), _) => format!("expected {e}; observed {}", c.observed),
                        (None, _) => c.observed.clone(),
                    };
                    let _ = writeln!(out, ">");
                    let _ = writeln!(
                        out,
                        "      <failure message=\"{}\" type=\"check\">{}</failure>",
                        escape(&message),
                        escape(&message)
                    );
                    let _ = writeln!(out, "    </testcase>");
                }
                Status::Skipped | Status::NotReached => {
                    let _ = writeln!(out, ">");
                    let _ = writeln!(out, "      <skipped message=\"{}\"/>", escape(&c.observed));
                    let _ = writeln!(out, "    </testcase>");
                }
            }
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    let _ = writeln!(out, "</testsuites>");
    out
}

/// Markdown: a heading, the verdict, and one table per task.
pub fn markdown(grade: &Grade, lang: Lang) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}\n",
        cell(&tr(
            lang,
            "lab.grade_title",
            &[
                ("id", &grade.lab),
                ("title", &grade.title),
                ("practice", &grade.practice)
            ]
        ))
    );
    let _ = writeln!(
        out,
        "**{}** — {}\n",
        score_line(grade, lang),
        verdict(grade, lang)
    );
    for task in &grade.tasks {
        let _ = writeln!(
            out,
            "## {} ({}/{})\n",
            cell(&tr(
                lang,
                "lab.task_line",
                &[("n", &task.n.to_string()), ("title", &task.title)]
            )),
            task.points,
            task.max
        );
        let _ = writeln!(out, "| | check | points | evidence |");
        let _ = writeln!(out, "|---|---|---|---|");
        for c in &task.checks {
            let evidence = match &c.expected {
                Some(e) => format!(
                    "{}; {}",
                    tr(lang, "repl.expected", &[("what", e)]),
                    tr(lang, "repl.observed", &[("what", &c.observed)])
                ),
                None => c.observed.clone(),
            };
            let _ = writeln!(
                out,
                "| {} | `{}` {} | {}/{} | {} |",
                mark(c.status),
                c.id,
                cell(&c.text),
                c.points,
                c.max,
                cell(&evidence)
            );
        }
        if task.hints > 0 {
            let _ = writeln!(
                out,
                "\n{}",
                tr(
                    lang,
                    "lab.hint_penalty",
                    &[
                        ("hints", &task.hints.to_string()),
                        ("points", &task.hint_penalty.to_string())
                    ]
                )
            );
        }
        let _ = writeln!(out);
    }
    out
}
