//! The shell: pipes, redirections, lists, quoting, variables, substitution, globbing,
//! `cd`, exit codes, `test`/`[`, scripts and shebangs.

use std::process::Command;

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

/// Patterns in parameter expansions, `case` and globs (the toolbox's brush-core matches
/// plain `*` patterns without a regex, `vendor/README.md`): the same answers as bash's.
#[test]
fn patterns_match_as_bash_matches_them() {
    let script = r#"
mkdir -p pat && cd pat && touch a.sh b.sh .hidden.sh x.txt 'sp ace.sh' 'ü.sh' && cd ..
echo pat/*.sh; echo pat/*; echo pat/*x*; echo pat/*.none; echo pat/?.sh pat/[ab].sh
for v in "" a / /docker-entrypoint.sh /a/b/c.tar.gz abcabc 'héllo/wörld.txt' 'a b*c' '**' \
    a.b.c 'x/y/'; do
  printf '%s|%s|%s|%s|%s|%s|%s\n' "${v##*/}" "${v#*/}" "${v%%.*}" "${v%.*}" "${v##*b}" \
    "${v%%b*}" "${v#a*}"
  for p in 'a*' '*c' '*b*' 'a*c' '*' '' 'abc*abc' '*.sh' 'h*o/*' '*/' '**' 'a?c' '[ab]*' \
      '*\**' '*.*.*'; do
    case "$v" in $p) printf 1 ;; *) printf 0 ;; esac
    [ "${v##$p}" = "$v" ] && printf s || printf r
  done
  echo
done
"#;
    let tb = Toolbox::new();
    let (ours, code) = tb.sh(script);
    assert_eq!(code, 0, "{ours}");
    let bash = Command::new("bash")
        .current_dir(tempfile::tempdir().unwrap().path())
        .args(["-c", script])
        .output()
        .unwrap();
    assert!(bash.status.success());
    assert_eq!(ours, String::from_utf8(bash.stdout).unwrap());
    assert!(
        ours.starts_with("pat/a.sh pat/b.sh pat/sp ace.sh pat/ü.sh\n"),
        "{ours}"
    );
}

/// A value with a newline takes the regular expression's way, as before the patch: a
/// pattern with a bracket (always a regular expression) answers the same.
#[test]
fn patterns_on_values_with_newlines_answer_as_before() {
    let tb = Toolbox::new();
    let (out, code) = tb.sh("v='ab\ncd'; \
         printf '%s|%s|%s|%s\n' \"${v##*b}\" \"${v##*[b]}\" \"${v%%c*}\" \"${v%%[c]*}\"; \
         case \"$v\" in a*d) printf 1;; *) printf 0;; esac; \
         case \"$v\" in a*[d]) printf 1;; *) printf 0;; esac");
    assert_eq!(code, 0, "{out:?}");
    let (expansions, cases) = out.rsplit_once('\n').unwrap();
    let parts: Vec<&str> = expansions.split('|').collect();
    assert_eq!(parts.len(), 4, "{out:?}");
    assert_eq!(parts[0], parts[1], "{out:?}");
    assert_eq!(parts[2], parts[3], "{out:?}");
    assert!(cases == "11" || cases == "00", "{out:?}");
}
