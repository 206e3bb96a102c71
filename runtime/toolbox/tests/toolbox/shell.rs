//! The shell: pipes, redirections, lists, quoting, variables, substitution, globbing,
//! `cd`, exit codes, `test`/`[`, scripts and shebangs.

use crate::common::*;

#[test]
fn pipes_substitution_and_variables() {
    let tb = Toolbox::new();
    let (out, code) =
        tb.sh("x=world; echo \"hello $x\" | tr a-z A-Z; y=$(echo sub | wc -c); echo \"n=$y\"");
    assert_eq!(code, 0);
    assert_eq!(out, "HELLO WORLD\nn=4\n");
}

#[test]
fn redirections_and_lists() {
    let tb = Toolbox::new();
    let (out, code) = tb.sh(
        "echo one > f.txt && echo two >> f.txt; cat < f.txt; false || echo recovered; true && false; echo rc=$?; ls nope 2>/dev/null || echo missing",
    );
    assert_eq!(code, 0);
    assert_eq!(out, "one\ntwo\nrecovered\nrc=1\nmissing\n");
}

#[test]
fn quoting_globbing_and_cd() {
    let tb = Toolbox::new();
    let (out, _) = tb.sh("mkdir -p g && touch g/a.txt g/b.txt g/c.log && cd g && echo *.txt && echo '*.txt' \"$PWD\"; pwd");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "a.txt b.txt");
    assert!(
        lines[1].starts_with("*.txt /") && lines[1].ends_with("/g"),
        "{out}"
    );
    assert!(lines[2].ends_with("/g"));
}

#[test]
fn exit_codes_and_test() {
    let tb = Toolbox::new();
    let (_, code) = tb.sh("exit 7");
    assert_eq!(code, 7);
    let (out, _) = tb.sh("[ 3 -gt 2 ] && echo gt; test -d / && echo dir; [ -f /nonexistent ] || echo nofile; test abc = abc && echo eq");
    assert_eq!(out, "gt\ndir\nnofile\neq\n");
    let out = tb.run("[", &["1", "-eq", "2", "]"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn scripts_and_shebangs() {
    let tb = Toolbox::new();
    let script = tb.dir.path().join("s.sh");
    std::fs::write(
        &script,
        format!(
            "#!{}\necho \"script $1\"\nexit 3\n",
            tb.path("sh").display()
        ),
    )
    .unwrap();
    let out = tb.run("sh", &[script.to_str().unwrap(), "arg"]);
    assert_eq!(stdout(&out), "script arg\n");
    assert_eq!(out.status.code(), Some(3));
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (out, code) = tb.sh(&format!("{} again; echo rc=$?", script.display()));
    assert_eq!(out, "script again\nrc=3\n");
    assert_eq!(code, 0);
}

#[test]
fn reads_commands_from_a_pipe() {
    let tb = Toolbox::new();
    let mut child = tb
        .cmd("sh")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"echo from-stdin\nexit 5\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(stdout(&out), "from-stdin\n");
    assert_eq!(out.status.code(), Some(5));
}
