//! A learner's record of one lab: where they are (the same state a lesson keeps) and a
//! journal of everything that counts — the start, each command typed, hints, answers,
//! checks passed with the evidence observed. Each journal entry carries the SHA-256 of the
//! one before it, so an entry edited, dropped or reordered afterwards breaks the chain
//! (`verify`). Stored as `labs/<id>.json` in the learner's data directory, atomically.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::progress::LessonProgress;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum What {
    /// `lab start`: which lab text, graded by which dockerlings.
    Start {
        lab: String,
        lab_hash: String,
        tool_version: String,
        lang: String,
    },
    /// A line the learner typed (anything but REPL commands).
    Command { line: String },
    /// A hint revealed: task (0-based), and which hint of it (1-based).
    Hint { task: usize, n: usize },
    /// An `answer` given.
    Answer { question: String, value: String },
    /// A check passed, with what it observed.
    Pass {
        task: usize,
        check: String,
        observed: String,
    },
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub what: What,
    /// The previous entry's hash ([`GENESIS`] for the first).
    pub prev: String,
    /// SHA-256 over `prev`, `seq`, `at` and `what`.
    pub hash: String,
}

impl Event {
    /// The hash this entry must have, given its contents.
    pub fn digest(seq: u64, at: &DateTime<Utc>, what: &What, prev: &str) -> String {
        let body = serde_json::to_string(&(seq, at, what)).expect("events always serialize");
        let mut hasher = Sha256::new();
        hasher.update(prev.as_bytes());
        hasher.update(b"\n");
        hasher.update(body.as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// Where the chain of `events` first breaks: the index of the first entry whose `prev`,
/// `seq` or `hash` is not what the entries before it make.
pub fn chain_break(events: &[Event]) -> Option<usize> {
    let mut prev = GENESIS.to_string();
    for (i, e) in events.iter().enumerate() {
        if e.seq != i as u64
            || e.prev != prev
            || e.hash != Event::digest(e.seq, &e.at, &e.what, &e.prev)
        {
            return Some(i);
        }
        prev = e.hash.clone();
    }
    None
}

/// One learner's record of one lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabRecord {
    pub version: u32,
    pub lab: String,
    pub lab_hash: String,
    pub tool_version: String,
    pub lang: String,
    pub started_at: DateTime<Utc>,
    /// The furthest task (0-based) the learner has reached: tasks after it are not graded
    /// live (their "absent" checks would pass for nothing done).
    pub reached: usize,
    /// The REPL state: current task, passes, hints, answers, typed commands.
    pub state: LessonProgress,
    pub events: Vec<Event>,
}

impl LabRecord {
    /// A fresh record, with its `start` entry.
    pub fn start(lab: &str, lab_hash: &str, lang: &str) -> Self {
        let mut record = Self {
            version: 1,
            lab: lab.to_string(),
            lab_hash: lab_hash.to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            lang: lang.to_string(),
            started_at: Utc::now(),
            reached: 0,
            state: LessonProgress::default(),
            events: Vec::new(),
        };
        record.log(What::Start {
            lab: lab.to_string(),
            lab_hash: lab_hash.to_string(),
            tool_version: record.tool_version.clone(),
            lang: lang.to_string(),
        });
        record.started_at = record.events[0].at;
        record
    }

    /// Appends an entry to the journal.
    pub fn log(&mut self, what: What) {
        let seq = self.events.len() as u64;
        let at = Utc::now();
        let prev = self
            .events
            .last()
            .map_or_else(|| GENESIS.to_string(), |e| e.hash.clone());
        let hash = Event::digest(seq, &at, &what, &prev);
        self.events.push(Event {
            seq,
            at,
            what,
            prev,
            hash,
        });
    }

    /// The last entry's hash: the whole journal in one value.
    pub fn head(&self) -> String {
        self.events
            .last()
            .map_or_else(|| GENESIS.to_string(), |e| e.hash.clone())
    }

    /// `labs/<id>.json` under the data directory.
    pub fn path(data_dir: &Path, id: &str) -> PathBuf {
        data_dir.join("labs").join(format!("{id}.json"))
    }

    /// The record of lab `id`, if the learner started it.
    pub fn load(data_dir: &Path, id: &str) -> anyhow::Result<Option<Self>> {
        let path = Self::path(data_dir, id);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).with_context(|| {
                format!(
                    "{} is damaged; `dockerlings lab start {id} --restart` starts over",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("read {}", path.display())),
        }
    }

    /// Writes the record atomically.
    pub fn save(&self, data_dir: &Path) -> anyhow::Result<()> {
        let path = Self::path(data_dir, &self.lab);
        let dir = path.parent().expect("has a parent");
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        let bytes = serde_json::to_vec_pretty(self).expect("records always serialize");
        dockerlings_runtime::fsutil::atomic_write(&path, &bytes)
            .with_context(|| format!("write {}", path.display()))?;
        for owned in [data_dir, dir, &path] {
            crate::home::hand_back(owned);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> LabRecord {
        let mut r = LabRecord::start("02-week1-apache", "sha256:abc", "en");
        r.log(What::Command {
            line: "docker run -d -p 8081:80 --name my-apache-server httpd".into(),
        });
        r.log(What::Pass {
            task: 0,
            check: "apache-running".into(),
            observed: "running".into(),
        });
        r
    }

    #[test]
    fn an_intact_chain_verifies() {
        let r = record();
        assert_eq!(r.events.len(), 3);
        assert_eq!(r.events[0].prev, GENESIS);
        assert_eq!(chain_break(&r.events), None);
        assert_eq!(r.head(), r.events[2].hash);
    }

    #[test]
    fn an_edited_dropped_or_reordered_entry_breaks_the_chain() {
        let mut edited = record();
        if let What::Command { line } = &mut edited.events[1].what {
            *line = "docker run -d -p 8081:80 httpd".into();
        }
        assert_eq!(chain_break(&edited.events), Some(1));

        let mut dropped = record();
        dropped.events.remove(1);
        assert_eq!(chain_break(&dropped.events), Some(1));

        let mut swapped = record();
        swapped.events.swap(1, 2);
        assert_eq!(chain_break(&swapped.events), Some(1));

        let mut retimed = record();
        retimed.events[2].at += chrono::Duration::seconds(1);
        assert_eq!(chain_break(&retimed.events), Some(2));
    }

    #[test]
    fn round_trips_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let r = record();
        r.save(dir.path()).unwrap();
        let again = LabRecord::load(dir.path(), "02-week1-apache")
            .unwrap()
            .unwrap();
        assert_eq!(again, r);
        assert_eq!(chain_break(&again.events), None);
        assert!(LabRecord::load(dir.path(), "nope").unwrap().is_none());
    }
}
