//! The book's examples run. Every `docker …` command shown in the book (`book/src/**/*.md`,
//! except the generated `reference/`) is executed on a private engine, page by page in the
//! order of the page, and must succeed. Root only (it starts real containers).
//!
//! The rules, for authors of the book:
//! - Blocks looked at: fenced blocks whose info string starts with `console`, `sh`, `bash`,
//!   `shell` or `docker`. Any other block (`text`, `yaml`, `markdown`…) is never run.
//! - In a `console` block only lines starting with `$ ` are commands (the others are their
//!   output); in the other blocks every line is (a leading `$ ` is allowed). A line ending
//!   in `\` continues on the next (a `> ` prompt there is dropped).
//! - A command is a docker command, and is run, when it starts with `docker` or
//!   `dockerlings docker` (after an optional `sudo`). Everything else — `cargo …`,
//!   `dockerlings lab …`, `curl …`, comments — is not run. So the commands before and after a
//!   docker command on one line (`docker ps -q | wc -l`) run with it, through `/bin/sh -c`.
//! - **Expected failures**: tag the block `should-fail` (```` ```console,should-fail ````):
//!   each of its commands must exit non-zero — for the errors a page shows on purpose.
//! - Skipped, with the reason printed: commands that need a terminal or Ctrl-C — `run`/`exec`
//!   with `-t` but without `-d`, `start -i`, `stats` without `--no-stream`, `logs -f`.
//! - Each page gets a fresh engine, working directory and data directory; `docker` and
//!   `dockerlings` on PATH are the binary under test; `DOCKERLINGS_OFFLINE=1`, so images come
//!   from the built-in catalogue. A command must end within 60 s. Published ports listen on
//!   the host. The test sends no traffic itself; an example may reach only 127.0.0.1 and the
//!   engine's own namespaces (the project's network rule).
//!
//! Every command is printed as it runs (to the test's stderr, uncaptured), and the test fails
//! when the book has no docker command at all. Its links are checked too (`links`).

mod links;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use comrak::nodes::NodeValue;
use comrak::{parse_document, Arena, Options};

use dockerlings::docker::commands;
use dockerlings::docker::spec::{self, Action};

/// The info-string tag of a block whose commands must fail.
const SHOULD_FAIL: &str = "should-fail";
/// Block languages whose lines are looked at.
const RUN_LANGS: &[&str] = &["console", "sh", "bash", "shell", "docker"];
const TIME_LIMIT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// Run it; it must succeed (`true`) or fail (`false`).
    Run { succeed: bool },
    /// Not run, for this reason.
    Skip(&'static str),
}

/// One docker command of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Example {
    line: usize,
    command: String,
    verdict: Verdict,
}

/// The docker commands of one page, in order; problems with tags go to `problems`.
fn examples(text: &str, problems: &mut Vec<String>) -> Vec<Example> {
    let arena = Arena::new();
    let mut options = Options::default();
    options.extension.table = true;
    let root = parse_document(&arena, text, &options);
    let mut found = Vec::new();
    for node in root.descendants() {
        let data = node.data.borrow();
        let NodeValue::CodeBlock(code) = &data.value else {
            continue;
        };
        if !code.fenced {
            continue;
        }
        let mut words = code.info.split([',', ' ', '\t']).filter(|w| !w.is_empty());
        let lang = words.next().unwrap_or("");
        let tags: Vec<&str> = words.collect();
        if !RUN_LANGS.contains(&lang) {
            continue;
        }
        let first_line = data.sourcepos.start.line + 1;
        for tag in &tags {
            if *tag != SHOULD_FAIL && tag.contains("fail") {
                problems.push(format!(
                    "line {}: unknown tag {tag:?} (the tag for expected failures is {SHOULD_FAIL:?})",
                    first_line - 1
                ));
            }
        }
        let succeed = !tags.contains(&SHOULD_FAIL);
        for (line, command) in commands_of_block(&code.literal, lang == "console") {
            let Some(command) = docker_command(&command) else {
                continue;
            };
            let verdict = match needs_terminal(&command) {
                Some(reason) => Verdict::Skip(reason),
                None => Verdict::Run { succeed },
            };
            found.push(Example {
                line: first_line + line,
                command,
                verdict,
            });
        }
    }
    found
}

/// The command lines of a block with their line offsets: `$ ` lines in a console block,
/// every non-empty line elsewhere; `\` continuations joined.
fn commands_of_block(literal: &str, console: bool) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (n, raw) in literal.lines().enumerate() {
        let line = match pending.take() {
            Some((start, mut text)) => {
                let more = raw.trim_start();
                text.push_str(more.strip_prefix("> ").unwrap_or(more));
                (start, text)
            }
            None => {
                let body = if console {
                    match raw.strip_prefix("$ ") {
                        Some(b) => b,
                        None => continue,
                    }
                } else {
                    raw.strip_prefix("$ ").unwrap_or(raw)
                };
                (n, body.to_string())
            }
        };
        match line.1.strip_suffix('\\') {
            Some(head) => pending = Some((line.0, format!("{} ", head.trim_end()))),
            None if !line.1.trim().is_empty() => out.push((line.0, line.1.trim().to_string())),
            None => {}
        }
    }
    out.extend(pending);
    out
}

/// The line as it runs here (without `sudo`: the test is root) when it is a docker command.
fn docker_command(line: &str) -> Option<String> {
    let line = line.trim();
    let line = line
        .strip_prefix("sudo ")
        .map(str::trim_start)
        .unwrap_or(line);
    let words = shell_words(line);
    let is_docker = match words.as_slice() {
        [first, ..] if first == "docker" => true,
        [first, second, ..] if first == "dockerlings" && second == "docker" => true,
        _ => false,
    };
    is_docker.then(|| line.to_string())
}

/// The words of the first simple command of a shell line (quotes and backslashes undone;
/// stops at `|`, `;`, `&`, `<`, `>`, `(`, `)` or a comment). Enough to read docker flags.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    w.push(q);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => w.extend(chars.next()),
                        _ => w.push(q),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            '#' if word.is_none() => break,
            '|' | ';' | '&' | '<' | '>' | '(' | ')' => break,
            c if c.is_whitespace() => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// Why a docker command cannot run here (it needs a terminal or Ctrl-C), read with the
/// front-end's own parser.
fn needs_terminal(line: &str) -> Option<&'static str> {
    let words = shell_words(line);
    let mut args: &[String] = if words[0] == "docker" {
        &words[1..]
    } else {
        &words[2..]
    };
    while args
        .first()
        .is_some_and(|a| a == "--xray" || a == "-D" || a == "--debug")
    {
        args = &args[1..];
    }
    let first = args.first()?;
    let resolved = if commands::group_description(first).is_some() {
        commands::find_in_group(first, args.get(1)?)?
    } else {
        commands::find_top_level(first)?
    };
    let m = spec::parse(resolved.spec, &args[resolved.consumed..]).ok()?;
    match resolved.spec.action {
        Action::ContainerRun | Action::ContainerExec if m.flag("tty") && !m.flag("detach") => {
            Some("needs a terminal: -t without -d")
        }
        Action::ContainerStart if m.flag("interactive") => Some("needs a terminal: start -i"),
        Action::ContainerStats if !m.flag("no-stream") => {
            Some("runs until Ctrl-C: stats without --no-stream")
        }
        Action::ContainerLogs if m.flag("follow") => Some("runs until Ctrl-C: logs -f"),
        _ => None,
    }
}

/// A private engine, working directory and `docker` for one page; cleaned up when dropped.
struct PageEnv {
    scratch: tempfile::TempDir,
    /// Short: unix socket paths below it must fit in 108 bytes.
    run: tempfile::TempDir,
}

impl PageEnv {
    fn new() -> Self {
        let scratch = tempfile::Builder::new()
            .prefix("dl-book-")
            .tempdir()
            .unwrap();
        for dir in ["root", "home", "work", "bin", "out"] {
            std::fs::create_dir(scratch.path().join(dir)).unwrap();
        }
        let program = env!("CARGO_BIN_EXE_dockerlings");
        for (name, args) in [("docker", " docker"), ("dockerlings", "")] {
            let path = scratch.path().join("bin").join(name);
            std::fs::write(&path, format!("#!/bin/sh\nexec '{program}'{args} \"$@\"\n")).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Self {
            scratch,
            run: tempfile::Builder::new()
                .prefix("db")
                .tempdir_in("/tmp")
                .unwrap(),
        }
    }

    fn dir(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    fn command(&self, line: &str) -> Command {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![self.dir("bin")];
        paths.extend(std::env::split_paths(&path));
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(line)
            .current_dir(self.dir("work"))
            .env("PATH", std::env::join_paths(paths).unwrap())
            .env("DOCKERLINGS_ROOT", self.dir("root"))
            .env("DOCKERLINGS_RUN", self.run.path())
            .env("DOCKERLINGS_HOME", self.dir("home"))
            .env("DOCKERLINGS_OFFLINE", "1")
            .env("LANG", "C.UTF-8")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "80")
            .env_remove("DOCKERLINGS_LESSONS")
            .env_remove("DOCKERLINGS_LABS")
            .stdin(Stdio::null());
        command
    }

    /// Runs one line; (exit code or `None` when killed after the time limit, its output).
    fn run(&self, line: &str) -> (Option<i32>, String) {
        use std::os::unix::process::CommandExt;
        // Output to files, not pipes: a process left running must not hold the test.
        let out_path = self.dir("out").join("output");
        let out = std::fs::File::create(&out_path).unwrap();
        let mut child = self
            .command(line)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0)
            .spawn()
            .unwrap();
        let started = Instant::now();
        let code = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status.code().or(Some(128));
            }
            if started.elapsed() > TIME_LIMIT {
                let group = nix::unistd::Pid::from_raw(child.id() as i32);
                let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let bytes = std::fs::read(&out_path).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        // The end of the output says what went wrong; keep it short.
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        (code, tail.join("\n"))
    }

    fn docker(&self, args: &str) -> String {
        let out = self.command(&format!("docker {args}")).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Removes every container, then checks that no mount is left under the engine's root.
    fn clean(&self) -> Option<String> {
        for id in self.docker("ps -aq --no-trunc").split_whitespace() {
            self.docker(&format!("rm -f -v {id}"));
            dockerlings_runtime::shim::cgroup::kill_all(id, Duration::from_secs(5));
            dockerlings_runtime::shim::cgroup::remove(id);
        }
        let _ = dockerlings_runtime::network::labhost::teardown(self.run.path());
        let root = self.scratch.path().display().to_string();
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        mounts
            .contains(&root)
            .then(|| format!("a mount under {root} is left after removing every container"))
    }
}

impl Drop for PageEnv {
    fn drop(&mut self) {
        self.clean();
    }
}

/// `book/src/**/*.md` without the generated reference, sorted.
fn pages(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "reference") {
                pages(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// Printed as it happens, past the test harness's capture, so the log shows every command.
fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

#[test]
fn every_docker_command_in_the_book_runs() {
    if !nix::unistd::Uid::effective().is_root() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the book's examples need root in CI"
        );
        eprintln!("skipping: the book's examples need root");
        return;
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let mut files = Vec::new();
    pages(&src, &mut files);
    let mut failures = Vec::new();
    let (mut ran, mut meant_to_fail, mut skipped, mut pages_run) = (0, 0, 0, 0);
    for file in &files {
        let name = file.strip_prefix(&src).unwrap().display().to_string();
        let text = std::fs::read_to_string(file).unwrap();
        let mut problems = Vec::new();
        let examples = examples(&text, &mut problems);
        failures.extend(problems.into_iter().map(|p| format!("{name}: {p}")));
        if examples.is_empty() {
            continue;
        }
        pages_run += 1;
        let env = PageEnv::new();
        for example in &examples {
            let at = format!("{name}:{}", example.line);
            let succeed = match example.verdict {
                Verdict::Skip(reason) => {
                    skipped += 1;
                    say(&format!("book {at}: skip  {}  ({reason})", example.command));
                    continue;
                }
                Verdict::Run { succeed } => succeed,
            };
            let started = Instant::now();
            let (code, output) = env.run(&example.command);
            let took = started.elapsed().as_secs_f64();
            ran += 1;
            let problem = match (code, succeed) {
                (None, _) => Some(format!("did not end within {}s", TIME_LIMIT.as_secs())),
                (Some(0), true) => None,
                (Some(c), true) => Some(format!("exited {c}")),
                (Some(0), false) => Some(format!("succeeded, but its block is {SHOULD_FAIL}")),
                (Some(_), false) => None,
            };
            if !succeed {
                meant_to_fail += 1;
            }
            let mark = match (&problem, succeed) {
                (Some(_), _) => "FAIL ",
                (None, true) => "ok   ",
                (None, false) => "fails",
            };
            say(&format!(
                "book {at}: {mark} {}  ({took:.1}s, exit {})",
                example.command,
                code.map_or("-".to_string(), |c| c.to_string())
            ));
            if let Some(problem) = problem {
                failures.push(format!("{at}: `{}` {problem}:\n{output}", example.command));
            }
        }
        if let Some(leak) = env.clean() {
            failures.push(format!("{name}: {leak}"));
        }
    }
    say(&format!(
        "book examples: {ran} docker commands run on {pages_run} pages ({meant_to_fail} meant to fail), {skipped} skipped"
    ));
    assert!(
        failures.is_empty(),
        "{} book example(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(ran > 0, "the book shows no docker command to run");
}

mod extraction {
    use super::*;

    fn commands(text: &str) -> Vec<(usize, String, Verdict)> {
        let mut problems = Vec::new();
        let found = examples(text, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        found
            .into_iter()
            .map(|e| (e.line, e.command, e.verdict))
            .collect()
    }

    const OK: Verdict = Verdict::Run { succeed: true };

    #[test]
    fn console_prompts_sh_lines_and_docker_blocks() {
        let page = "# Page\n\n```console\n$ docker run -d --name web nginx\nabc123\n$ cargo run\n$ sudo dockerlings docker ps\n```\n\n```sh\ndockerlings learn 02\ndocker stop $(docker ps -q)   # all of them\n```\n\n```docker\ndocker images\n```\n\n```text\n$ docker rm web\n```\n";
        assert_eq!(
            commands(page),
            vec![
                (4, "docker run -d --name web nginx".to_string(), OK),
                (7, "dockerlings docker ps".to_string(), OK),
                (
                    12,
                    "docker stop $(docker ps -q)   # all of them".to_string(),
                    OK
                ),
                (16, "docker images".to_string(), OK),
            ]
        );
    }

    #[test]
    fn should_fail_blocks_continuations_and_nested_fences() {
        let page = "```console,should-fail\n$ docker rm web\nError response from daemon: No such container: web\n```\n\n```sh\ndocker run -d \\\n  --name web nginx\n```\n\n````markdown\n```docker\ndocker rm -f web\n```\n````\n";
        assert_eq!(
            commands(page),
            vec![
                (
                    2,
                    "docker rm web".to_string(),
                    Verdict::Run { succeed: false }
                ),
                (7, "docker run -d --name web nginx".to_string(), OK),
            ]
        );
        let mut problems = Vec::new();
        examples("```console,fails\n$ docker rm x\n```\n", &mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
    }

    #[test]
    fn terminal_commands_are_skipped() {
        let skip = |line: &str| needs_terminal(line);
        assert!(skip("docker run -it ubuntu bash").is_some());
        assert!(skip("docker container run -ti --rm ubuntu").is_some());
        assert!(skip("dockerlings docker exec -it web sh").is_some());
        assert!(skip("docker start -ai u").is_some());
        assert!(skip("docker stats").is_some());
        assert!(skip("docker logs -f web").is_some());
        assert_eq!(skip("docker run -itd --name u ubuntu"), None);
        assert_eq!(skip("docker run --rm ubuntu ls -t"), None);
        assert_eq!(skip("docker stats --no-stream"), None);
        assert_eq!(skip("docker stop -t 1 web"), None);
        assert_eq!(skip("docker exec web ls | grep -t x"), None);
    }

    #[test]
    fn shell_words_undo_quotes() {
        assert_eq!(
            shell_words(r#"docker run -e 'A=b c' "x\"y" a\ b | wc"#),
            ["docker", "run", "-e", "A=b c", "x\"y", "a b"]
        );
        assert_eq!(docker_command("cargo run"), None);
        assert_eq!(docker_command("dockerlings lab list"), None);
        assert_eq!(
            docker_command("sudo docker ps"),
            Some("docker ps".to_string())
        );
    }
}
