//! `dockerlings lab …`: list, start, status, grade, submit, verify.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use dockerlings_runtime::{Engine, Paths};

use super::grade::Grade;
use super::model;
use super::record::LabRecord;
use super::report::{self, Format};
use super::submission::{verify, Submission, Verification};
use crate::check::CheckContext;
use crate::i18n::{tr, Lang};
use crate::lesson::Lesson;

#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// The labs: one per practice problem of the course
    List,
    /// Start a lab (or resume it): runs its setup and opens the REPL on it
    Start {
        /// Lab id or number
        lab: String,
        /// Throw the record away and start over
        #[arg(long)]
        restart: bool,
    },
    /// Where you are in each lab you started (points recorded so far)
    Status,
    /// Grade a lab now; exits 0 only when it is passed
    Grade {
        /// Lab id or number
        lab: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Write the report to this file instead of the terminal
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Grade a lab and write the report to hand in (default: ./<lab>.report.json)
    Submit {
        /// Lab id or number
        lab: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// For instructors: re-check a handed-in report (hash chain, lab text, score)
    Verify {
        /// The report file
        report: PathBuf,
        /// `text` or `json`
        #[arg(long, default_value = "text")]
        format: String,
    },
}

/// Whether a lab command needs the engine (and so root).
pub fn needs_root(command: &LabCommand) -> bool {
    matches!(
        command,
        LabCommand::Start { .. } | LabCommand::Grade { .. } | LabCommand::Submit { .. }
    )
}

/// Runs a lab command; returns the exit code.
pub fn run(command: LabCommand, lang: Lang) -> anyhow::Result<i32> {
    let data_dir = crate::home::data_dir();
    let mut out = std::io::stdout().lock();
    match command {
        LabCommand::List => {
            list(&model::labs(lang)?, lang, &mut out)?;
            Ok(0)
        }
        LabCommand::Status => {
            status(&model::labs(lang)?, &data_dir, lang, &mut out)?;
            Ok(0)
        }
        LabCommand::Start { lab, restart } => {
            drop(out);
            start(&lab, restart, lang, &data_dir)
        }
        LabCommand::Grade {
            lab,
            format,
            out: file,
        } => {
            let (grade, _) = grade_now(&lab, lang, &data_dir)?;
            let color = file.is_none() && format == Format::Text && crate::repl::use_color();
            let text = report::render(&grade, format, lang, color);
            match file {
                Some(path) => {
                    std::fs::write(&path, text)
                        .with_context(|| format!("write {}", path.display()))?;
                    crate::home::hand_back(&path);
                }
                None => out.write_all(text.as_bytes())?,
            }
            Ok(if grade.passed { 0 } else { 1 })
        }
        LabCommand::Submit { lab, out: file } => {
            let (grade, record) = grade_now(&lab, lang, &data_dir)?;
            let path = file.unwrap_or_else(|| PathBuf::from(format!("{}.report.json", grade.lab)));
            let submission = Submission::new(grade.clone(), record);
            let bytes = serde_json::to_vec_pretty(&submission).expect("reports serialize");
            std::fs::write(&path, bytes).with_context(|| format!("write {}", path.display()))?;
            crate::home::hand_back(&path);
            write!(
                out,
                "{}",
                report::text(&grade, lang, crate::repl::use_color())
            )?;
            writeln!(
                out,
                "\n{}",
                tr(
                    lang,
                    "lab.submitted",
                    &[
                        ("path", &path.display().to_string()),
                        ("head", &submission.head)
                    ]
                )
            )?;
            Ok(0)
        }
        LabCommand::Verify { report, format } => {
            let v = verify_file(&report)?;
            if format == "json" {
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                write!(out, "{}", verification_text(&v))?;
            }
            Ok(if v.ok() { 0 } else { 1 })
        }
    }
}

/// `lab list`: a table aligned by display width (Hangul headers count two columns a letter).
pub fn list(labs: &[Lesson], lang: Lang, out: &mut dyn Write) -> std::io::Result<()> {
    let mut table = crate::docker::table::TabWriter::new(4, 2);
    table.write(&tr(lang, "lab.list_header", &[]));
    table.write("\n");
    for lab in labs {
        let meta = model::meta(lab);
        let time = meta
            .time_limit_minutes
            .map_or_else(|| "-".to_string(), |m| format!("{m}m"));
        table.write(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            lab.meta.id,
            meta.practice,
            model::total_points(lab),
            model::pass_points(lab),
            time,
            lab.meta.title
        ));
    }
    out.write_all(table.finish().as_bytes())
}

/// `lab status`: the started labs, scored from their journals (no probes).
pub fn status(
    labs: &[Lesson],
    data_dir: &Path,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut any = false;
    for lab in labs {
        let Some(record) = LabRecord::load(data_dir, &lab.meta.id)? else {
            continue;
        };
        any = true;
        let grade = super::grade::score(lab, &record, &Default::default(), chrono::Utc::now());
        writeln!(
            out,
            "{}",
            tr(
                lang,
                "lab.status_line",
                &[
                    ("id", &lab.meta.id),
                    ("task", &(record.state.step + 1).to_string()),
                    ("tasks", &lab.steps.len().to_string()),
                    ("score", &grade.score.to_string()),
                    ("max", &grade.max.to_string()),
                    ("started", &local_minute(record.started_at)),
                ]
            )
        )?;
    }
    if !any {
        writeln!(out, "{}", tr(lang, "lab.none_started", &[]))?;
    }
    Ok(())
}

/// A time as the learner's clock shows it, to the minute.
fn local_minute(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn find_lab(labs: &[Lesson], wanted: &str, lang: Lang) -> anyhow::Result<Lesson> {
    model::find(labs, wanted)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!(tr(lang, "lab.no_such_lab", &[("lab", wanted)])))
}

/// `lab start`: a new record (or the existing one), the first task's setup, the REPL.
fn start(wanted: &str, restart: bool, lang: Lang, data_dir: &Path) -> anyhow::Result<i32> {
    let labs = model::labs(lang)?;
    let lab = find_lab(&labs, wanted, lang)?;
    let id = lab.meta.id.clone();
    let meta = model::meta(&lab);
    match LabRecord::load(data_dir, &id)? {
        Some(record) if !restart => {
            println!(
                "{}",
                tr(
                    lang,
                    "lab.resuming",
                    &[("started", &local_minute(record.started_at))]
                )
            );
        }
        _ => {
            let files = model::files()?;
            let hash = model::lab_hash(&files, &id).unwrap_or_default();
            let record = LabRecord::start(&id, &hash, lang.code());
            record.save(data_dir)?;
            let bin_dir = crate::repl::shell::lab_bin_dir(data_dir)?;
            for line in lab
                .steps
                .first()
                .map(|t| t.setup.clone())
                .unwrap_or_default()
            {
                let _ = crate::repl::shell::run_quiet(&line, &bin_dir);
            }
        }
    }
    let time = meta.time_limit_minutes.map_or_else(
        || tr(lang, "lab.no_time_limit", &[]),
        |m| tr(lang, "lab.time_limit", &[("minutes", &m.to_string())]),
    );
    println!(
        "{}",
        tr(
            lang,
            "lab.rules",
            &[
                ("max", &model::total_points(&lab).to_string()),
                ("pass", &model::pass_points(&lab).to_string()),
                ("cost", &meta.hint_cost.to_string()),
                ("time", &time),
                ("id", &id),
            ]
        )
    );
    crate::repl::Session::new(lang, crate::repl::Mode::Lab(id))?.run()
}

/// Grades lab `wanted` against the engine now; saves the record with any new passes.
fn grade_now(wanted: &str, lang: Lang, data_dir: &Path) -> anyhow::Result<(Grade, LabRecord)> {
    let labs = model::labs(lang)?;
    let lab = find_lab(&labs, wanted, lang)?;
    let mut record = LabRecord::load(data_dir, &lab.meta.id)?
        .ok_or_else(|| anyhow::anyhow!(tr(lang, "lab.not_started", &[("lab", &lab.meta.id)])))?;
    // Graded in the language it was taken in, so texts match the journal.
    let lab = match Lang::from_code(&record.lang) {
        Some(l) if l != lang => find_lab(&model::labs(l)?, &lab.meta.id, l)?,
        _ => lab,
    };
    let engine = Engine::open(Paths::from_env()).context("open the engine")?;
    let typed = record.state.typed.clone();
    let answers = record.state.answers.clone();
    let cx = CheckContext {
        engine: &engine,
        exe: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("dockerlings")),
        probe_env: Vec::new(),
        cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        typed: &typed,
        answers: &answers,
        lang,
    };
    let grade = super::grade::grade(&lab, &mut record, &cx);
    record.save(data_dir)?;
    Ok((grade, record))
}

/// Reads and verifies a report file.
pub fn verify_file(path: &Path) -> anyhow::Result<Verification> {
    let bytes = std::fs::read(path).with_context(|| format!("read {}", path.display()))?;
    let submission: Submission = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a dockerlings lab report", path.display()))?;
    let lang = Lang::from_code(&submission.record.lang).unwrap_or(Lang::En);
    let labs = model::labs(lang)?;
    let files = model::files()?;
    Ok(verify(&submission, &labs, &files))
}

/// The instructor's view of a verification.
pub fn verification_text(v: &Verification) -> String {
    let mut out = format!("lab {} by {}\n", v.lab, v.learner);
    if let (Some(score), Some(max), Some(passed)) = (v.score, v.max, v.passed) {
        out.push_str(&format!(
            "score: {score}/{max} ({})\n",
            if passed { "passed" } else { "not passed" }
        ));
    }
    for note in &v.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    if v.ok() {
        out.push_str("OK: the hash chain, the lab text and the score agree\n");
    } else {
        for problem in &v.problems {
            out.push_str(&format!("PROBLEM: {problem}\n"));
        }
        out.push_str(&format!(
            "{} problem(s): do not trust this report as it is\n",
            v.problems.len()
        ));
    }
    out
}
