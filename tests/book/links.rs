//! The book's links resolve, as mdBook renders them: every page is in SUMMARY.md (mdBook
//! renders nothing else), every link between pages points at a file inside `book/src` that
//! SUMMARY.md lists, every `#anchor` at a heading (or an HTML `id`) of its page — with
//! mdBook's own heading ids — and no text is a link with no target (`[like this]`, which
//! renders as brackets). Web links are not followed. Runs without root, on every `cargo test`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use comrak::nodes::{AstNode, NodeValue};
use comrak::options::BrokenLinkReference;
use comrak::{parse_document, Arena, Options};

/// What one page offers and asks for.
#[derive(Default)]
struct Page {
    /// Heading ids as mdBook makes them, and `id="…"` attributes of raw HTML.
    anchors: BTreeSet<String>,
    /// (line, url) of every link and image.
    links: Vec<(usize, String)>,
    /// `line: [text]` that looks like a link but has no target.
    unresolved: Vec<String>,
}

/// mdBook's `id_from_content`: lowercase; letters, digits, `_` and `-` kept; whitespace to
/// `-`; everything else dropped.
fn heading_id(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c)
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

fn plain_text<'a>(node: &'a AstNode<'a>) -> String {
    let mut text = String::new();
    for n in node.descendants() {
        match &n.data.borrow().value {
            NodeValue::Text(t) => text.push_str(t),
            NodeValue::Code(c) => text.push_str(&c.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak => text.push(' '),
            _ => {}
        }
    }
    text
}

fn html_ids(html: &str, into: &mut BTreeSet<String>) {
    for part in html.split("id=\"").skip(1) {
        if let Some(end) = part.find('"') {
            into.insert(part[..end].to_string());
        }
    }
}

fn read_page(text: &str) -> Page {
    let unresolved = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&unresolved);
    let callback = move |link: BrokenLinkReference| {
        seen.lock().unwrap().push(format!("[{}]", link.original));
        None
    };
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.footnotes = true;
    options.extension.strikethrough = true;
    options.parse.broken_link_callback = Some(Arc::new(callback));
    let arena = Arena::new();
    let root = parse_document(&arena, text, &options);
    let mut page = Page::default();
    let mut used = BTreeSet::new();
    for node in root.descendants() {
        let data = node.data.borrow();
        match &data.value {
            NodeValue::Heading(_) => {
                let text = plain_text(node);
                // `## Title {#custom-id}` sets the id itself.
                let id = match text
                    .trim_end()
                    .strip_suffix('}')
                    .and_then(|t| t.rsplit_once("{#"))
                {
                    Some((_, custom)) => custom.to_string(),
                    None => heading_id(&text),
                };
                // mdBook makes repeated ids unique with -1, -2, …
                let mut unique = id.clone();
                let mut n = 0;
                while !used.insert(unique.clone()) {
                    n += 1;
                    unique = format!("{id}-{n}");
                }
                page.anchors.insert(unique);
            }
            NodeValue::HtmlBlock(html) => html_ids(&html.literal, &mut page.anchors),
            NodeValue::HtmlInline(html) => html_ids(html, &mut page.anchors),
            NodeValue::Link(link) | NodeValue::Image(link) => {
                page.links
                    .push((data.sourcepos.start.line, link.url.clone()));
            }
            _ => {}
        }
    }
    // The callback does not say where; the first occurrence does.
    page.unresolved = unresolved
        .lock()
        .unwrap()
        .iter()
        .map(|label| match text.find(label.as_str()) {
            Some(at) => format!("{}: {label}", text[..at].lines().count().max(1)),
            None => label.clone(),
        })
        .collect();
    page
}

/// `a/./b/../c` → `a/c`; `None` when it climbs out of the root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Every problem with the links of the book under `src`, as `page:line: what`.
fn problems(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    markdown_files(src, src, &mut files);
    let pages: BTreeMap<PathBuf, Page> = files
        .iter()
        .map(|f| {
            (
                f.clone(),
                read_page(&std::fs::read_to_string(src.join(f)).unwrap()),
            )
        })
        .collect();
    let summary = Path::new("SUMMARY.md");
    let chapters: BTreeSet<PathBuf> = pages
        .get(summary)
        .map(|p| {
            p.links
                .iter()
                .filter_map(|(_, url)| normalize(Path::new(url)))
                .collect()
        })
        .unwrap_or_default();
    let mut problems = Vec::new();
    if chapters.is_empty() {
        problems.push("SUMMARY.md: lists no chapter".to_string());
    }
    for chapter in &chapters {
        if !pages.contains_key(chapter) {
            problems.push(format!("SUMMARY.md: {} does not exist", chapter.display()));
        }
    }
    for file in pages.keys() {
        if file != summary && !chapters.contains(file) {
            problems.push(format!(
                "{}: not in SUMMARY.md, so mdBook does not render it",
                file.display()
            ));
        }
    }
    for (file, page) in &pages {
        let name = file.display();
        for text in &page.unresolved {
            problems.push(format!(
                "{name}:{text} reads as a link with no target (escape the brackets: \\[…\\])"
            ));
        }
        if file == summary {
            // Its links are the chapters, checked above.
            continue;
        }
        for (line, url) in &page.links {
            if url.contains("://") || url.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match url.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (url.as_str(), None),
            };
            let target = if path.is_empty() {
                file.clone()
            } else {
                let joined = file.parent().unwrap_or(Path::new("")).join(path);
                match normalize(&joined) {
                    Some(t) => t,
                    None => {
                        problems.push(format!("{name}:{line}: {url} leaves the book"));
                        continue;
                    }
                }
            };
            if !src.join(&target).exists() {
                problems.push(format!("{name}:{line}: {url}: no such file"));
                continue;
            }
            let is_page = target.extension().is_some_and(|e| e == "md");
            if is_page && !chapters.contains(&target) {
                problems.push(format!(
                    "{name}:{line}: {url}: {} is not in SUMMARY.md, so mdBook does not render it",
                    target.display()
                ));
            }
            if let (Some(anchor), Some(target_page)) = (anchor, pages.get(&target)) {
                if !target_page.anchors.contains(anchor) {
                    problems.push(format!(
                        "{name}:{line}: {url}: {} has no heading with id #{anchor}",
                        target.display()
                    ));
                }
            }
        }
    }
    problems
}

fn markdown_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            markdown_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path.strip_prefix(root).unwrap().to_path_buf());
        }
    }
    out.sort();
}

#[test]
fn every_link_in_the_book_resolves() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let problems = problems(&src);
    assert!(
        problems.is_empty(),
        "{} broken link(s) in the book:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_checker_finds_each_kind_of_broken_link() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir(src.join("sub")).unwrap();
    std::fs::write(
        src.join("SUMMARY.md"),
        "# Summary\n\n- [A](a.md)\n- [B](sub/b.md)\n- [Gone](gone.md)\n",
    )
    .unwrap();
    std::fs::write(
        src.join("a.md"),
        "# Page A\n\n## Run `docker ps`, then stop\n\n## Twice\n\n## Twice\n\n<a id=\"raw\"></a>\n\n\
         [ok](sub/b.md#b-heading) [ok](#run-docker-ps-then-stop) [ok](#twice-1) [ok](#raw) \
         [web](https://example.com/x) [ok][r] \\[escaped\\]\n\n[r]: sub/b.md\n\n\
         [bad anchor](#nope) [missing](nothing.md) [outside](../x.md) [unlisted](c.md)\n\n\
         | a | 87% [66–92%] |\n|---|---|\n",
    )
    .unwrap();
    std::fs::write(src.join("sub/b.md"), "# B heading\n\n[up](../a.md#twice)\n").unwrap();
    std::fs::write(src.join("c.md"), "# C\n").unwrap();
    let found = problems(src);
    let expected = [
        "SUMMARY.md: gone.md does not exist",
        "a.md:17: [66–92%] reads as a link with no target (escape the brackets: \\[…\\])",
        "a.md:15: #nope: a.md has no heading with id #nope",
        "a.md:15: nothing.md: no such file",
        "a.md:15: ../x.md leaves the book",
        "a.md:15: c.md: c.md is not in SUMMARY.md, so mdBook does not render it",
        "c.md: not in SUMMARY.md, so mdBook does not render it",
    ];
    for problem in expected {
        assert!(
            found.iter().any(|p| p == problem),
            "{problem:?} not in {found:#?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
}
