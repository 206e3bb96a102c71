//! The fixture: a temp directory holding a link per applet to the built toolbox.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_dockerlings-toolbox");

/// The applet names listed in applets.txt.
pub fn applet_names() -> Vec<String> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("applets.txt")).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

pub struct Toolbox {
    pub dir: tempfile::TempDir,
}

impl Toolbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for name in applet_names() {
            std::os::unix::fs::symlink(BIN, dir.path().join(&name)).unwrap();
        }
        Toolbox { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A command for applet `name`, with PATH set to the links first.
    pub fn cmd(&self, name: &str) -> Command {
        let mut c = Command::new(self.path(name));
        let path = format!("{}:/usr/bin:/bin", self.dir.path().display());
        c.env("PATH", path).env_remove("PS1").stdin(Stdio::null());
        c
    }

    pub fn run(&self, name: &str, args: &[&str]) -> Output {
        self.cmd(name).args(args).output().unwrap()
    }

    /// Runs `sh -c script` and returns (stdout, exit code).
    pub fn sh(&self, script: &str) -> (String, i32) {
        let out = self
            .cmd("sh")
            .current_dir(self.dir.path())
            .args(["-c", script])
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.status.code().unwrap_or(-1),
        )
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server child process with its output lines collected by background threads.
pub struct Running {
    pub child: Child,
    pub out: mpsc::Receiver<String>,
    pub err: mpsc::Receiver<String>,
    pub port: u16,
}

fn lines_of(r: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Running {
    pub fn start(mut cmd: Command, port: u16) -> Running {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = lines_of(child.stdout.take().unwrap());
        let err = lines_of(child.stderr.take().unwrap());
        // Wait (bounded) until the server accepts connections.
        for _ in 0..500 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Running {
                    child,
                    out,
                    err,
                    port,
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                let errs: Vec<String> = err.try_iter().collect();
                panic!("server exited early: {status}: {errs:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server did not start listening on {port}");
    }

    /// The next line the server wrote to stdout (waits up to 10 s).
    pub fn next_out(&self) -> String {
        self.out
            .recv_timeout(Duration::from_secs(10))
            .expect("an output line")
    }

    /// Every stderr line until the stream closes.
    pub fn stop(mut self, sig: &str) -> (i32, Vec<String>) {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args([&format!("-{sig}"), &pid])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        let errs: Vec<String> = self.err.iter().collect();
        (status.code().unwrap_or(-1), errs)
    }
}

/// Sends raw request bytes on a new connection and reads until the server closes.
pub fn http_raw(port: u16, request: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// Reads one response (head + Content-Length body) from a kept-alive connection.
pub fn read_response(r: &mut BufReader<TcpStream>) -> (String, String) {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        head.push_str(&line);
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    (head, String::from_utf8_lossy(&body).into_owned())
}

pub fn is_root() -> bool {
    nix_is_root()
}

fn nix_is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(2))
        .map(|u| u == "0")
        .unwrap_or(false)
}

/// For tests that need root: fail under CI when not root, else skip (returns false).
pub fn require_root(test: &str) -> bool {
    if is_root() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{test} needs root (CI is set)");
    }
    eprintln!("skipping {test}: needs root");
    false
}
