//! A real terminal for tests: a command on the slave side of a pty as its controlling
//! terminal (as in a learner's terminal window), its output read from the master by a thread
//! that answers "where is the cursor?" like a terminal emulator.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `command` on a new 80x24 pty.
pub fn spawn(mut command: Command) -> (Child, Terminal) {
    let size = nix::pty::Winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = nix::pty::openpty(Some(&size), None).unwrap();
    let slave = pty.slave;
    command
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: only async-signal-safe calls (setsid, ioctl) between fork and exec.
    unsafe {
        command.pre_exec(|| {
            nix::unistd::setsid()?;
            // The slave (stdin) becomes the new session's controlling terminal.
            if nix::libc::ioctl(0, nix::libc::TIOCSCTTY, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = command.spawn().unwrap();
    drop(command);
    let master = std::fs::File::from(pty.master);
    let mut reader = master.try_clone().unwrap();
    let mut answers = master.try_clone().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut tail = Vec::new();
        // EIO once the last holder of the slave has exited.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            // Like a terminal emulator, answer "where is the cursor?" (line editors ask).
            tail.extend_from_slice(&buf[..n]);
            let asked = tail.windows(4).filter(|w| w == b"\x1b[6n").count();
            for _ in 0..asked {
                let _ = answers.write_all(b"\x1b[1;1R");
            }
            let cut = if asked > 0 {
                tail.len()
            } else {
                tail.len().saturating_sub(3)
            };
            tail.drain(..cut);
            if tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    (
        child,
        Terminal {
            master,
            chunks: rx,
            seen: Vec::new(),
        },
    )
}

pub fn plain(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (0x1b, Some(b'[')) => {
                i += 2;
                while i < bytes.len() && !(0x40..=0x7e).contains(&bytes[i]) {
                    i += 1;
                }
                i += 1;
            }
            (0x1b, Some(_)) => i += 2,
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    text(&out)
}

/// Output read from a pty master by a thread, so the test can wait for text with a guard
/// against hanging forever (not a timing assertion).
pub struct Terminal {
    master: std::fs::File,
    chunks: mpsc::Receiver<Vec<u8>>,
    seen: Vec<u8>,
}

impl Terminal {
    pub fn wait_for(&mut self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let now = plain(&self.seen);
            if now.contains(what) {
                return now;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.seen.extend_from_slice(&chunk),
                Err(_) => panic!("{what:?} never appeared on the terminal: {now:?}"),
            }
        }
    }

    /// Raw bytes, as keys typed (`\t` for Tab).
    pub fn master_write(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
    }

    pub fn type_line(&mut self, line: &str) {
        self.master.write_all(line.as_bytes()).unwrap();
        self.master.write_all(b"\r").unwrap();
    }

    /// Everything until the last holder of the slave side is gone.
    pub fn rest(mut self) -> String {
        while let Ok(chunk) = self.chunks.recv_timeout(Duration::from_secs(60)) {
            self.seen.extend_from_slice(&chunk);
        }
        plain(&self.seen)
    }
}
