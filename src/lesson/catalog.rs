//! The lessons the program ships: `lessons/<lang>/NN-slug.md`, embedded in the binary (so
//! `dockerlings` works from anywhere), or read from a directory for authors. Here too the
//! rules that tie a ko file to its en twin.

use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};

use super::model::Lesson;
use super::parse::{parse, LessonError};

/// The languages lessons are written in.
pub const LANGS: [&str; 2] = ["ko", "en"];

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/lessons");
static EMBEDDED_LABS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/labs");

/// Lessons or labs: the same format, in two folders; labs have a `[lab]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Lesson,
    Lab,
}

impl Kind {
    /// The folder they live in (`lessons`, `labs`).
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Lesson => "lessons",
            Kind::Lab => "labs",
        }
    }
}

/// One lesson file's text and where it is.
#[derive(Debug, Clone)]
pub struct LessonFile {
    pub lang: String,
    /// `lessons/<lang>/<name>.md`, for messages.
    pub path: PathBuf,
    pub text: String,
}

/// The lesson files built into the binary, sorted by language then name.
pub fn embedded() -> Vec<LessonFile> {
    embedded_files(&EMBEDDED, Kind::Lesson)
}

/// The lab files built into the binary, sorted by language then name.
pub fn embedded_labs() -> Vec<LessonFile> {
    embedded_files(&EMBEDDED_LABS, Kind::Lab)
}

fn embedded_files(root: &Dir<'static>, kind: Kind) -> Vec<LessonFile> {
    let mut files = Vec::new();
    for lang in LANGS {
        let Some(dir) = root.get_dir(lang) else {
            continue;
        };
        for file in dir.files() {
            if file.path().extension().is_some_and(|e| e == "md") {
                files.push(LessonFile {
                    lang: lang.to_string(),
                    path: Path::new(kind.folder()).join(file.path()),
                    text: file.contents_utf8().unwrap_or_default().to_string(),
                });
            }
        }
    }
    files.sort_by(|a, b| (&a.lang, &a.path).cmp(&(&b.lang, &b.path)));
    files
}

/// The lesson files under `root` (`<root>/<lang>/*.md`), for authors.
pub fn from_dir(root: &Path) -> std::io::Result<Vec<LessonFile>> {
    let mut files = Vec::new();
    for lang in LANGS {
        let dir = root.join(lang);
        if !dir.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "md") {
                files.push(LessonFile {
                    lang: lang.to_string(),
                    text: std::fs::read_to_string(&path)?,
                    path,
                });
            }
        }
    }
    files.sort_by(|a, b| (&a.lang, &a.path).cmp(&(&b.lang, &b.path)));
    Ok(files)
}

/// All lessons of one language, in order (by file name).
pub fn lessons(files: &[LessonFile], lang: &str) -> Result<Vec<Lesson>, LessonError> {
    files
        .iter()
        .filter(|f| f.lang == lang)
        .map(parse_file)
        .collect()
}

fn parse_file(file: &LessonFile) -> Result<Lesson, LessonError> {
    let lesson = parse(&file.path, &file.text)?;
    let stem = file.path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if lesson.meta.id != stem {
        return Err(LessonError {
            file: file.path.clone(),
            line: 2,
            message: format!("id `{}` must be the file name `{stem}`", lesson.meta.id),
        });
    }
    Ok(lesson)
}

/// Every problem with a set of lesson files: parse errors, and ko/en twins that differ in
/// what they ask (steps, commands to solve and set up, checks).
pub fn validate(files: &[LessonFile], kind: Kind) -> Vec<String> {
    let mut problems = Vec::new();
    let mut parsed: Vec<(String, Lesson)> = Vec::new();
    for file in files {
        match parse_file(file) {
            Ok(lesson) => {
                match (kind, &lesson.meta.lab) {
                    (Kind::Lab, None) => problems.push(format!(
                        "{}:1: a lab needs a `[lab]` table in its front matter",
                        file.path.display()
                    )),
                    (Kind::Lesson, Some(_)) => problems.push(format!(
                        "{}:1: a lesson has no `[lab]` table (labs live in labs/)",
                        file.path.display()
                    )),
                    _ => {}
                }
                parsed.push((file.lang.clone(), lesson))
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    let ids = |lang: &str| -> Vec<String> {
        let mut v: Vec<String> = files
            .iter()
            .filter(|f| f.lang == lang)
            .filter_map(|f| f.path.file_stem()?.to_str().map(str::to_string))
            .collect();
        v.sort();
        v
    };
    let (ko_ids, en_ids) = (ids("ko"), ids("en"));
    let folder = kind.folder();
    for id in ko_ids.iter().filter(|i| !en_ids.contains(i)) {
        problems.push(format!(
            "{folder}/en/{id}.md: missing ({folder}/ko/{id}.md exists)"
        ));
    }
    for id in en_ids.iter().filter(|i| !ko_ids.contains(i)) {
        problems.push(format!(
            "{folder}/ko/{id}.md: missing ({folder}/en/{id}.md exists)"
        ));
    }
    for (lang, ko) in parsed.iter().filter(|(l, _)| l == "ko") {
        debug_assert_eq!(lang, "ko");
        if let Some((_, en)) = parsed
            .iter()
            .find(|(l, e)| l == "en" && e.meta.id == ko.meta.id)
        {
            problems.extend(compare(ko, en));
        }
    }
    problems
}

/// How a ko lesson and its en twin differ in substance (texts may differ; nothing else).
pub fn compare(ko: &Lesson, en: &Lesson) -> Vec<String> {
    let at = |l: &Lesson, line: usize| format!("{}:{line}", l.source.display());
    let mut problems = Vec::new();
    if ko.meta.chapter != en.meta.chapter
        || ko.meta.images != en.meta.images
        || ko.meta.lab != en.meta.lab
    {
        problems.push(format!(
            "{}: `chapter`/`images`/`[lab]` differ from {}",
            at(en, 2),
            ko.source.display()
        ));
    }
    if ko.steps.len() != en.steps.len() {
        problems.push(format!(
            "{}: {} steps, but {} has {}",
            at(en, 1),
            en.steps.len(),
            ko.source.display(),
            ko.steps.len()
        ));
        return problems;
    }
    for (n, (k, e)) in ko.steps.iter().zip(&en.steps).enumerate() {
        let step = n + 1;
        let strip = |s: &super::model::Step| -> Vec<crate::check::CheckSpec> {
            s.checks
                .iter()
                .map(|c| crate::check::CheckSpec {
                    text: None,
                    ..c.spec.clone()
                })
                .collect()
        };
        if strip(k) != strip(e) {
            problems.push(format!(
                "{}: step {step}'s checks differ from {}:{}",
                at(en, e.line),
                ko.source.display(),
                k.line
            ));
        }
        let mistakes = |s: &super::model::Step| -> Vec<(Vec<String>, Vec<String>)> {
            s.mistakes
                .iter()
                .map(|m| (m.commands.clone(), m.fails.clone()))
                .collect()
        };
        if k.solution != e.solution || k.setup != e.setup || mistakes(k) != mistakes(e) {
            problems.push(format!(
                "{}: step {step}'s solution/setup/mistakes differ from {}:{}",
                at(en, e.line),
                ko.source.display(),
                k.line
            ));
        }
        if k.hints.len() != e.hints.len() {
            problems.push(format!(
                "{}: step {step} has {} hints, {}:{} has {}",
                at(en, e.line),
                e.hints.len(),
                ko.source.display(),
                k.line,
                k.hints.len()
            ));
        }
    }
    problems
}
