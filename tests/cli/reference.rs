//! The book's command reference (`book/src/reference/`) is what `dockerlings dev reference`
//! generates, and it matches what `dockerlings docker … --help` prints: every name `docker
//! --help` lists has a page, every page is reached from `docker --help`, and each page holds
//! its command's `--help` text verbatim.

use std::collections::BTreeMap;
use std::path::Path;

use super::support::{dockerlings, have_root};

const UPDATE: &str = "run `cargo run -- dev reference` to update";

fn committed_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/reference")
}

/// Every `.md` file of a folder, by name.
fn markdown_files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e} ({UPDATE})", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

/// `dockerlings docker <args>` on a state root that is never opened; its stdout.
fn docker_help(state: &Path, args: &[&str]) -> String {
    let out = dockerlings(state)
        .arg("docker")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The command names under `… Commands:` headings of a help text.
fn listed_commands(help: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut open = false;
    for line in help.lines() {
        if line.ends_with("Commands:") {
            open = true;
        } else if open && line.starts_with("  ") {
            names.push(line.split_whitespace().next().unwrap().to_string());
        } else {
            open = false;
        }
    }
    names
}

#[test]
fn generated_reference_is_the_committed_one() {
    let state = tempfile::tempdir().unwrap();
    let out = state.path().join("reference");
    let run = dockerlings(state.path())
        .args(["dev", "reference", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let generated = markdown_files(&out);
    let committed = markdown_files(&committed_dir());
    assert!(generated.len() > 40, "{} pages", generated.len());
    for (file, text) in &generated {
        match committed.get(file) {
            None => panic!("book/src/reference/{file} is missing: {UPDATE}"),
            Some(c) => assert!(
                c == text,
                "book/src/reference/{file} differs from what the program generates: {UPDATE}"
            ),
        }
    }
    for file in committed.keys() {
        assert!(
            generated.contains_key(file),
            "book/src/reference/{file} is no longer generated: {UPDATE}"
        );
    }
    // A second run over the same folder changes nothing.
    let again = dockerlings(state.path())
        .args(["dev", "reference", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(said.contains("(0 changed, 0 removed)"), "{said}");
}

#[test]
fn reference_matches_docker_help() {
    // `dockerlings docker` asks for root even for `--help`.
    if !have_root("reference_matches_docker_help") {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let pages = markdown_files(&committed_dir());
    let index = pages
        .get("README.md")
        .unwrap_or_else(|| panic!("no README.md: {UPDATE}"));
    let root = docker_help(state.path(), &["--help"]);
    let top = listed_commands(&root);
    assert!(top.len() > 20, "{root}");
    assert!(
        index.contains(root.trim_matches('\n')),
        "README.md does not hold `docker --help` verbatim: {UPDATE}"
    );
    // Every page is reached from `docker --help`, directly or through a group's listing.
    let mut reached = BTreeMap::new();
    for name in &top {
        let file = dockerlings::dev::reference::page_for_top_level_name(name)
            .unwrap_or_else(|| panic!("`docker {name}` (in docker --help) has no page"));
        let page = pages
            .get(&file)
            .unwrap_or_else(|| panic!("`docker {name}`: {file} is missing: {UPDATE}"));
        assert!(
            index.contains(&format!("[`docker {name}`]({file})")),
            "README.md does not link `docker {name}` to {file}: {UPDATE}"
        );
        let mut own = docker_help(state.path(), &[name, "--help"]);
        if dockerlings::docker::commands::group_description(name).is_some() {
            for sub in listed_commands(&own) {
                let spec = dockerlings::docker::commands::find_in_group(name, &sub)
                    .unwrap()
                    .spec;
                let file = dockerlings::dev::reference::page_file(spec);
                let help = docker_help(state.path(), &[name, &sub, "--help"]);
                let sub_page = pages
                    .get(&file)
                    .unwrap_or_else(|| panic!("`docker {name} {sub}`: {file} is missing"));
                assert!(
                    sub_page.contains(help.trim_matches('\n')),
                    "{file} does not hold `docker {name} {sub} --help` verbatim: {UPDATE}"
                );
                assert!(
                    page.contains(&format!("]({file})")),
                    "{name}.md lacks {file}"
                );
                reached.insert(file, ());
            }
        } else {
            // The page shows the canonical form (`docker container run`), not the shortcut.
            let spec = dockerlings::docker::commands::find_top_level(name)
                .unwrap()
                .spec;
            let canonical = spec.canonical_path();
            let words: Vec<&str> = canonical.split(' ').skip(1).collect();
            own = docker_help(state.path(), &[words.as_slice(), &["--help"]].concat());
            assert!(
                page.contains(&format!("# docker {name}\n"))
                    || page.contains(&format!("`docker {name}`")),
                "{file} does not name `docker {name}`"
            );
        }
        assert!(
            page.contains(own.trim_matches('\n')),
            "{file} does not hold the `--help` of `docker {name}` verbatim: {UPDATE}"
        );
        reached.insert(file, ());
    }
    for file in pages.keys().filter(|f| *f != "README.md") {
        assert!(
            reached.contains_key(file),
            "{file} documents a command `docker --help` does not list"
        );
        assert!(
            index.contains(&format!("]({file})")),
            "README.md does not link {file}"
        );
    }
}

/// mdBook renders only the pages SUMMARY.md lists: every reference page is there (as
/// `dev reference --summary` prints them), and every reference entry there is a page.
#[test]
fn summary_lists_every_reference_page() {
    let summary_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/SUMMARY.md");
    let summary = std::fs::read_to_string(&summary_path).unwrap();
    let pages = markdown_files(&committed_dir());
    let lines = dockerlings::dev::reference::summary_lines();
    for file in pages.keys() {
        assert!(
            summary.contains(&format!("](reference/{file})")),
            "book/src/SUMMARY.md does not list reference/{file}, so mdBook does not render it; \
             `cargo run -- dev reference --summary` prints the lines it needs:\n{lines}"
        );
    }
    for listed in summary.split("](reference/").skip(1) {
        let file = listed.split(')').next().unwrap();
        assert!(
            pages.contains_key(file),
            "book/src/SUMMARY.md lists reference/{file}, which is not generated"
        );
    }
}
