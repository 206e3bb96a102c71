//! The learner's progress: one small JSON file in their data directory (`progress.json`),
//! written atomically (temp file + rename) after every change, so a crash never leaves half
//! a file. Delete it, or run `dockerlings progress --reset`, to start over.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::check::TypedCommand;

pub const FILE: &str = "progress.json";

/// Where one learner is in every lesson.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    #[serde(default = "version_one")]
    pub version: u32,
    /// The lesson the learner was last in.
    pub current: Option<String>,
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonProgress>,
}

fn version_one() -> u32 {
    1
}

/// Progress in one lesson.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// The step shown (0-based).
    pub step: usize,
    /// Check ids that passed (a pass stays passed).
    #[serde(default)]
    pub passed: BTreeSet<String>,
    /// Steps (0-based) whose checks all passed.
    #[serde(default)]
    pub completed: BTreeSet<usize>,
    /// Hints revealed per step.
    #[serde(default)]
    pub hints: BTreeMap<usize, usize>,
    /// The learner's answers to `answer` questions.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// What the learner typed in this lesson (for `command` checks).
    #[serde(default)]
    pub typed: Vec<TypedCommand>,
}

impl Progress {
    /// The progress file in `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(FILE)
    }

    /// Reads the progress in `dir`; a missing file is a fresh start.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let path = Self::path(dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is damaged; delete it to start over", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self {
                version: 1,
                ..Self::default()
            }),
            Err(e) => Err(e).with_context(|| format!("read {}", path.display())),
        }
    }

    /// Writes the progress into `dir` atomically.
    pub fn save(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        let bytes = serde_json::to_vec_pretty(self).expect("progress always serializes");
        dockerlings_runtime::fsutil::atomic_write(&Self::path(dir), &bytes)
            .with_context(|| format!("write {}", Self::path(dir).display()))?;
        crate::home::hand_back(dir);
        crate::home::hand_back(&Self::path(dir));
        Ok(())
    }

    /// Removes the progress file (`progress --reset`).
    pub fn reset(dir: &Path) -> anyhow::Result<()> {
        match std::fs::remove_file(Self::path(dir)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("remove {}", Self::path(dir).display()))
            }
            _ => Ok(()),
        }
    }

    /// The progress of lesson `id`, created on first use.
    pub fn lesson(&mut self, id: &str) -> &mut LessonProgress {
        self.lessons.entry(id.to_string()).or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_resets() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Progress::load(dir.path()).unwrap();
        assert_eq!(p.current, None);
        p.current = Some("01-docker-basics".into());
        let l = p.lesson("01-docker-basics");
        l.step = 2;
        l.passed.insert("hello-ran".into());
        p.save(dir.path()).unwrap();
        let again = Progress::load(dir.path()).unwrap();
        assert_eq!(again, p);
        Progress::reset(dir.path()).unwrap();
        assert_eq!(Progress::load(dir.path()).unwrap().current, None);
    }

    #[test]
    fn a_damaged_file_says_how_to_recover() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), "{not json").unwrap();
        let err = format!("{:#}", Progress::load(dir.path()).unwrap_err());
        assert!(err.contains("is damaged; delete it to start over"), "{err}");
    }
}
