//! The guided lab: one loop that shows the current step, reads a line, runs it (a REPL
//! command, or anything else through `/bin/sh -c` with `docker` resolving to dockerlings),
//! then evaluates the step's checks against the engine. Passes are shown at once and stay
//! passed; a miss after a relevant command says what was expected and what was observed.

pub mod input;
pub mod shell;

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Context;
use colored::Colorize;
use dockerlings_runtime::Engine;

use crate::check::{evaluate_settled, CheckContext, Outcome, TypedCommand};
use crate::i18n::{tr, Lang};
use crate::lesson::{catalog, render_blocks, render_step, Lesson, RenderOptions};
use crate::progress::Progress;
use input::{Line, LineSource};

/// What the REPL is about: a lesson, a graded lab, or nothing (the sandbox).
pub enum Mode {
    Lesson(String),
    /// A lab by id, resumed from the learner's record (which `lab start` made).
    Lab(String),
    Sandbox,
}

/// A graded lab in progress: its record (journal included) and its rules.
struct LabRun {
    record: crate::lab::LabRecord,
    meta: crate::lesson::model::LabMeta,
}

/// One REPL session.
pub struct Session {
    lang: Lang,
    lessons: Vec<Lesson>,
    /// Index into `lessons`; `None` in the sandbox.
    current: Option<usize>,
    progress: Progress,
    data_dir: PathBuf,
    bin_dir: PathBuf,
    engine: Engine,
    color: bool,
    interactive: bool,
    /// The last line that ran a docker command (for `xray`).
    last_docker: Option<String>,
    /// Set in a graded lab.
    lab: Option<LabRun>,
}

/// Terminal width for rendering (`COLUMNS`, the terminal, or 80).
pub fn width() -> usize {
    if let Some(w) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return w;
    }
    terminal_size::terminal_size()
        .map(|(w, _)| w.0 as usize)
        .unwrap_or(80)
        .clamp(20, 120)
}

/// Colour when stdout is a terminal and `NO_COLOR` is not set.
pub fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Set to a directory (`<dir>/<lang>/*.md`) to use lessons from there instead of the
/// built-in ones: for authors trying a lesson, and for tests.
pub const LESSONS_VAR: &str = "DOCKERLINGS_LESSONS";

/// The lessons of `lang`: the built-in ones, or those under `DOCKERLINGS_LESSONS`.
pub fn shipped_lessons(lang: Lang) -> anyhow::Result<Vec<Lesson>> {
    match std::env::var_os(LESSONS_VAR).filter(|v| !v.is_empty()) {
        Some(dir) => {
            let files = catalog::from_dir(std::path::Path::new(&dir))
                .with_context(|| format!("read lessons from {}", dir.to_string_lossy()))?;
            Ok(catalog::lessons(&files, lang.code())?)
        }
        None => catalog::lessons(&catalog::embedded(), lang.code())
            .context("a built-in lesson is broken"),
    }
}

/// Finds a lesson by id, by number (`1`, `01`) or by id prefix.
pub fn find_lesson(lessons: &[Lesson], wanted: &str) -> Option<usize> {
    lessons
        .iter()
        .position(|l| l.meta.id == wanted)
        .or_else(|| {
            let n: usize = wanted.parse().ok()?;
            lessons
                .iter()
                .position(|l| l.meta.id.split('-').next().and_then(|p| p.parse().ok()) == Some(n))
        })
        .or_else(|| lessons.iter().position(|l| l.meta.id.starts_with(wanted)))
}

/// Prints the lesson list with each lesson's progress.
pub fn print_lessons(
    lessons: &[Lesson],
    progress: &Progress,
    lang: Lang,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(out, "{}", tr(lang, "repl.lessons_title", &[]))?;
    for lesson in lessons {
        let done = progress
            .lessons
            .get(&lesson.meta.id)
            .map_or(0, |p| p.completed.len());
        let total = lesson.steps.len();
        let mark = if done == total {
            "✔"
        } else if done > 0 {
            "…"
        } else {
            " "
        };
        let here = if progress.current.as_deref() == Some(&lesson.meta.id) {
            "▶"
        } else {
            " "
        };
        writeln!(
            out,
            "{here} {mark} {:<26} {}  ({done}/{total})",
            lesson.meta.id, lesson.meta.title
        )?;
    }
    Ok(())
}

impl Session {
    pub fn new(lang: Lang, mode: Mode) -> anyhow::Result<Self> {
        let data_dir = crate::home::data_dir();
        if let Mode::Lab(id) = &mode {
            return Self::lab(lang, id, data_dir);
        }
        let lessons = shipped_lessons(lang)?;
        let mut progress = Progress::load(&data_dir)?;
        let current = match mode {
            Mode::Sandbox | Mode::Lab(_) => None,
            Mode::Lesson(wanted) => Some(find_lesson(&lessons, &wanted).ok_or_else(|| {
                anyhow::anyhow!(tr(lang, "repl.no_such_lesson", &[("lesson", &wanted)]))
            })?),
        };
        if let Some(i) = current {
            progress.current = Some(lessons[i].meta.id.clone());
        }
        Self::with(lang, lessons, current, progress, data_dir, None)
    }

    /// A session on `lessons` (lessons or labs) at `current`, with the engine from the
    /// environment and the lab's bin dir made.
    fn with(
        lang: Lang,
        lessons: Vec<Lesson>,
        current: Option<usize>,
        progress: Progress,
        data_dir: PathBuf,
        lab: Option<LabRun>,
    ) -> anyhow::Result<Self> {
        let bin_dir = shell::lab_bin_dir(&data_dir)?;
        Ok(Self {
            lang,
            lessons,
            current,
            progress,
            data_dir,
            bin_dir,
            engine: Engine::open(dockerlings_runtime::Paths::from_env())
                .context("open the engine")?,
            color: use_color(),
            interactive: std::io::stdin().is_terminal(),
            last_docker: None,
            lab,
        })
    }

    /// A session on lab `id`, resumed from its record (`lab start` makes it).
    fn lab(lang: Lang, id: &str, data_dir: PathBuf) -> anyhow::Result<Self> {
        let lessons = crate::lab::labs(lang)?;
        let index = find_lesson(&lessons, id)
            .ok_or_else(|| anyhow::anyhow!(tr(lang, "lab.no_such_lab", &[("lab", id)])))?;
        let lab_id = lessons[index].meta.id.clone();
        let record = crate::lab::LabRecord::load(&data_dir, &lab_id)?
            .ok_or_else(|| anyhow::anyhow!(tr(lang, "lab.not_started", &[("lab", &lab_id)])))?;
        let mut progress = Progress {
            version: 1,
            current: Some(lab_id.clone()),
            lessons: Default::default(),
        };
        progress.lessons.insert(lab_id, record.state.clone());
        let meta = crate::lab::model::meta(&lessons[index]);
        let lab = Some(LabRun { record, meta });
        Self::with(lang, lessons, Some(index), progress, data_dir, lab)
    }

    /// Writes an entry to the lab's journal (nothing outside a lab).
    fn journal(&mut self, what: crate::lab::What) {
        if let Some(lab) = &mut self.lab {
            lab.record.log(what);
        }
    }

    /// When the lab's time is up, if it has a limit.
    fn deadline(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let lab = self.lab.as_ref()?;
        let minutes = lab.meta.time_limit_minutes?;
        Some(lab.record.started_at + chrono::Duration::minutes(i64::from(minutes)))
    }

    fn t(&self, key: &str, args: &[(&str, &str)]) -> String {
        tr(self.lang, key, args)
    }

    fn options(&self) -> RenderOptions {
        RenderOptions {
            width: width(),
            color: self.color,
        }
    }

    fn lesson(&self) -> Option<&Lesson> {
        self.current.map(|i| &self.lessons[i])
    }

    fn step_index(&self) -> usize {
        self.lesson()
            .and_then(|l| self.progress.lessons.get(&l.meta.id))
            .map_or(0, |p| p.step)
    }

    fn save(&mut self) {
        let saved = match (&mut self.lab, self.current) {
            (Some(lab), Some(i)) => {
                let id = &self.lessons[i].meta.id;
                if let Some(state) = self.progress.lessons.get(id) {
                    lab.record.state = state.clone();
                }
                lab.record.save(&self.data_dir)
            }
            _ => self.progress.save(&self.data_dir),
        };
        if let Err(e) = saved {
            eprintln!("{}: {e:#}", self.t("error.prefix", &[]));
        }
    }

    fn prompt(&self) -> String {
        if let (Some(l), Some(_)) = (self.lesson(), &self.lab) {
            let left = self.deadline().map(|d| {
                let minutes = (d - chrono::Utc::now()).num_minutes().max(0);
                format!(" {minutes}m")
            });
            return format!(
                "[lab {} {}/{}{}] $ ",
                l.meta.id.split('-').next().unwrap_or(""),
                self.step_index() + 1,
                l.steps.len(),
                left.unwrap_or_default()
            );
        }
        match self.lesson() {
            Some(l) => format!(
                "[{} {}/{}] $ ",
                l.meta.id.split('-').next().unwrap_or(""),
                self.step_index() + 1,
                l.steps.len()
            ),
            None => "sandbox $ ".to_string(),
        }
    }

    fn show_step(&self) {
        let Some(lesson) = self.lesson() else {
            println!("{}", self.t("repl.sandbox", &[]));
            return;
        };
        let i = self.step_index();
        if i == 0 && !lesson.intro.is_empty() {
            print!("{}", render_blocks(&lesson.intro, self.options()));
            println!();
        }
        let label = self.t(
            if self.lab.is_some() {
                "lab.task_label"
            } else {
                "repl.step_label"
            },
            &[
                ("n", &(i + 1).to_string()),
                ("total", &lesson.steps.len().to_string()),
            ],
        );
        print!("{}", render_step(&lesson.steps[i], &label, self.options()));
        let passed = self
            .progress
            .lessons
            .get(&lesson.meta.id)
            .is_some_and(|p| p.completed.contains(&i));
        if passed {
            println!("{}", self.mark_pass(&self.t("repl.step_already_done", &[])));
        }
        println!();
    }

    fn mark_pass(&self, text: &str) -> String {
        if self.color {
            format!("{} {}", "✔".green().bold(), text)
        } else {
            format!("✔ {text}")
        }
    }

    fn mark_fail(&self, text: &str) -> String {
        if self.color {
            format!("{} {}", "✘".red().bold(), text)
        } else {
            format!("✘ {text}")
        }
    }

    /// Evaluates the current step's checks; prints new passes always and misses when
    /// `explain` (after a relevant command, or on `check`).
    fn run_checks(&mut self, explain: bool) {
        let patience = if explain {
            std::time::Duration::from_secs(3)
        } else {
            std::time::Duration::ZERO
        };
        self.run_checks_with(explain, patience);
    }

    /// [`Session::run_checks`], giving probes (HTTP, ping, DNS, logs) up to `patience` to pass.
    fn run_checks_with(&mut self, explain: bool, patience: std::time::Duration) {
        let Some(index) = self.current else {
            return;
        };
        let lesson = &self.lessons[index];
        let id = lesson.meta.id.clone();
        let i = self.step_index();
        let step = lesson.steps[i].clone();
        if step.checks.is_empty() {
            return;
        }
        let state = self.progress.lesson(&id).clone();
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let answers: BTreeMap<String, String> = state.answers.clone();
        let cx = CheckContext {
            engine: &self.engine,
            exe: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("dockerlings")),
            probe_env: Vec::new(),
            cwd,
            typed: &state.typed,
            answers: &answers,
            lang: self.lang,
        };
        let mut newly = Vec::new();
        let mut misses = Vec::new();
        for check in &step.checks {
            if state.passed.contains(check.id()) {
                continue;
            }
            let outcome = evaluate_settled(&check.spec, &cx, patience);
            let label = |expected: &str| {
                check
                    .spec
                    .text
                    .clone()
                    .unwrap_or_else(|| expected.to_string())
            };
            match outcome {
                Outcome::Pass { observed } => {
                    newly.push((check.id().to_string(), label(&observed), observed))
                }
                Outcome::Fail { expected, observed } => {
                    misses.push((label(&expected), expected, observed))
                }
                Outcome::Skipped { reason } => {
                    misses.push((label(&reason), reason.clone(), reason))
                }
            }
        }
        let entry = self.progress.lesson(&id);
        for (check_id, _, _) in &newly {
            entry.passed.insert(check_id.clone());
        }
        let all = step.checks.iter().all(|c| entry.passed.contains(c.id()));
        let finished_now = all && entry.completed.insert(i);
        let total = self.lessons[index].steps.len();
        for (check_id, _, observed) in &newly {
            self.journal(crate::lab::What::Pass {
                task: i,
                check: check_id.clone(),
                observed: observed.clone(),
            });
        }
        let late = self.deadline().is_some_and(|d| chrono::Utc::now() > d);
        for (_, text, _) in &newly {
            println!("{}", self.mark_pass(text));
        }
        if late && !newly.is_empty() {
            println!("{}", self.mark_fail(&self.t("lab.time_up", &[])));
        }
        if explain {
            for (text, expected, observed) in &misses {
                println!("{}", self.mark_fail(text));
                println!("    {}", self.t("repl.expected", &[("what", expected)]));
                println!("    {}", self.t("repl.observed", &[("what", observed)]));
            }
        }
        let in_lab = self.lab.is_some();
        if finished_now {
            let key = match (in_lab, i + 1 < total) {
                (false, true) => "repl.step_done",
                (false, false) => "repl.lesson_done",
                (true, true) => "lab.task_done",
                (true, false) => "lab.all_done",
            };
            println!("{}", self.mark_pass(&self.t(key, &[])));
        }
        if !newly.is_empty() || finished_now {
            self.save();
        }
        // A lab moves on by itself: its tasks are graded in order.
        if in_lab && finished_now && i + 1 < total {
            println!();
            self.set_step(i + 1);
        }
    }

    /// A typed line is relevant to the step when it uses a docker command the step shows
    /// or solves with (so an unrelated `ls` does not trigger a list of misses).
    fn relevant(&self, line: &str) -> bool {
        let Some(lesson) = self.lesson() else {
            return false;
        };
        let step = &lesson.steps[self.step_index()];
        // `docker container run` and `docker run` are the same verb.
        let verb = |l: &str| -> Option<String> {
            let words: Vec<&str> = l.split_whitespace().collect();
            let at = words.iter().position(|w| *w == "docker")?;
            let mut rest = words[at + 1..].iter().filter(|w| !w.starts_with('-'));
            let first = *rest.next()?;
            if !matches!(first, "container" | "image") {
                return Some(first.to_string());
            }
            Some(match (first, rest.next().copied()) {
                ("container", Some("ls" | "list")) => "ps".to_string(),
                ("image", Some("ls" | "list")) => "images".to_string(),
                (_, Some(verb)) => verb.to_string(),
                (_, None) => first.to_string(),
            })
        };
        let Some(typed) = verb(line) else {
            return false;
        };
        step.commands
            .iter()
            .chain(&step.solution)
            .filter_map(|c| verb(c))
            .any(|v| v == typed)
    }

    fn set_step(&mut self, n: usize) {
        let Some(index) = self.current else {
            println!("{}", self.t("repl.no_lesson", &[]));
            return;
        };
        let total = self.lessons[index].steps.len();
        if n >= total {
            println!(
                "{}",
                self.t("repl.no_such_step", &[("total", &total.to_string())])
            );
            return;
        }
        let id = self.lessons[index].meta.id.clone();
        self.progress.lesson(&id).step = n;
        if let Some(lab) = &mut self.lab {
            lab.record.reached = lab.record.reached.max(n);
        }
        self.save();
        self.show_step();
        self.run_checks(false);
    }

    fn hint(&mut self) {
        let Some(index) = self.current else {
            println!("{}", self.t("repl.no_lesson", &[]));
            return;
        };
        let i = self.step_index();
        let hints = self.lessons[index].steps[i].hints.clone();
        let id = self.lessons[index].meta.id.clone();
        let shown = self.progress.lesson(&id).hints.entry(i).or_insert(0);
        if hints.is_empty() {
            println!("{}", self.t("repl.no_hints", &[]));
            return;
        }
        let before = *shown;
        let n = (*shown + 1).min(hints.len());
        *shown = n;
        if n > before {
            self.journal(crate::lab::What::Hint { task: i, n });
            if let Some(cost) = self.lab.as_ref().map(|l| l.meta.hint_cost) {
                println!(
                    "{}",
                    self.t("lab.hint_costs", &[("points", &cost.to_string())])
                );
            }
        }
        for (k, hint) in hints.iter().take(n).enumerate() {
            let block = crate::lesson::parse::parse_inline_markdown(hint);
            let label = self.t(
                "repl.hint_label",
                &[
                    ("n", &(k + 1).to_string()),
                    ("total", &hints.len().to_string()),
                ],
            );
            println!("{label}");
            print!("{}", render_blocks(&block, self.options()));
        }
        self.save();
    }

    fn solution(&self) {
        let Some(lesson) = self.lesson() else {
            println!("{}", self.t("repl.no_lesson", &[]));
            return;
        };
        if self.lab.is_some() {
            println!("{}", self.t("lab.solution_locked", &[]));
            return;
        }
        let step = &lesson.steps[self.step_index()];
        if step.solution.is_empty() {
            println!("{}", self.t("repl.no_solution", &[]));
            return;
        }
        println!("{}", self.t("repl.solution", &[]));
        for line in &step.solution {
            println!("  $ {line}");
        }
    }

    fn reset(&mut self) {
        let Some(lesson) = self.lesson() else {
            println!("{}", self.t("repl.no_lesson", &[]));
            return;
        };
        let setup = lesson.steps[self.step_index()].setup.clone();
        println!("{}", self.t("repl.resetting", &[]));
        for line in setup {
            println!("  $ {line}");
            let _ = shell::run_line(&line, &self.bin_dir);
        }
        self.run_checks(false);
    }

    /// An answer as typed, or, when it holds a command substitution (`$(docker inspect …)`),
    /// what the shell makes of it.
    fn answer_value(&self, raw: &str) -> String {
        if !raw.contains("$(") && !raw.contains('`') {
            return raw.to_string();
        }
        match shell::capture(&format!("echo {raw}"), &self.bin_dir) {
            Ok(out) => out.trim().to_string(),
            Err(_) => raw.to_string(),
        }
    }

    /// `progress` in a lab: the score the journal holds so far (no probes).
    fn lab_progress(&self) {
        let (Some(lab), Some(lesson)) = (&self.lab, self.lesson()) else {
            return;
        };
        let grade =
            crate::lab::grade::score(lesson, &lab.record, &Default::default(), chrono::Utc::now());
        print!(
            "{}",
            crate::lab::report::text(&grade, self.lang, self.color)
        );
    }

    fn help(&self) {
        println!("{}", self.t("repl.help", &[]));
    }

    fn switch_lang(&mut self, code: Option<&str>) {
        let lang = match code {
            Some("ko") => Lang::Ko,
            Some("en") => Lang::En,
            _ => {
                println!("{}", self.t("repl.lang_usage", &[]));
                return;
            }
        };
        let lessons = if self.lab.is_some() {
            crate::lab::labs(lang)
        } else {
            shipped_lessons(lang)
        };
        match lessons {
            Ok(lessons) => {
                let id = self.lesson().map(|l| l.meta.id.clone());
                self.lang = lang;
                self.lessons = lessons;
                self.current = id.and_then(|id| find_lesson(&self.lessons, &id));
                self.show_step();
            }
            Err(e) => println!("{e:#}"),
        }
    }

    /// Handles a REPL command; `None` when `line` is not one (it then goes to the shell).
    /// `Some(false)` ends the session.
    fn command(&mut self, line: &str) -> Option<bool> {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["next"] => {
                let n = self.step_index() + 1;
                self.set_step(n);
            }
            ["prev"] => {
                let n = self.step_index().saturating_sub(1);
                self.set_step(n);
            }
            ["step", n] => match n.parse::<usize>() {
                Ok(n) if n >= 1 => self.set_step(n - 1),
                _ => println!("{}", self.t("repl.step_usage", &[])),
            },
            ["check"] => {
                self.run_checks(true);
                let done = self.lesson().is_some_and(|l| {
                    self.progress
                        .lessons
                        .get(&l.meta.id)
                        .is_some_and(|p| p.completed.contains(&self.step_index()))
                });
                if done {
                    println!("{}", self.mark_pass(&self.t("repl.step_already_done", &[])));
                }
            }
            ["hint"] => self.hint(),
            ["solution"] => self.solution(),
            ["reset"] => self.reset(),
            ["progress"] | ["lessons"] if self.lab.is_some() => self.lab_progress(),
            ["lessons"] => {
                let _ = print_lessons(
                    &self.lessons,
                    &self.progress,
                    self.lang,
                    &mut std::io::stdout(),
                );
            }
            ["progress"] => {
                let _ = print_lessons(
                    &self.lessons,
                    &self.progress,
                    self.lang,
                    &mut std::io::stdout(),
                );
            }
            ["lang"] => self.switch_lang(None),
            ["lang", code] => self.switch_lang(Some(code)),
            ["answer", question, value @ ..] if !value.is_empty() => {
                let raw = line
                    .trim_start()
                    .strip_prefix("answer")
                    .unwrap_or("")
                    .trim_start()
                    .strip_prefix(question)
                    .unwrap_or("")
                    .trim();
                let value = self.answer_value(raw);
                if let Some(lesson) = self.lesson() {
                    let id = lesson.meta.id.clone();
                    self.progress
                        .lesson(&id)
                        .answers
                        .insert(question.to_string(), value.clone());
                    self.journal(crate::lab::What::Answer {
                        question: question.to_string(),
                        value,
                    });
                    self.save();
                    self.run_checks(true);
                } else {
                    println!("{}", self.t("repl.no_lesson", &[]));
                }
            }
            ["clear"] => {
                print!("\x1b[2J\x1b[H");
                let _ = std::io::stdout().flush();
            }
            ["help"] => self.help(),
            ["xray"] => match &self.last_docker {
                Some(line) => print!("{}", crate::xray::report(&self.engine, line, self.lang)),
                None => println!("{}", self.t("xray.no_docker", &[])),
            },
            ["quit"] | ["exit"] => return Some(false),
            _ => return None,
        }
        Some(true)
    }

    /// Runs the session until `quit` or the end of input; returns the exit code.
    pub fn run(mut self) -> anyhow::Result<i32> {
        // Ctrl-C while a command runs interrupts the command (it gets the signal from the
        // terminal), never the REPL: SIGINT only sets this flag here.
        let interrupted = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(signal_hook::consts::SIGINT, interrupted.clone())
            .context("install the Ctrl-C handler")?;
        let mut source: Box<dyn LineSource> = if self.interactive {
            let engine = Engine::open(dockerlings_runtime::Paths::from_env())?;
            Box::new(input::TerminalLines::new(
                self.data_dir.join("history"),
                Box::new(move || live_names(&engine)),
            )?)
        } else {
            Box::new(input::StdinLines::new(true))
        };
        if let Some(lesson) = self.lesson() {
            println!(
                "{}",
                self.t(
                    if self.lab.is_some() {
                        "lab.welcome"
                    } else {
                        "repl.welcome"
                    },
                    &[("title", &lesson.meta.title)]
                )
            );
        }
        println!("{}", self.t("repl.help_hint", &[]));
        println!();
        self.show_step();
        self.save();
        loop {
            let line = match source.read(&self.prompt()) {
                Line::Text(line) => line,
                Line::Interrupted => continue,
                Line::End => break,
            };
            let line = line.trim().to_string();
            if line.is_empty() {
                continue;
            }
            match self.command(&line) {
                Some(true) => continue,
                Some(false) => break,
                None => {}
            }
            if let Some(lesson) = self.lesson() {
                let id = lesson.meta.id.clone();
                self.progress.lesson(&id).typed.push(TypedCommand {
                    at: chrono::Utc::now(),
                    line: line.clone(),
                });
                self.journal(crate::lab::What::Command { line: line.clone() });
                self.save();
            }
            let _ = std::io::stdout().flush();
            if let Err(e) = shell::run_line(&line, &self.bin_dir) {
                eprintln!("{}: {e:#}", self.t("error.prefix", &[]));
            }
            if crate::xray::docker_args(&line).is_some() {
                self.last_docker = Some(line.clone());
            }
            let explain = self.relevant(&line);
            // A server the command just started may take a moment to answer; after any
            // other command, waiting for a probe to change its answer only slows the lab.
            let patience = if explain && starts_something(&line) {
                std::time::Duration::from_secs(3)
            } else {
                std::time::Duration::ZERO
            };
            self.run_checks_with(explain, patience);
        }
        self.save();
        Ok(0)
    }
}

/// Whether `line` may start something a probe then reaches: a container (`run`, `start`,
/// `restart`, `unpause`), a network attachment (`connect`), or a request that logs (`curl`).
fn starts_something(line: &str) -> bool {
    line.split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|')
        .any(|w| {
            matches!(
                w,
                "run" | "start" | "restart" | "unpause" | "connect" | "curl" | "wget"
            )
        })
}

/// Container, image and network names for completion.
fn live_names(engine: &Engine) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(containers) = engine.containers(true, false) {
        for c in containers {
            names.extend(
                c.names
                    .iter()
                    .map(|n| n.trim_start_matches('/').to_string()),
            );
        }
    }
    if let Ok(images) = engine.images() {
        for i in images {
            names.extend(i.repo_tags.iter().cloned());
        }
    }
    names
}

/// `dockerlings shell`: the learner's own `$SHELL` with the lab's `docker` first on `PATH`;
/// when they come back, the current lesson step's checks run. (Commands typed there are not
/// recorded, so `command` checks cannot see them.)
pub fn own_shell(lang: Lang) -> anyhow::Result<i32> {
    let data_dir = crate::home::data_dir();
    let bin_dir = shell::lab_bin_dir(&data_dir)?;
    let program = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".to_string());
    println!("{}", tr(lang, "shell.enter", &[]));
    let status = std::process::Command::new(&program)
        .env("PATH", shell::lab_path(&bin_dir))
        .env("DOCKERLINGS_ELEVATED", "1")
        .status()
        .with_context(|| format!("run {program}"))?;
    println!("{}", tr(lang, "shell.back", &[]));
    let progress = Progress::load(&data_dir)?;
    if let Some(current) = progress.current {
        let mut session = Session::new(lang, Mode::Lesson(current))?;
        session.show_step();
        session.run_checks(true);
    }
    Ok(status.code().unwrap_or(0))
}
