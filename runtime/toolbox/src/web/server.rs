//! The static-file HTTP/1.1 server behind `nginx`, `httpd` and `diamol-web`: a thread per
//! connection, keep-alive, GET and HEAD, files read from the filesystem at request time (so
//! a bind mount over the document root shows at once), no path outside the root.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::Signal;

use super::config::{LogTarget, Site};
use super::flavor::{reason, Flavor, LogEntry};
use super::mime;
use crate::timefmt::Civil;

/// A shared log destination.
pub type LogSink = Arc<Mutex<Box<dyn Write + Send>>>;

/// Opens a log target; a file that cannot be opened falls back to `fallback`.
pub fn open_log(target: &LogTarget, fallback: LogTarget) -> Option<LogSink> {
    let w: Box<dyn Write + Send> = match target {
        LogTarget::Off => return None,
        LogTarget::Stdout => Box::new(std::io::stdout()),
        LogTarget::Stderr => Box::new(std::io::stderr()),
        LogTarget::File(p) => match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
        {
            Ok(f) => Box::new(f),
            Err(_) => return open_log(&fallback, LogTarget::Off),
        },
    };
    Some(Arc::new(Mutex::new(w)))
}

pub fn log_line(sink: &Option<LogSink>, line: &str) {
    if let Some(s) = sink {
        if let Ok(mut w) = s.lock() {
            let _ = writeln!(w, "{line}");
            let _ = w.flush();
        }
    }
}

/// A page served for `/` (and `/index.html`) when the document root has no index file.
#[derive(Clone)]
pub struct BuiltinPage {
    pub html: String,
}

/// One running server.
pub struct Server {
    pub flavor: Flavor,
    pub access_log: Option<LogSink>,
    pub error_log: Option<LogSink>,
    pub builtin_index: Option<BuiltinPage>,
    connections: AtomicU64,
    active: AtomicUsize,
}

/// What a request resolved to.
enum Target {
    File(PathBuf, std::fs::Metadata),
    Builtin(String),
    Redirect(String),
    Error(u16),
}

impl Server {
    pub fn new(flavor: Flavor, access_log: Option<LogSink>, error_log: Option<LogSink>) -> Self {
        Server {
            flavor,
            access_log,
            error_log,
            builtin_index: None,
            connections: AtomicU64::new(0),
            active: AtomicUsize::new(0),
        }
    }

    /// Binds every site's addresses. On failure returns the address and the error.
    pub fn bind(sites: &[Site]) -> Result<Vec<(TcpListener, Site)>, (SocketAddr, std::io::Error)> {
        let mut out: Vec<(TcpListener, Site)> = Vec::new();
        for site in sites {
            for addr in &site.listen {
                if out.iter().any(|(l, _)| l.local_addr().ok() == Some(*addr)) {
                    continue; // the first server on a port is its default server
                }
                let l = TcpListener::bind(addr).map_err(|e| (*addr, e))?;
                l.set_nonblocking(true).map_err(|e| (*addr, e))?;
                out.push((l, site.clone()));
            }
        }
        Ok(out)
    }

    /// Accepts connections until one of `stop` signals arrives; returns that signal.
    pub fn run(self: Arc<Self>, listeners: Vec<(TcpListener, Site)>, stop: &[Signal]) -> Signal {
        loop {
            if let Some(sig) = super::signals::received() {
                if stop.contains(&sig) {
                    // Let requests in progress finish (briefly), as a graceful stop does.
                    for _ in 0..50 {
                        if self.active.load(Ordering::SeqCst) == 0 {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    return sig;
                }
            }
            let mut fds: Vec<PollFd> = listeners
                .iter()
                .map(|(l, _)| PollFd::new(l.as_fd(), PollFlags::POLLIN))
                .collect();
            let ready = poll(&mut fds, PollTimeout::from(200u16));
            if !matches!(ready, Ok(n) if n > 0) {
                continue;
            }
            let ready_idx: Vec<usize> = fds
                .iter()
                .enumerate()
                .filter(|(_, f)| f.revents().is_some_and(|r| r.contains(PollFlags::POLLIN)))
                .map(|(i, _)| i)
                .collect();
            drop(fds);
            for i in ready_idx {
                let (listener, site) = &listeners[i];
                while let Ok((stream, peer)) = listener.accept() {
                    let _ = stream.set_nonblocking(false);
                    let me = Arc::clone(&self);
                    let site = site.clone();
                    let port = listener.local_addr().map(|a| a.port()).unwrap_or(80);
                    let n = self.connections.fetch_add(1, Ordering::SeqCst) + 1;
                    self.active.fetch_add(1, Ordering::SeqCst);
                    std::thread::spawn(move || {
                        me.connection(stream, peer, &site, port, n);
                        me.active.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            }
        }
    }

    fn connection(
        &self,
        stream: TcpStream,
        peer: SocketAddr,
        site: &Site,
        port: u16,
        conn_no: u64,
    ) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(self.flavor.keep_alive_secs())));
        let _ = stream.set_nodelay(true);
        let Ok(write_half) = stream.try_clone() else {
            return;
        };
        let mut writer = std::io::BufWriter::new(write_half);
        let mut reader = BufReader::new(stream);
        while let Ok(true) = self.one_request(&mut reader, &mut writer, peer, site, port, conn_no) {
        }
        let _ = writer.flush();
    }

    /// Serves one request; `Ok(true)` to keep the connection open.
    fn one_request(
        &self,
        reader: &mut BufReader<TcpStream>,
        w: &mut impl Write,
        peer: SocketAddr,
        site: &Site,
        port: u16,
        conn_no: u64,
    ) -> std::io::Result<bool> {
        let mut line = String::new();
        // Skip blank lines between pipelined requests, as servers do.
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(false);
            }
            if !line.trim().is_empty() {
                break;
            }
        }
        let request_line = line.trim_end().to_string();
        let mut headers: Vec<(String, String)> = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 {
                return Ok(false);
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
            if headers.len() > 100 {
                break;
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if let Some(len) = header("content-length").and_then(|v| v.parse::<u64>().ok()) {
            std::io::copy(&mut reader.by_ref().take(len), &mut std::io::sink())?;
        }

        let parts: Vec<&str> = request_line.split_whitespace().collect();
        let (method, target, version) = match parts.as_slice() {
            [m, t, v] if v.starts_with("HTTP/") => (*m, *t, *v),
            [m, t] => (*m, *t, "HTTP/0.9"),
            _ => ("", "", "HTTP/1.0"),
        };
        let conn_hdr = header("connection").unwrap_or("").to_ascii_lowercase();
        let mut keep_alive = match version {
            "HTTP/1.1" => !conn_hdr.contains("close"),
            "HTTP/1.0" => conn_hdr.contains("keep-alive"),
            _ => false,
        };
        let host = header("host").unwrap_or("").to_string();

        let resolved = if method.is_empty() || !target.starts_with('/') {
            Target::Error(400)
        } else if method != "GET" && method != "HEAD" {
            if [
                "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT",
            ]
            .contains(&method)
            {
                Target::Error(405)
            } else {
                Target::Error(if self.flavor == Flavor::Nginx {
                    405
                } else {
                    501
                })
            }
        } else {
            self.resolve(site, target, &host, port)
        };
        if matches!(resolved, Target::Error(400)) {
            keep_alive = false;
        }
        let head_only = method == "HEAD";
        let now = Civil::now();
        let mut hdrs: Vec<(String, String)> = Vec::new();
        let status: u16;
        let mut body_file: Option<PathBuf> = None;
        let mut body_bytes: Vec<u8> = Vec::new();
        let content_length: u64;
        match resolved {
            Target::File(path, meta) => {
                status = 200;
                let mtime = meta.modified().unwrap_or(UNIX_EPOCH);
                let d = mtime.duration_since(UNIX_EPOCH).unwrap_or_default();
                let default_type = if self.flavor == Flavor::Nginx {
                    "application/octet-stream"
                } else {
                    "text/plain"
                };
                let ctype = mime::content_type(&path.to_string_lossy(), default_type).to_string();
                content_length = meta.len();
                let last_modified = Civil::from_system(mtime).http_date();
                let etag = self
                    .flavor
                    .etag(meta.len(), d.as_secs(), u64::from(d.subsec_micros()));
                match self.flavor {
                    Flavor::Nginx => {
                        hdrs.push(("Content-Type".into(), ctype));
                        hdrs.push(("Content-Length".into(), content_length.to_string()));
                        hdrs.push(("Last-Modified".into(), last_modified));
                        hdrs.push(("@conn".into(), String::new()));
                        hdrs.push(("ETag".into(), etag));
                        hdrs.push(("Accept-Ranges".into(), "bytes".into()));
                    }
                    Flavor::Apache => {
                        hdrs.push(("Last-Modified".into(), last_modified));
                        hdrs.push(("ETag".into(), etag));
                        hdrs.push(("Accept-Ranges".into(), "bytes".into()));
                        hdrs.push(("Content-Length".into(), content_length.to_string()));
                        hdrs.push(("@conn".into(), String::new()));
                        hdrs.push(("Content-Type".into(), ctype));
                    }
                }
                body_file = Some(path);
            }
            Target::Builtin(html) => {
                status = 200;
                content_length = html.len() as u64;
                hdrs.push(("Content-Length".into(), content_length.to_string()));
                hdrs.push(("@conn".into(), String::new()));
                hdrs.push(("Content-Type".into(), "text/html".into()));
                body_bytes = html.into_bytes();
            }
            Target::Redirect(location) => {
                status = 301;
                let (page, ctype) = self.flavor.error_page(301, &location);
                content_length = page.len() as u64;
                hdrs.push(("Content-Type".into(), ctype.into()));
                hdrs.push(("Content-Length".into(), content_length.to_string()));
                hdrs.push(("Location".into(), location));
                hdrs.push(("@conn".into(), String::new()));
                body_bytes = page.into_bytes();
            }
            Target::Error(code) => {
                status = code;
                let (page, ctype) = self.flavor.error_page(code, target);
                content_length = page.len() as u64;
                if code == 405 && self.flavor == Flavor::Apache {
                    hdrs.push(("Allow".into(), "GET,POST,OPTIONS,HEAD".into()));
                }
                hdrs.push(("Content-Type".into(), ctype.into()));
                hdrs.push(("Content-Length".into(), content_length.to_string()));
                hdrs.push(("@conn".into(), String::new()));
                body_bytes = page.into_bytes();
                if code == 404 || code == 403 {
                    self.log_not_found(
                        site,
                        target,
                        &request_line,
                        &host,
                        peer,
                        conn_no,
                        now,
                        code,
                    );
                }
            }
        }

        let mut head = format!(
            "HTTP/1.1 {status} {}\r\n",
            if status == 405 && self.flavor == Flavor::Nginx {
                "Not Allowed"
            } else {
                reason(status)
            }
        );
        match self.flavor {
            Flavor::Nginx => {
                head.push_str(&format!(
                    "Server: {}\r\nDate: {}\r\n",
                    self.flavor.server_header(),
                    now.http_date()
                ));
            }
            Flavor::Apache => {
                head.push_str(&format!(
                    "Date: {}\r\nServer: {}\r\n",
                    now.http_date(),
                    self.flavor.server_header()
                ));
            }
        }
        for (k, v) in &hdrs {
            if k == "@conn" {
                if keep_alive {
                    for (ck, cv) in self.flavor.keep_alive_headers() {
                        head.push_str(&format!("{ck}: {cv}\r\n"));
                    }
                } else {
                    head.push_str("Connection: close\r\n");
                }
            } else {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        head.push_str("\r\n");
        w.write_all(head.as_bytes())?;
        let mut sent: u64 = 0;
        if !head_only {
            if let Some(p) = body_file {
                match std::fs::File::open(&p) {
                    Ok(mut f) => sent = std::io::copy(&mut Read::take(&mut f, content_length), w)?,
                    Err(_) => keep_alive = false,
                }
            } else {
                w.write_all(&body_bytes)?;
                sent = body_bytes.len() as u64;
            }
        }
        w.flush()?;
        let entry = LogEntry {
            client: peer.ip().to_string(),
            request_line: &request_line,
            status,
            body_bytes: sent,
            referer: header("referer"),
            user_agent: header("user-agent"),
            forwarded_for: header("x-forwarded-for"),
            time: now,
        };
        log_line(&self.access_log, &self.flavor.access_line(&entry));
        Ok(keep_alive)
    }

    #[allow(clippy::too_many_arguments)]
    fn log_not_found(
        &self,
        site: &Site,
        target: &str,
        request_line: &str,
        host: &str,
        peer: SocketAddr,
        conn_no: u64,
        now: Civil,
        code: u16,
    ) {
        if self.flavor != Flavor::Nginx || code != 404 {
            return;
        }
        let path = decode_path(target)
            .map(|p| site.root.join(p.trim_start_matches('/')))
            .unwrap_or_default();
        let pid = std::process::id();
        let tid = nix::unistd::gettid().as_raw();
        let server = if site.server_name.is_empty() {
            "_".to_string()
        } else {
            site.server_name.clone()
        };
        log_line(
            &self.error_log,
            &format!(
                "{} [error] {pid}#{tid}: *{conn_no} open() \"{}\" failed (2: No such file or directory), client: {}, server: {server}, request: \"{request_line}\", host: \"{host}\"",
                now.nginx_error(),
                path.display(),
                peer.ip()
            ),
        );
    }

    fn resolve(&self, site: &Site, target: &str, host: &str, port: u16) -> Target {
        let Some(rel) = decode_path(target) else {
            return Target::Error(400);
        };
        let fs_path = site.root.join(rel.trim_start_matches('/'));
        match std::fs::metadata(&fs_path) {
            Ok(meta) if meta.is_dir() => {
                if !rel.ends_with('/') {
                    let path_only = target.split('?').next().unwrap_or(target);
                    let location = match self.flavor {
                        Flavor::Nginx => {
                            let h = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host);
                            let h = if h.is_empty() { "localhost" } else { h };
                            if port == 80 {
                                format!("http://{h}{path_only}/")
                            } else {
                                format!("http://{h}:{port}{path_only}/")
                            }
                        }
                        Flavor::Apache => format!(
                            "http://{}{path_only}/",
                            if host.is_empty() { "localhost" } else { host }
                        ),
                    };
                    return Target::Redirect(location);
                }
                for idx in &site.index {
                    let p = fs_path.join(idx);
                    if let Ok(m) = std::fs::metadata(&p) {
                        if m.is_file() {
                            return Target::File(p, m);
                        }
                    }
                }
                if rel == "/" {
                    if let Some(b) = &self.builtin_index {
                        return Target::Builtin(b.html.clone());
                    }
                }
                Target::Error(if site.root.exists() { 403 } else { 404 })
            }
            Ok(meta) if meta.is_file() => Target::File(fs_path, meta),
            Ok(_) => Target::Error(403),
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Target::Error(403),
            Err(_) => {
                // No document root at all (the app's image ships none): the app's own page.
                if let Some(b) = &self.builtin_index {
                    if rel == "/" || rel == "/index.html" {
                        return Target::Builtin(b.html.clone());
                    }
                }
                Target::Error(404)
            }
        }
    }
}

/// Percent-decodes the path of a request target and normalises it (`.`, `..`, `//`).
/// `None` when it is malformed or climbs above the root.
pub fn decode_path(target: &str) -> Option<String> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    if decoded.contains(&0) {
        return None;
    }
    let s = String::from_utf8(decoded).ok()?;
    let mut segs: Vec<&str> = Vec::new();
    for seg in s.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segs.pop()?;
            }
            other => segs.push(other),
        }
    }
    let mut out = format!("/{}", segs.join("/"));
    if (s.ends_with('/') || s.ends_with("/.") || s.ends_with("/..")) && out != "/" {
        out.push('/');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode_path;

    #[test]
    fn paths_are_normalised_and_confined() {
        assert_eq!(decode_path("/").as_deref(), Some("/"));
        assert_eq!(
            decode_path("/a/./b/../c.html?x=1").as_deref(),
            Some("/a/c.html")
        );
        assert_eq!(decode_path("/dir/").as_deref(), Some("/dir/"));
        assert_eq!(
            decode_path("/hello%20world.txt").as_deref(),
            Some("/hello world.txt")
        );
        assert_eq!(decode_path("/../etc/passwd"), None);
        assert_eq!(decode_path("/%2e%2e/etc/passwd"), None);
        assert_eq!(decode_path("/a%00b"), None);
    }
}
