//! Utilities: ls -l, date, cal, grep, ps, hostname, id, free, top, uptime, package managers.

use crate::common::*;

#[test]
fn ls_long_format() {
    let tb = Toolbox::new();
    let d = tb.dir.path().join("lsdir");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("file.txt"), "12345").unwrap();
    std::fs::write(d.join(".hidden"), "").unwrap();
    let out = stdout(&tb.run("ls", &["-la", d.to_str().unwrap()]));
    let line = out
        .lines()
        .find(|l| l.ends_with("file.txt"))
        .expect("file.txt listed");
    let re = regex::Regex::new(
        r"^-rw-r--r-- 1 \S+ \S+ +5 [A-Z][a-z]{2} [ 0-9]\d (\d\d:\d\d| \d{4}) file\.txt$",
    )
    .unwrap();
    assert!(re.is_match(line), "unexpected ls -l line: {line:?}");
    assert!(out.starts_with("total "));
    assert!(out.lines().any(|l| l.ends_with(".hidden")));
    let plain = stdout(&tb.run("ls", &[d.to_str().unwrap()]));
    assert_eq!(plain, "file.txt\n");
}

#[test]
fn date_formats() {
    let tb = Toolbox::new();
    let out = stdout(&tb.cmd("date").env("TZ", "UTC").output().unwrap());
    let re = regex::Regex::new(
        r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d UTC \d{4}\n$",
    )
    .unwrap();
    assert!(re.is_match(&out), "date printed {out:?}");
    let out = stdout(&tb.run("date", &["-d", "@0", "-u", "+%Y-%m-%d %H:%M"]));
    assert_eq!(out, "1970-01-01 00:00\n");
}

#[test]
fn cal_month_layout() {
    let tb = Toolbox::new();
    let out = stdout(&tb.run("cal", &["11", "2026"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0].trim(), "November 2026");
    assert_eq!(lines[1].trim_end(), "Su Mo Tu We Th Fr Sa");
    assert_eq!(lines[2].trim_end(), " 1  2  3  4  5  6  7");
    assert_eq!(lines[6].trim_end(), "29 30");
    let now = stdout(&tb.run("cal", &[]));
    assert!(now.lines().nth(1).unwrap().starts_with("Su Mo Tu"));
}

#[test]
fn grep_options() {
    let tb = Toolbox::new();
    let f = tb.dir.path().join("g.txt");
    std::fs::write(&f, "apple\nBanana\ncherry pie\napple pie\n").unwrap();
    let p = f.to_str().unwrap();
    assert_eq!(stdout(&tb.run("grep", &["apple", p])), "apple\napple pie\n");
    assert_eq!(
        stdout(&tb.run("grep", &["-i", "-n", "banana", p])),
        "2:Banana\n"
    );
    assert_eq!(stdout(&tb.run("grep", &["-c", "pie", p])), "2\n");
    assert_eq!(
        stdout(&tb.run("grep", &["-v", "pie", p])),
        "apple\nBanana\n"
    );
    assert_eq!(
        stdout(&tb.run("grep", &["-E", "^(apple|cherry) pie$", p])),
        "cherry pie\napple pie\n"
    );
    assert_eq!(
        stdout(&tb.run("grep", &[r"^\(apple\|Banana\)$", p])),
        "apple\nBanana\n"
    );
    let miss = tb.run("grep", &["zzz", p]);
    assert_eq!(miss.status.code(), Some(1));
    let err = tb.run("grep", &["x", "/nonexistent/file"]);
    assert_eq!(err.status.code(), Some(2));
    assert!(stderr(&err).contains("grep: /nonexistent/file: No such file or directory"));
}

#[test]
fn ps_reads_proc() {
    let tb = Toolbox::new();
    let out = stdout(&tb.run("ps", &["aux"]));
    assert!(out.starts_with(
        "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n"
    ));
    let me = std::process::id().to_string();
    // The test process itself is listed with its pid in the PID column.
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().nth(1) == Some(me.as_str())),
        "pid {me} not in ps aux"
    );
    let ef = stdout(&tb.run("ps", &["-ef"]));
    assert!(ef.starts_with("UID          PID    PPID  C STIME TTY          TIME CMD\n"));
    assert!(ef
        .lines()
        .any(|l| l.split_whitespace().nth(1) == Some(me.as_str())));
}

#[test]
fn top_batch_once() {
    let tb = Toolbox::new();
    let out = stdout(&tb.run("top", &["-b", "-n", "1"]));
    assert!(out.starts_with("top - "));
    assert!(out.contains("\nTasks: "));
    assert!(out.contains("\n%Cpu(s):"));
    assert!(out.contains(
        "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n"
    ));
}

#[test]
fn identity_and_system() {
    let tb = Toolbox::new();
    let uid = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    let id = stdout(&tb.run("id", &["-u"]));
    assert_eq!(id.trim(), uid);
    let host = stdout(&tb.run("hostname", &[]));
    assert_eq!(
        host.trim(),
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .unwrap()
            .trim()
    );
    let free = stdout(&tb.run("free", &[]));
    assert!(free.starts_with(
        "               total        used        free      shared  buff/cache   available\nMem: "
    ));
    let up = stdout(&tb.run("uptime", &[]));
    assert!(up.contains(" up ") && up.contains("load average: "), "{up}");
    let uname = stdout(&tb.run("uname", &["-s"]));
    assert_eq!(uname, "Linux\n");
    let which = stdout(&tb.run("which", &["ls"]));
    assert_eq!(which.trim(), tb.path("ls").to_str().unwrap());
}

#[test]
fn package_managers_fail_honestly() {
    let tb = Toolbox::new();
    let out = tb.run("apt-get", &["install", "-y", "curl"]);
    assert_eq!(out.status.code(), Some(100));
    assert!(stderr(&out).contains("E: Unable to locate package curl"));
    assert!(stderr(&out).contains("dockerlings lab image"));
    let out = tb.run("apt-get", &["update"]);
    assert!(stdout(&out).starts_with("Err:1 http://"));
    assert!(stdout(&out).contains("Temporary failure resolving '"));
    let out = tb.run("apk", &["add", "curl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("curl (no such package)"));
    let out = tb.run("yum", &["install", "-y", "git"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("Cannot find a valid baseurl for repo: base/"));
}

#[test]
fn app_programs() {
    let tb = Toolbox::new();
    let out = stdout(&tb.run("hello", &[]));
    assert!(out.contains("Hello from Docker"));
    assert!(out.contains("dockerlings' built-in image catalogue"));
    let out = tb.run("hello-diamol", &[]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[1], "Hello from Chapter 2!");
    assert_eq!(lines[3], "My name is:");
    assert_eq!(
        lines[4],
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .unwrap()
            .trim()
    );
    assert!(lines[7].starts_with("Linux "));
    assert_eq!(out.status.code(), Some(0));
}
