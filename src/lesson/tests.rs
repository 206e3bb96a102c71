use std::path::Path;

use unicode_width::UnicodeWidthStr;

use super::*;

const SAMPLE: &str = include_str!("../../tests/fixtures/lessons/sample.md");

fn sample() -> Lesson {
    parse(Path::new("sample.md"), SAMPLE).unwrap()
}

fn error_of(text: &str) -> String {
    parse(Path::new("lessons/en/bad.md"), text)
        .unwrap_err()
        .to_string()
}

const FRONT: &str = "+++\nid = \"x\"\ntitle = \"X\"\nchapter = \"c.md\"\n+++\n";

#[test]
fn the_sample_parses_into_steps_with_their_blocks() {
    let lesson = sample();
    assert_eq!(lesson.meta.id, "00-sample");
    assert_eq!(lesson.meta.images, ["hello-world", "nginx:alpine"]);
    assert_eq!(lesson.steps.len(), 2);
    let first = &lesson.steps[0];
    assert_eq!(first.title, "Run your first container");
    assert_eq!(first.line, 15);
    assert_eq!(
        first.commands,
        ["docker run --rm hello-world", "docker ps -a"]
    );
    assert_eq!(first.hints.len(), 2);
    assert_eq!(first.solution, ["docker run --rm hello-world"]);
    assert_eq!(first.checks.len(), 1);
    assert_eq!(first.checks[0].id(), "hello-ran");
    assert_eq!(first.checks[0].kind(), "command");
    let second = &lesson.steps[1];
    assert_eq!(second.setup, ["docker rm -f web"]);
    let ids: Vec<&str> = second.checks.iter().map(CheckSource::id).collect();
    assert_eq!(ids, ["web-running", "web-serves"]);
    // The author's HTML comment is not prose.
    let intro = render_blocks(&lesson.intro, RenderOptions::plain(80));
    assert!(!intro.contains("note for authors"), "{intro}");
}

#[test]
fn rendered_sample_plain_80() {
    let lesson = sample();
    let mut out = render_blocks(&lesson.intro, RenderOptions::plain(80));
    for (i, step) in lesson.steps.iter().enumerate() {
        out.push('\n');
        let label = format!("Step {}/{}", i + 1, lesson.steps.len());
        out.push_str(&render_step(step, &label, RenderOptions::plain(80)));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn rendered_sample_plain_40() {
    let lesson = sample();
    let mut out = render_blocks(&lesson.intro, RenderOptions::plain(40));
    out.push('\n');
    out.push_str(&render_step(
        &lesson.steps[1],
        "단계 2/2",
        RenderOptions::plain(40),
    ));
    insta::assert_snapshot!(out);
}

#[test]
fn wrapped_lines_fit_the_width_in_display_columns() {
    let lesson = sample();
    for width in [30, 40, 57, 80] {
        let text = render_blocks(&lesson.steps[1].body, RenderOptions::plain(width))
            + &render_blocks(&lesson.intro, RenderOptions::plain(width));
        for line in text.lines() {
            // Commands and code are never wrapped (they must stay copyable).
            if line.starts_with("  $ ") || line.starts_with("    ") {
                continue;
            }
            assert!(
                line.width() <= width,
                "{width}: {line:?} is {}",
                line.width()
            );
        }
    }
}

#[test]
fn table_columns_line_up_with_hangul() {
    let lesson = sample();
    let text = render_blocks(&lesson.steps[1].body, RenderOptions::plain(100));
    let table: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(['│', '┌', '├', '└']))
        .collect();
    assert!(table.len() >= 5, "{text}");
    let widths: Vec<usize> = table.iter().map(|l| l.width()).collect();
    assert!(widths.iter().all(|w| *w == widths[0]), "{widths:?}\n{text}");
}

#[test]
fn colour_only_when_asked() {
    let lesson = sample();
    let plain = render_blocks(&lesson.steps[0].body, RenderOptions::plain(80));
    assert!(!plain.contains('\u{1b}'));
    colored::control::set_override(true);
    let color = render_blocks(
        &lesson.steps[0].body,
        RenderOptions {
            width: 80,
            color: true,
        },
    );
    assert!(color.contains('\u{1b}'), "{color}");
}

#[test]
fn errors_name_file_and_line() {
    assert_eq!(
        error_of("## Step\n"),
        "lessons/en/bad.md:1: missing front matter (`+++` TOML `+++`)"
    );
    assert_eq!(
        error_of(&format!("{FRONT}\nintro only\n")),
        "lessons/en/bad.md:1: a lesson needs at least one `##` step"
    );
    let unknown =
        error_of("+++\nid = \"x\"\ntitle = \"X\"\nchapter = \"c\"\ncolour = 1\n+++\n## S\n");
    assert!(
        unknown.starts_with("lessons/en/bad.md:5: front matter:"),
        "{unknown}"
    );
    assert!(unknown.contains("colour"), "{unknown}");
    assert_eq!(
        error_of(&format!(
            "{FRONT}\n```check\n[[check]]\nid = \"a\"\nkind = \"x\"\n```\n"
        )),
        "lessons/en/bad.md:7: `check` block before the first `##` step"
    );
    // Line 11 is the bad TOML line inside the block whose fence is on line 9.
    let toml = error_of(&format!(
        "{FRONT}\n## S\n\n```check\n[[check]]\nid = \n```\n"
    ));
    assert!(toml.starts_with("lessons/en/bad.md:11: check:"), "{toml}");
    assert_eq!(
        error_of(&format!(
            "{FRONT}## S\n```check\n[[check]]\nkind = \"container\"\n```\n"
        )),
        "lessons/en/bad.md:7: check: every check needs a string `id`"
    );
    let dup = format!(
        "{FRONT}## S\n```check\n[[check]]\nid = \"a\"\nkind = \"logs\"\ncontainer = \"w\"\ncontains = \"x\"\n```\n## T\n```check\n[[check]]\nid = \"a\"\nkind = \"logs\"\ncontainer = \"w\"\ncontains = \"x\"\n```\n"
    );
    assert_eq!(
        error_of(&dup),
        "lessons/en/bad.md:15: check: duplicate id `a`"
    );
    let typo = error_of(&format!(
        "{FRONT}## S\n```check\n[[check]]\nid = \"a\"\nkind = \"logs\"\ncontainer = \"w\"\n```\n"
    ));
    assert!(
        typo.starts_with("lessons/en/bad.md:7: check: check a: missing field `contains`"),
        "{typo}"
    );
    assert_eq!(
        error_of(&format!("{FRONT}## S\n```solution\n\n```\n")),
        "lessons/en/bad.md:7: empty `solution` block"
    );
    assert_eq!(
        error_of(&format!(
            "{FRONT}## S\n- item\n\n  ```hint\n  nested\n  ```\n"
        )),
        "lessons/en/bad.md:9: `hint` block must be at the top level of a step, not nested"
    );
}

fn file(lang: &str, name: &str, text: &str) -> catalog::LessonFile {
    catalog::LessonFile {
        lang: lang.to_string(),
        path: std::path::PathBuf::from(format!("lessons/{lang}/{name}.md")),
        text: text.to_string(),
    }
}

fn twin(id: &str, body: &str) -> String {
    format!("+++\nid = \"{id}\"\ntitle = \"T\"\nchapter = \"c.md\"\n+++\n{body}")
}

const STEP: &str = "## S\n```check\n[[check]]\nid = \"a\"\nkind = \"container\"\nname = \"web\"\ntext = \"TEXT\"\n```\n```solution\ndocker run -d --name web nginx\n```\n";

#[test]
fn twins_may_differ_only_in_words() {
    let ko = twin("01-x", &STEP.replace("TEXT", "웹 컨테이너가 실행 중"));
    let en = twin("01-x", &STEP.replace("TEXT", "web is running"));
    assert!(catalog::validate(
        &[file("ko", "01-x", &ko), file("en", "01-x", &en)],
        catalog::Kind::Lesson
    )
    .is_empty());

    let other_name = twin("01-x", &STEP.replace("name = \"web\"", "name = \"web2\""));
    let problems = catalog::validate(
        &[file("ko", "01-x", &ko), file("en", "01-x", &other_name)],
        catalog::Kind::Lesson,
    );
    assert_eq!(
        problems,
        ["lessons/en/01-x.md:6: step 1's checks differ from lessons/ko/01-x.md:6"]
    );

    let extra_step = twin("01-x", &format!("{STEP}## T\n"));
    let problems = catalog::validate(
        &[file("ko", "01-x", &ko), file("en", "01-x", &extra_step)],
        catalog::Kind::Lesson,
    );
    assert_eq!(
        problems,
        ["lessons/en/01-x.md:1: 2 steps, but lessons/ko/01-x.md has 1"]
    );

    let problems = catalog::validate(&[file("ko", "01-x", &ko)], catalog::Kind::Lesson);
    assert_eq!(
        problems,
        ["lessons/en/01-x.md: missing (lessons/ko/01-x.md exists)"]
    );

    let wrong_id = twin("02-y", STEP);
    let problems = catalog::validate(
        &[file("ko", "01-x", &wrong_id), file("en", "01-x", &en)],
        catalog::Kind::Lesson,
    );
    assert_eq!(
        problems,
        ["lessons/ko/01-x.md:2: id `02-y` must be the file name `01-x`"]
    );
}

#[test]
fn the_shipped_lessons_are_valid() {
    let files = catalog::embedded();
    let problems = catalog::validate(&files, catalog::Kind::Lesson);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Whitespace runs collapsed to one space, ends trimmed.
fn squashed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// True when `command` occurs in `line` as whole words: at the start or after a space or
/// `(`, and followed by the end, a space, `)`, `|` or `;` (so `docker ps -aq` occurs in
/// `docker stop $(docker ps -aq)`, but `docker ps -a` does not occur in `docker ps -aq`).
fn occurs_in(command: &str, line: &str) -> bool {
    line.match_indices(command).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + command.len()..].chars().next();
        matches!(before, None | Some(' ' | '('))
            && matches!(after, None | Some(' ' | ')' | '|' | ';'))
    })
}

#[test]
fn command_occurrence_is_by_whole_words() {
    assert!(occurs_in("docker ps -aq", "docker stop $(docker ps -aq)"));
    assert!(occurs_in("docker ps", "docker ps"));
    assert!(!occurs_in("docker ps -a", "docker ps -aq"));
    assert!(!occurs_in("docker rm x", "docker rm xy"));
    assert!(!occurs_in("docker rm x", "xdocker rm x"));
}

#[test]
fn shipped_lessons_teach_every_command_of_their_chapter() {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Coverage {
        lessons: std::collections::BTreeMap<String, Listed>,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Listed {
        commands: Vec<String>,
        #[serde(default)]
        prose_only: Vec<String>,
    }
    let coverage: Coverage = toml::from_str(include_str!("../../lessons/coverage.toml"))
        .expect("lessons/coverage.toml parses");
    let files = catalog::embedded();
    let mut missing = Vec::new();
    for lang in catalog::LANGS {
        let lessons = catalog::lessons(&files, lang).expect("shipped lessons parse");
        let shipped: Vec<&str> = lessons.iter().map(|l| l.meta.id.as_str()).collect();
        let listed: Vec<&str> = coverage.lessons.keys().map(String::as_str).collect();
        assert_eq!(
            shipped, listed,
            "{lang}: every shipped lesson is listed, and only those"
        );
        for lesson in &lessons {
            let listed = &coverage.lessons[&lesson.meta.id];
            assert!(
                !listed.commands.is_empty(),
                "{}: no commands",
                lesson.meta.id
            );
            let lines: Vec<String> = lesson
                .steps
                .iter()
                .flat_map(|s| s.commands.iter().chain(&s.solution))
                .map(|l| squashed(l))
                .collect();
            for command in &listed.commands {
                let want = squashed(command);
                if !lines.iter().any(|l| occurs_in(&want, l)) {
                    missing.push(format!("{}: `{want}`", lesson.source.display()));
                }
            }
            let text = files
                .iter()
                .find(|f| f.path == lesson.source)
                .map(|f| squashed(&f.text))
                .unwrap_or_default();
            for command in &listed.prose_only {
                let want = squashed(command);
                if !text.contains(&want) {
                    missing.push(format!("{} (prose): `{want}`", lesson.source.display()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "not taught:\n{}", missing.join("\n"));
}

#[test]
fn shipped_lessons_rendered_plain_80() {
    let files = catalog::embedded();
    assert!(!files.is_empty());
    for file in &files {
        let lesson = parse(&file.path, &file.text).expect("shipped lessons parse");
        let label = if file.lang == "ko" { "단계" } else { "Step" };
        let mut out = render_blocks(&lesson.intro, RenderOptions::plain(80));
        for (i, step) in lesson.steps.iter().enumerate() {
            out.push('\n');
            let label = format!("{label} {}/{}", i + 1, lesson.steps.len());
            out.push_str(&render_step(step, &label, RenderOptions::plain(80)));
        }
        let name = format!("shipped_{}_{}", file.lang, lesson.meta.id);
        insta::assert_snapshot!(name, out);
    }
}
