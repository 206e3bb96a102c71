//! Where the REPL's lines come from: rustyline on a terminal (history file, line editing,
//! tab completion of REPL commands, docker verbs and flags, and live container/image names),
//! or plain lines from stdin otherwise, so a transcript can be replayed.

use std::io::BufRead;
use std::path::PathBuf;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use crate::docker::commands::COMMANDS;

/// One line, the end of input, or an interrupted line (Ctrl-C at the prompt).
pub enum Line {
    Text(String),
    Interrupted,
    End,
}

/// A source of lines.
pub trait LineSource {
    fn read(&mut self, prompt: &str) -> Line;
}

/// Lines from a non-terminal stdin; each is echoed after its prompt so a replayed
/// transcript reads like a session.
pub struct StdinLines {
    lines: std::io::Lines<std::io::StdinLock<'static>>,
    pub echo: bool,
}

impl StdinLines {
    pub fn new(echo: bool) -> Self {
        Self {
            lines: std::io::stdin().lock().lines(),
            echo,
        }
    }
}

impl LineSource for StdinLines {
    fn read(&mut self, prompt: &str) -> Line {
        match self.lines.next() {
            Some(Ok(line)) => {
                if self.echo {
                    println!("{prompt}{line}");
                }
                Line::Text(line)
            }
            _ => Line::End,
        }
    }
}

/// The REPL's own commands, completed at the start of a line.
pub const REPL_COMMANDS: &[&str] = &[
    "answer", "check", "clear", "help", "hint", "lang", "lessons", "next", "prev", "progress",
    "quit", "reset", "solution", "step", "xray",
];

/// Completion candidates for the word being typed.
pub struct LabCompleter {
    /// Live names (containers, images), refreshed before each prompt.
    pub names: Vec<String>,
}

fn docker_words(words: &[&str]) -> Vec<String> {
    // After `docker`: top-level names and groups; after `docker <group>`: its commands;
    // after a command: its flags.
    match words {
        [] => {
            let mut v: Vec<String> = COMMANDS
                .iter()
                .flat_map(|c| [c.shortcut, c.group.or(Some(c.name))])
                .flatten()
                .map(str::to_string)
                .collect();
            v.sort();
            v.dedup();
            v
        }
        [first, rest @ ..] => {
            let in_group: Vec<&crate::docker::spec::CommandSpec> = COMMANDS
                .iter()
                .filter(|c| c.group == Some(*first))
                .collect();
            if !in_group.is_empty() && rest.is_empty() {
                return in_group.iter().map(|c| c.name.to_string()).collect();
            }
            let spec = crate::docker::commands::find_top_level(first)
                .map(|r| r.spec)
                .or_else(|| {
                    rest.first()
                        .and_then(|sub| crate::docker::commands::find_in_group(first, sub))
                        .map(|r| r.spec)
                });
            spec.map(|s| {
                s.flags
                    .iter()
                    .filter(|f| !f.hidden)
                    .map(|f| format!("--{}", f.long))
                    .collect()
            })
            .unwrap_or_default()
        }
    }
}

impl LabCompleter {
    /// Candidates for the last word of `line`.
    pub fn candidates(&self, line: &str) -> (usize, Vec<String>) {
        let start = line.rfind(' ').map_or(0, |i| i + 1);
        let word = &line[start..];
        let before: Vec<&str> = line[..start].split_whitespace().collect();
        let pool: Vec<String> = match before.as_slice() {
            [] => REPL_COMMANDS
                .iter()
                .map(|s| s.to_string())
                .chain(std::iter::once("docker".to_string()))
                .collect(),
            ["docker", rest @ ..] => {
                let verbs_only: Vec<&str> = rest
                    .iter()
                    .copied()
                    .filter(|w| !w.starts_with('-'))
                    .collect();
                if word.starts_with('-') || verbs_only.len() < 2 || rest.is_empty() {
                    let mut words = docker_words(&verbs_only);
                    if !word.starts_with('-') && !rest.is_empty() {
                        words.extend(self.names.iter().cloned());
                    }
                    words
                } else {
                    self.names.clone()
                }
            }
            ["step", ..] | ["lang", ..] => ["ko", "en"].iter().map(|s| s.to_string()).collect(),
            _ => self.names.clone(),
        };
        let mut out: Vec<String> = pool.into_iter().filter(|c| c.starts_with(word)).collect();
        out.sort();
        out.dedup();
        (start, out)
    }
}

impl Completer for LabCompleter {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, words) = self.candidates(&line[..pos]);
        Ok((
            start,
            words
                .into_iter()
                .map(|w| Pair {
                    display: w.clone(),
                    replacement: w,
                })
                .collect(),
        ))
    }
}

impl Hinter for LabCompleter {
    type Hint = String;
}
impl Highlighter for LabCompleter {}
impl Validator for LabCompleter {}
impl Helper for LabCompleter {}

/// rustyline on the terminal, with the history kept in the learner's data directory.
pub struct TerminalLines {
    editor: Editor<LabCompleter, DefaultHistory>,
    history: PathBuf,
    refresh: Box<dyn Fn() -> Vec<String>>,
}

impl TerminalLines {
    pub fn new(history: PathBuf, refresh: Box<dyn Fn() -> Vec<String>>) -> rustyline::Result<Self> {
        let mut editor = Editor::new()?;
        editor.set_helper(Some(LabCompleter { names: Vec::new() }));
        let _ = editor.load_history(&history);
        Ok(Self {
            editor,
            history,
            refresh,
        })
    }
}

impl LineSource for TerminalLines {
    fn read(&mut self, prompt: &str) -> Line {
        if let Some(helper) = self.editor.helper_mut() {
            helper.names = (self.refresh)();
        }
        match self.editor.readline(prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = self.editor.add_history_entry(line.as_str());
                    if let Some(dir) = self.history.parent() {
                        let _ = std::fs::create_dir_all(dir);
                    }
                    let _ = self.editor.save_history(&self.history);
                    crate::home::hand_back(&self.history);
                }
                Line::Text(line)
            }
            Err(ReadlineError::Interrupted) => Line::Interrupted,
            Err(_) => Line::End,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(line: &str) -> Vec<String> {
        let c = LabCompleter {
            names: vec!["web".into(), "nginx:latest".into()],
        };
        c.candidates(line).1
    }

    #[test]
    fn completes_repl_commands_docker_verbs_flags_and_names() {
        assert_eq!(complete("ne"), ["next"]);
        assert!(complete("do").contains(&"docker".to_string()));
        assert!(complete("docker ima").contains(&"images".to_string()));
        assert!(complete("docker image ").contains(&"ls".to_string()));
        assert!(complete("docker images --fo").contains(&"--format".to_string()));
        assert_eq!(complete("docker stop w"), ["web"]);
        assert_eq!(complete("docker image rm ngi"), ["nginx:latest"]);
    }
}
