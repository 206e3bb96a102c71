//! Attaching to a container: the framed protocol on `attach.sock` between the supervisor
//! and a client (`docker run` in the foreground, `docker start -a`), and the client side.
//!
//! Every message is a frame: 8-byte header (kind, three zero bytes, payload length as a
//! big-endian u32) then the payload — the header shape of Docker's own attach stream.
//! Supervisor → client: [`STDOUT`], [`STDERR`], [`EXIT`] (i32 BE exit code, last frame).
//! Client → supervisor: [`HELLO`] first (JSON [`Hello`]), then [`STDIN`], [`STDIN_EOF`],
//! [`RESIZE`] (rows, cols as u16 BE).

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

pub const STDOUT: u8 = 1;
pub const STDERR: u8 = 2;
pub const EXIT: u8 = 3;
pub const HELLO: u8 = 0x10;
pub const STDIN: u8 = 0x11;
pub const STDIN_EOF: u8 = 0x12;
pub const RESIZE: u8 = 0x13;

/// Largest payload accepted (a corrupt header cannot make us allocate gigabytes).
const MAX_FRAME: usize = 1 << 20;

/// What a client wants to receive and send.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
}

pub fn encode(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(8 + payload.len());
    frame.extend_from_slice(&[kind, 0, 0, 0]);
    frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(payload);
    frame
}

pub fn write_frame(w: &mut impl Write, kind: u8, payload: &[u8]) -> io::Result<()> {
    w.write_all(&encode(kind, payload))
}

/// Reads one frame; `None` at a clean end of stream.
pub fn read_frame(r: &mut impl Read) -> io::Result<Option<(u8, Vec<u8>)>> {
    let mut header = [0u8; 8];
    let mut got = 0;
    while got < header.len() {
        let n = r.read(&mut header[got..])?;
        if n == 0 {
            return if got == 0 {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        got += n;
    }
    let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "attach frame too large",
        ));
    }
    let mut payload = vec![0u8; len];
    r.read_exact(&mut payload)?;
    Ok(Some((header[0], payload)))
}

/// Collects bytes read without blocking and hands out whole frames.
#[derive(Debug, Default)]
pub struct FrameBuf {
    buf: Vec<u8>,
}

impl FrameBuf {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    pub fn next_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        if self.buf.len() < 8 {
            return None;
        }
        let len = u32::from_be_bytes([self.buf[4], self.buf[5], self.buf[6], self.buf[7]]) as usize;
        if self.buf.len() < 8 + len.min(MAX_FRAME) {
            return None;
        }
        let kind = self.buf[0];
        let payload = self.buf[8..8 + len].to_vec();
        self.buf.drain(..8 + len);
        Some((kind, payload))
    }
}

/// Connects to a container's attach socket and says what the client wants.
pub fn connect(socket: &Path, hello: Hello) -> io::Result<UnixStream> {
    let mut stream = UnixStream::connect(socket)?;
    let json = serde_json::to_vec(&hello).map_err(io::Error::other)?;
    write_frame(&mut stream, HELLO, &json)?;
    Ok(stream)
}

/// The size of the terminal on `fd` as (rows, cols).
pub fn terminal_size(fd: std::os::fd::BorrowedFd<'_>) -> Option<(u16, u16)> {
    use std::os::fd::AsRawFd;
    let mut size = nix::libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` into the pointer we pass, which is valid.
    let rc = unsafe { nix::libc::ioctl(fd.as_raw_fd(), nix::libc::TIOCGWINSZ, &mut size) };
    (rc == 0 && size.ws_row > 0).then_some((size.ws_row, size.ws_col))
}

/// Sets the size of the terminal on `fd` (the supervisor, on the pty master).
pub fn set_terminal_size(fd: std::os::fd::BorrowedFd<'_>, rows: u16, cols: u16) {
    use std::os::fd::AsRawFd;
    let size = nix::libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads one `winsize` from the pointer we pass, which is valid.
    unsafe { nix::libc::ioctl(fd.as_raw_fd(), nix::libc::TIOCSWINSZ, &size) };
}

pub fn resize_payload(rows: u16, cols: u16) -> [u8; 4] {
    let r = rows.to_be_bytes();
    let c = cols.to_be_bytes();
    [r[0], r[1], c[0], c[1]]
}

/// The terminal in raw mode for the life of the guard (`docker run -it`): keys go to the
/// container as typed, and the container's pty does the echoing.
pub struct RawTerminal {
    fd: std::os::fd::OwnedFd,
    saved: nix::sys::termios::Termios,
}

impl RawTerminal {
    /// Puts the terminal on stdin into raw mode.
    pub fn enable() -> io::Result<Self> {
        use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg};
        use std::os::fd::AsFd;
        let fd = io::stdin().as_fd().try_clone_to_owned()?;
        let saved = tcgetattr(&fd).map_err(io::Error::from)?;
        let mut raw = saved.clone();
        cfmakeraw(&mut raw);
        tcsetattr(&fd, SetArg::TCSANOW, &raw).map_err(io::Error::from)?;
        Ok(Self { fd, saved })
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        use nix::sys::termios::{tcsetattr, SetArg};
        let _ = tcsetattr(&self.fd, SetArg::TCSANOW, &self.saved);
    }
}

/// What a client does with the terminal it runs in.
pub struct ClientIo<'a> {
    /// Sent to the container's stdin when `Some`; read on a thread of its own.
    pub stdin: Option<Box<dyn Read + Send>>,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    /// Follow the size of this process's terminal (SIGWINCH) and send it on.
    pub follow_terminal_size: bool,
}

/// Runs an attached client until the container exits; returns its exit code (`None` when
/// the supervisor went away without saying).
pub fn run_client(stream: UnixStream, io: ClientIo<'_>) -> io::Result<Option<i32>> {
    let writer = Arc::new(Mutex::new(stream.try_clone()?));
    if io.follow_terminal_size {
        follow_terminal_size(Arc::clone(&writer));
    }
    if let Some(mut stdin) = io.stdin {
        let writer = Arc::clone(&writer);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut w = writer.lock().unwrap_or_else(|e| e.into_inner());
                        if write_frame(&mut *w, STDIN, &buf[..n]).is_err() {
                            return;
                        }
                    }
                }
            }
            let mut w = writer.lock().unwrap_or_else(|e| e.into_inner());
            let _ = write_frame(&mut *w, STDIN_EOF, &[]);
        });
    }
    let mut reader = stream;
    loop {
        match read_frame(&mut reader) {
            Ok(Some((STDOUT, data))) => {
                io.stdout.write_all(&data)?;
                io.stdout.flush()?;
            }
            Ok(Some((STDERR, data))) => {
                io.stderr.write_all(&data)?;
                io.stderr.flush()?;
            }
            Ok(Some((EXIT, data))) if data.len() == 4 => {
                return Ok(Some(i32::from_be_bytes([
                    data[0], data[1], data[2], data[3],
                ])));
            }
            Ok(Some(_)) => {}
            Ok(None) => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}

/// Sends the terminal's size now and after every SIGWINCH (on a thread that waits for the
/// signal, which is blocked for the rest of the process).
fn follow_terminal_size(writer: Arc<Mutex<UnixStream>>) {
    use nix::sys::signal::{SigSet, SigmaskHow, Signal};
    use std::os::fd::AsFd;
    let send = move |writer: &Arc<Mutex<UnixStream>>| {
        if let Some((rows, cols)) = terminal_size(io::stdout().as_fd()) {
            let mut w = writer.lock().unwrap_or_else(|e| e.into_inner());
            let _ = write_frame(&mut *w, RESIZE, &resize_payload(rows, cols));
        }
    };
    send(&writer);
    let mut set = SigSet::empty();
    set.add(Signal::SIGWINCH);
    if nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None).is_err() {
        return;
    }
    std::thread::spawn(move || loop {
        if set.wait().is_err() {
            return;
        }
        send(&writer);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_whole_and_in_pieces() {
        let mut bytes = encode(STDOUT, b"hello");
        bytes.extend(encode(EXIT, &7i32.to_be_bytes()));
        let mut cursor = io::Cursor::new(bytes.clone());
        assert_eq!(
            read_frame(&mut cursor).unwrap(),
            Some((STDOUT, b"hello".to_vec()))
        );
        assert_eq!(
            read_frame(&mut cursor).unwrap(),
            Some((EXIT, vec![0, 0, 0, 7]))
        );
        assert_eq!(read_frame(&mut cursor).unwrap(), None);
        let mut buf = FrameBuf::default();
        buf.push(&bytes[..5]);
        assert_eq!(buf.next_frame(), None);
        buf.push(&bytes[5..]);
        assert_eq!(buf.next_frame(), Some((STDOUT, b"hello".to_vec())));
        assert_eq!(buf.next_frame().map(|f| f.0), Some(EXIT));
        assert_eq!(buf.next_frame(), None);
    }
}
