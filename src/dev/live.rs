//! `dockerlings dev check --live`: every lesson played through on the real runtime, as a
//! learner who follows it would: for each step, its setup runs, its checks must all FAIL
//! (the step asks for something not yet done), its solution runs, and its checks must all
//! PASS. It runs on a private engine (temporary `DOCKERLINGS_ROOT`/`RUN`), so a learner's
//! containers and images are never touched, and removes everything it made.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use dockerlings_runtime::{Engine, Paths};

use crate::check::{evaluate, CheckContext, CheckKind, Outcome, TypedCommand};
use crate::i18n::Lang;
use crate::lesson::Lesson;

/// A private engine for the run, removed (containers, lab host, files) when dropped.
struct Scratch {
    root: tempfile::TempDir,
    run: tempfile::TempDir,
    bin: PathBuf,
    cwd: tempfile::TempDir,
}

impl Scratch {
    fn new() -> anyhow::Result<Self> {
        let root = tempfile::Builder::new().prefix("dl-live-").tempdir()?;
        // Short: unix socket paths below it must fit in 108 bytes.
        let run = tempfile::Builder::new().prefix("dlv").tempdir_in("/tmp")?;
        let bin = crate::repl::shell::lab_bin_dir(root.path())?;
        let cwd = tempfile::Builder::new().prefix("dl-live-cwd-").tempdir()?;
        Ok(Self {
            root,
            run,
            bin,
            cwd,
        })
    }

    fn paths(&self) -> Paths {
        Paths::new(self.root.path(), self.run.path())
    }

    /// Runs one line as the REPL would (in `/bin/sh -c`, `docker` = dockerlings).
    fn sh(&self, line: &str) -> (bool, String) {
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(line)
            .current_dir(self.cwd.path())
            .env("PATH", crate::repl::shell::lab_path(&self.bin))
            .env("DOCKERLINGS_ROOT", self.root.path())
            .env("DOCKERLINGS_RUN", self.run.path())
            .env("DOCKERLINGS_ELEVATED", "1")
            .env("DOCKERLINGS_OFFLINE", "1")
            .stdin(std::process::Stdio::null())
            .output();
        match out {
            Ok(o) => (
                o.status.success(),
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                ),
            ),
            Err(e) => (false, e.to_string()),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let (_, ids) = self.sh("docker ps -aq --no-trunc");
        for id in ids.split_whitespace() {
            let _ = self.sh(&format!("docker rm -f -v {id}"));
        }
        let _ = dockerlings_runtime::network::labhost::teardown(self.run.path());
    }
}

/// What every check of a run looks at, but the learner's record.
struct Player<'a> {
    engine: &'a Engine,
    exe: PathBuf,
    probe_env: Vec<(String, String)>,
    cwd: PathBuf,
}

impl Player<'_> {
    fn context<'b>(
        &'b self,
        typed: &'b [TypedCommand],
        answers: &'b std::collections::BTreeMap<String, String>,
    ) -> CheckContext<'b> {
        CheckContext {
            engine: self.engine,
            exe: self.exe.clone(),
            probe_env: self.probe_env.clone(),
            cwd: self.cwd.clone(),
            typed,
            answers,
            lang: Lang::En,
        }
    }
}

/// One problem found in a lesson.
fn problem(out: &mut dyn Write, lesson: &Lesson, line: usize, text: &str) -> std::io::Result<()> {
    writeln!(out, "FAIL {}:{line}: {text}", lesson.source.display())
}

fn outcome_text(o: &Outcome) -> String {
    match o {
        Outcome::Pass { observed } => format!("passed ({observed})"),
        Outcome::Fail { expected, observed } => {
            format!("expected {expected}; observed {observed}")
        }
        Outcome::Skipped { reason } => format!("skipped: {reason}"),
    }
}

/// Plays `lessons` through; returns the number of problems.
pub fn run(lessons: &[Lesson], out: &mut dyn Write) -> anyhow::Result<usize> {
    let mut problems = 0;
    for lesson in lessons {
        let scratch = Scratch::new().context("make a private engine")?;
        let engine = Engine::open(scratch.paths()).context("open the private engine")?;
        let exe = std::env::current_exe().context("find the dockerlings executable")?;
        let probe_env = vec![
            (
                "DOCKERLINGS_ROOT".to_string(),
                scratch.root.path().display().to_string(),
            ),
            (
                "DOCKERLINGS_RUN".to_string(),
                scratch.run.path().display().to_string(),
            ),
        ];
        let player = Player {
            engine: &engine,
            exe: exe.clone(),
            probe_env: probe_env.clone(),
            cwd: scratch.cwd.path().to_path_buf(),
        };
        let mut typed: Vec<TypedCommand> = Vec::new();
        let mut lesson_problems = 0;
        for (n, step) in lesson.steps.iter().enumerate() {
            for line in &step.setup {
                scratch.sh(line);
            }
            let answers = Default::default();
            let before = player.context(&typed, &answers);
            for check in &step.checks {
                let o = evaluate(&check.spec, &before);
                if o.passed() {
                    lesson_problems += 1;
                    problem(
                        out,
                        lesson,
                        check.line,
                        &format!(
                            "step {} check `{}` already passes before the solution: {}",
                            n + 1,
                            check.id(),
                            outcome_text(&o)
                        ),
                    )?;
                }
            }
            // Each typical mistake fails exactly the checks it names; then the step starts over.
            for mistake in &step.mistakes {
                let mut tried = typed.clone();
                let mut answers = std::collections::BTreeMap::new();
                for line in &mistake.commands {
                    // A wrong answer, as the REPL takes it (`$(…)` expanded by the shell).
                    if let Some((question, raw)) = line
                        .strip_prefix("answer ")
                        .and_then(|rest| rest.trim().split_once(' '))
                    {
                        let value = if raw.contains("$(") {
                            scratch.sh(&format!("echo {raw}")).1.trim().to_string()
                        } else {
                            raw.trim().to_string()
                        };
                        answers.insert(question.to_string(), value);
                        continue;
                    }
                    scratch.sh(line);
                    tried.push(TypedCommand {
                        at: chrono::Utc::now(),
                        line: line.clone(),
                    });
                }
                let cx = player.context(&tried, &answers);
                for check in &step.checks {
                    let should_fail = mistake.fails.iter().any(|f| f == check.id());
                    let o = if should_fail {
                        evaluate(&check.spec, &cx)
                    } else {
                        crate::check::eval::evaluate_settled(
                            &check.spec,
                            &cx,
                            std::time::Duration::from_secs(5),
                        )
                    };
                    if o.passed() == should_fail {
                        lesson_problems += 1;
                        let verdict = if should_fail {
                            "passes after the mistake, which should fail it"
                        } else {
                            "fails after the mistake, which names only other checks"
                        };
                        problem(
                            out,
                            lesson,
                            mistake.line,
                            &format!(
                                "step {} check `{}` {verdict}: {}",
                                n + 1,
                                check.id(),
                                outcome_text(&o)
                            ),
                        )?;
                    }
                }
                for line in &step.setup {
                    scratch.sh(line);
                }
            }
            for line in &step.solution {
                // `answer …` is a REPL command: the answers are read below, as a learner would.
                if line.starts_with("answer ") {
                    continue;
                }
                let (ok, output) = scratch.sh(line);
                typed.push(TypedCommand {
                    at: chrono::Utc::now(),
                    line: line.clone(),
                });
                if !ok && !line.contains("||") {
                    writeln!(
                        out,
                        "note {}:{}: step {} solution `{line}` exited non-zero: {}",
                        lesson.source.display(),
                        step.line,
                        n + 1,
                        output.lines().last().unwrap_or("")
                    )?;
                }
            }
            // A learner answers questions with the values they read; so does this run.
            let mut answers = std::collections::BTreeMap::new();
            for check in &step.checks {
                if let CheckKind::Answer { question, source } = &check.spec.kind {
                    let cx = player.context(&typed, &answers);
                    if let Some(value) = crate::check::eval::live_value(&cx, source) {
                        answers.insert(question.clone(), value);
                    }
                }
            }
            let after = player.context(&typed, &answers);
            for check in &step.checks {
                let o = crate::check::eval::evaluate_settled(
                    &check.spec,
                    &after,
                    std::time::Duration::from_secs(5),
                );
                if !o.passed() {
                    lesson_problems += 1;
                    problem(
                        out,
                        lesson,
                        check.line,
                        &format!(
                            "step {} check `{}` fails after the solution: {}",
                            n + 1,
                            check.id(),
                            outcome_text(&o)
                        ),
                    )?;
                }
            }
        }
        if lesson_problems == 0 {
            writeln!(
                out,
                "ok   {}: {} steps played through on the runtime",
                lesson.source.display(),
                lesson.steps.len()
            )?;
        }
        problems += lesson_problems;
    }
    Ok(problems)
}

/// The lessons and labs to play: those under `lessons_dir`/`labs_dir`, or the built-in ones
/// (English; the Korean twins ask exactly the same, as `dev check` proves separately).
pub fn lessons(lessons_dir: Option<&Path>, labs_dir: Option<&Path>) -> anyhow::Result<Vec<Lesson>> {
    use crate::lesson::catalog;
    let lessons = match lessons_dir {
        Some(d) => catalog::from_dir(d)?,
        None => catalog::embedded(),
    };
    let labs = match labs_dir {
        Some(d) => catalog::from_dir(d)?,
        None => catalog::embedded_labs(),
    };
    let mut all = catalog::lessons(&lessons, "en")?;
    all.extend(catalog::lessons(&labs, "en")?);
    Ok(all)
}
