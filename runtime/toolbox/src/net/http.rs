//! A plain HTTP/1.1 client for `curl` and `wget`: one request per connection, bodies by
//! Content-Length, chunked encoding or connection close. There is no TLS in the lab build.

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::resolve::{self, ResolveError};

/// A parsed `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Url {
    /// The last segment of the path without the query (`/a/b.html?x` → `b.html`); empty for
    /// a path ending in `/`. What curl `-O` and wget name the saved file after.
    pub fn file_name(&self) -> &str {
        let path = self.path.split('?').next().unwrap_or("");
        path.rsplit('/').next().unwrap_or("")
    }

    /// Parses `url`; a URL without a scheme is taken as `http://`.
    pub fn parse(url: &str) -> Result<Url, String> {
        let (scheme, rest) = match url.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => ("http".to_string(), url),
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
            Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
            None => (rest, "/".to_string()),
        };
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let default_port = match scheme.as_str() {
            "https" => 443,
            _ => 80,
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or("bad IPv6 address")?;
            let port = after
                .strip_prefix(':')
                .map(str::parse)
                .transpose()
                .map_err(|_| "bad port")?;
            (h.to_string(), port.unwrap_or(default_port))
        } else if let Some((h, p)) = authority.rsplit_once(':') {
            (
                h.to_string(),
                p.parse().map_err(|_| {
                    "Port number was not a decimal number between 0 and 65535".to_string()
                })?,
            )
        } else {
            (authority.to_string(), default_port)
        };
        if host.is_empty() {
            return Err("No host part in the URL".into());
        }
        Ok(Url {
            scheme,
            host,
            port,
            path,
        })
    }

    /// The `Host:` header value.
    pub fn host_header(&self) -> String {
        if self.port == 80 {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Resolves a `Location:` value against this URL.
    pub fn join(&self, location: &str) -> Result<Url, String> {
        if location.contains("://") {
            Url::parse(location)
        } else if location.starts_with('/') {
            Ok(Url {
                path: location.to_string(),
                ..self.clone()
            })
        } else {
            let dir = self.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            Ok(Url {
                path: format!("{dir}/{location}"),
                ..self.clone()
            })
        }
    }
}

/// Why a request failed, in terms curl and wget report.
#[derive(Debug)]
pub enum FetchError {
    Resolve(String),
    Connect {
        host: String,
        addr: IpAddr,
        port: u16,
        elapsed_ms: u128,
        err: std::io::Error,
    },
    Io(std::io::Error),
    BadResponse,
}

/// A response: status line parts, headers in order, body.
#[derive(Debug, Default)]
pub struct Response {
    pub version: String,
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub peer: Option<SocketAddr>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The status line and headers exactly as received (CRLF line ends, blank line after).
    pub fn head_text(&self) -> String {
        let mut s = format!("{} {} {}\r\n", self.version, self.status, self.reason);
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {v}\r\n"));
        }
        s.push_str("\r\n");
        s
    }
}

/// A request to send.
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Request<'_> {
    /// The bytes of the request head.
    pub fn head(&self) -> String {
        let mut s = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\n",
            self.method,
            self.url.path,
            self.url.host_header()
        );
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = &self.body {
            if !self
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            {
                s.push_str(&format!("Content-Length: {}\r\n", b.len()));
            }
        }
        s.push_str("\r\n");
        s
    }
}

/// Opens a TCP connection to the URL's host, resolving it first.
pub fn connect(url: &Url, timeout: Duration) -> Result<TcpStream, FetchError> {
    let addr = resolve::resolve_one(&url.host).map_err(|e| match e {
        ResolveError::NotFound | ResolveError::NoServer => FetchError::Resolve(url.host.clone()),
    })?;
    let start = Instant::now();
    TcpStream::connect_timeout(&SocketAddr::new(addr, url.port), timeout).map_err(|err| {
        FetchError::Connect {
            host: url.host.clone(),
            addr,
            port: url.port,
            elapsed_ms: start.elapsed().as_millis(),
            err,
        }
    })
}

/// Sends `req` on `stream` and reads the whole response.
pub fn exchange(stream: TcpStream, req: &Request) -> Result<Response, FetchError> {
    let peer = stream.peer_addr().ok();
    let mut w = stream.try_clone().map_err(FetchError::Io)?;
    w.write_all(req.head().as_bytes()).map_err(FetchError::Io)?;
    if let Some(b) = &req.body {
        w.write_all(b).map_err(FetchError::Io)?;
    }
    w.flush().map_err(FetchError::Io)?;
    let mut r = BufReader::new(stream);
    let mut resp = read_head(&mut r)?;
    resp.peer = peer;
    let no_body = req.method == "HEAD"
        || resp.status == 204
        || resp.status == 304
        || (100..200).contains(&resp.status);
    if !no_body {
        resp.body = read_body(&mut r, &resp)?;
    }
    Ok(resp)
}

fn read_head(r: &mut impl BufRead) -> Result<Response, FetchError> {
    let mut line = String::new();
    if r.read_line(&mut line).map_err(FetchError::Io)? == 0 {
        return Err(FetchError::BadResponse);
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let version = parts.next().unwrap_or("").to_string();
    if !version.starts_with("HTTP/") {
        return Err(FetchError::BadResponse);
    }
    let status = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or(FetchError::BadResponse)?;
    let reason = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        line.clear();
        if r.read_line(&mut line).map_err(FetchError::Io)? == 0 {
            break;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok(Response {
        version,
        status,
        reason,
        headers,
        body: Vec::new(),
        peer: None,
    })
}

fn read_body(r: &mut impl BufRead, resp: &Response) -> Result<Vec<u8>, FetchError> {
    let mut body = Vec::new();
    if resp
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size_line = String::new();
            r.read_line(&mut size_line).map_err(FetchError::Io)?;
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| FetchError::BadResponse)?;
            if size == 0 {
                let mut trailer = String::new();
                while r.read_line(&mut trailer).map_err(FetchError::Io)? > 0 && trailer.trim() != ""
                {
                    trailer.clear();
                }
                break;
            }
            let mut chunk = vec![0; size];
            r.read_exact(&mut chunk).map_err(FetchError::Io)?;
            body.extend_from_slice(&chunk);
            let mut crlf = String::new();
            r.read_line(&mut crlf).map_err(FetchError::Io)?;
        }
    } else if let Some(len) = resp
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        body.resize(len, 0);
        r.read_exact(&mut body).map_err(FetchError::Io)?;
    } else {
        r.read_to_end(&mut body).map_err(FetchError::Io)?;
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_the_last_path_segment() {
        let name = |u: &str| Url::parse(u).unwrap().file_name().to_string();
        assert_eq!(name("http://h/a/b.html?x=/y"), "b.html");
        assert_eq!(name("http://h/dir/"), "");
        assert_eq!(name("http://h"), "");
    }

    #[test]
    fn parses_urls() {
        let u = Url::parse("localhost:8080/a?b=1").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("localhost", 8080, "/a?b=1")
        );
        let u = Url::parse("http://web1").unwrap();
        assert_eq!((u.port, u.path.as_str()), (80, "/"));
        assert_eq!(u.join("/x").unwrap().path, "/x");
        assert_eq!(Url::parse("https://example.com").unwrap().scheme, "https");
    }
}
