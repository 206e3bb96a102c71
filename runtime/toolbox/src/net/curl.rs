//! `curl`: plain HTTP/1.1 transfers with curl's options and messages (`-s -S -o -O -I -i
//! -v -L -f -X -H -d -A -m --connect-timeout`). Error exits use curl's codes: 6 could not
//! resolve, 7 could not connect, 1 unsupported protocol (https: the lab build has no TLS),
//! 22 `-f` on an HTTP error, 28 timeout, 3 bad URL.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use super::http::{self, FetchError, Request, Url};

pub const USER_AGENT: &str = "curl/8.5.0";

#[derive(Default)]
struct Opts {
    silent: bool,
    show_error: bool,
    output: Option<String>,
    remote_name: bool,
    head: bool,
    include: bool,
    verbose: bool,
    location: bool,
    fail: bool,
    method: Option<String>,
    headers: Vec<(String, String)>,
    data: Option<Vec<u8>>,
    user_agent: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    urls: Vec<String>,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].clone();
        let take = |i: &mut usize, name: &str| -> Result<String, String> {
            *i += 1;
            args.get(*i)
                .cloned()
                .ok_or_else(|| format!("option {name}: requires parameter"))
        };
        if let Some(long) = a.strip_prefix("--") {
            match long {
                "silent" => o.silent = true,
                "show-error" => o.show_error = true,
                "output" => o.output = Some(take(&mut i, &a)?),
                "remote-name" => o.remote_name = true,
                "head" => o.head = true,
                "include" => o.include = true,
                "verbose" => o.verbose = true,
                "location" => o.location = true,
                "fail" => o.fail = true,
                "request" => o.method = Some(take(&mut i, &a)?),
                "header" => push_header(&mut o, &take(&mut i, &a)?),
                "data" | "data-raw" | "data-binary" => {
                    o.data = Some(take(&mut i, &a)?.into_bytes())
                }
                "user-agent" => o.user_agent = Some(take(&mut i, &a)?),
                "max-time" => o.timeout = Some(secs(&take(&mut i, &a)?)?),
                "connect-timeout" => o.connect_timeout = Some(secs(&take(&mut i, &a)?)?),
                "url" => o.urls.push(take(&mut i, &a)?),
                _ => return Err(format!("option {a}: is unknown")),
            }
        } else if a.starts_with('-') && a.len() > 1 {
            let chars: Vec<char> = a[1..].chars().collect();
            for (j, c) in chars.iter().enumerate() {
                let rest: String = chars[j + 1..].iter().collect();
                let value = |i: &mut usize| -> Result<String, String> {
                    if rest.is_empty() {
                        take(i, &format!("-{c}"))
                    } else {
                        Ok(rest.clone())
                    }
                };
                match c {
                    's' => o.silent = true,
                    'S' => o.show_error = true,
                    'O' => o.remote_name = true,
                    'I' => o.head = true,
                    'i' => o.include = true,
                    'v' => o.verbose = true,
                    'L' => o.location = true,
                    'f' => o.fail = true,
                    'k' => {}
                    'o' => {
                        o.output = Some(value(&mut i)?);
                        break;
                    }
                    'X' => {
                        o.method = Some(value(&mut i)?);
                        break;
                    }
                    'H' => {
                        let h = value(&mut i)?;
                        push_header(&mut o, &h);
                        break;
                    }
                    'd' => {
                        o.data = Some(value(&mut i)?.into_bytes());
                        break;
                    }
                    'A' => {
                        o.user_agent = Some(value(&mut i)?);
                        break;
                    }
                    'm' => {
                        o.timeout = Some(secs(&value(&mut i)?)?);
                        break;
                    }
                    _ => return Err(format!("option -{c}: is unknown")),
                }
            }
        } else {
            o.urls.push(a);
        }
        i += 1;
    }
    Ok(o)
}

fn secs(v: &str) -> Result<Duration, String> {
    v.parse::<f64>()
        .map(Duration::from_secs_f64)
        .map_err(|_| "expected a proper numerical parameter".to_string())
}

fn push_header(o: &mut Opts, h: &str) {
    if let Some((k, v)) = h.split_once(':') {
        o.headers.push((k.trim().to_string(), v.trim().to_string()));
    }
}

pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let o = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("curl: {e}");
            eprintln!("curl: try 'curl --help' or 'curl --manual' for more information");
            return 2;
        }
    };
    if o.urls.is_empty() {
        eprintln!("curl: no URL specified!");
        eprintln!("curl: try 'curl --help' or 'curl --manual' for more information");
        return 2;
    }
    let mut code = 0;
    for u in &o.urls {
        code = fetch(&o, u);
    }
    code
}

fn fail(o: &Opts, code: i32, msg: &str) -> i32 {
    if !o.silent || o.show_error {
        eprintln!("curl: ({code}) {msg}");
    }
    code
}

fn fetch(o: &Opts, raw_url: &str) -> i32 {
    let mut url = match Url::parse(raw_url) {
        Ok(u) => u,
        Err(e) => return fail(o, 3, &format!("URL rejected: {e}")),
    };
    let started = Instant::now();
    let mut redirects = 0;
    loop {
        if url.scheme == "https" {
            return fail(
                o,
                1,
                "Protocol \"https\" not supported or disabled in libcurl (this dockerlings lab build speaks plain HTTP only: it has no TLS)",
            );
        }
        if url.scheme != "http" {
            return fail(
                o,
                1,
                &format!(
                    "Protocol \"{}\" not supported or disabled in libcurl",
                    url.scheme
                ),
            );
        }
        let method = o.method.clone().unwrap_or_else(|| {
            if o.head {
                "HEAD".into()
            } else if o.data.is_some() {
                "POST".into()
            } else {
                "GET".into()
            }
        });
        let mut headers = vec![
            (
                "User-Agent".to_string(),
                o.user_agent
                    .clone()
                    .unwrap_or_else(|| USER_AGENT.to_string()),
            ),
            ("Accept".to_string(), "*/*".to_string()),
        ];
        if o.data.is_some()
            && !o
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            headers.push((
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
        }
        for (k, v) in &o.headers {
            headers.retain(|(hk, _)| !hk.eq_ignore_ascii_case(k));
            headers.push((k.clone(), v.clone()));
        }
        let req = Request {
            method: &method,
            url: &url,
            headers,
            body: o.data.clone(),
        };
        let connect_timeout = o
            .connect_timeout
            .or(o.timeout)
            .unwrap_or(Duration::from_secs(300));
        if o.verbose {
            if let Ok(addr) = super::resolve::resolve_one(&url.host) {
                eprintln!("*   Trying {}:{}...", addr, url.port);
            }
        }
        let stream = match http::connect(&url, connect_timeout) {
            Ok(s) => s,
            Err(FetchError::Resolve(h)) => {
                return fail(o, 6, &format!("Could not resolve host: {h}"))
            }
            Err(FetchError::Connect {
                host,
                port,
                elapsed_ms,
                err,
                ..
            }) => {
                if err.kind() == std::io::ErrorKind::TimedOut {
                    return fail(o, 28, &format!("Failed to connect to {host} port {port} after {elapsed_ms} ms: Timeout was reached"));
                }
                return fail(
                    o,
                    7,
                    &format!("Failed to connect to {host} port {port} after {elapsed_ms} ms: Couldn't connect to server"),
                );
            }
            Err(_) => return fail(o, 7, "Couldn't connect to server"),
        };
        if let Some(t) = o.timeout {
            let left = t
                .saturating_sub(started.elapsed())
                .max(Duration::from_millis(1));
            let _ = stream.set_read_timeout(Some(left));
        }
        if o.verbose {
            if let Ok(peer) = stream.peer_addr() {
                eprintln!(
                    "* Connected to {} ({}) port {}",
                    url.host,
                    peer.ip(),
                    url.port
                );
            }
            for line in req.head().trim_end().split("\r\n") {
                eprintln!("> {line}");
            }
            eprintln!(">");
        }
        let resp = match http::exchange(stream, &req) {
            Ok(r) => r,
            Err(FetchError::Io(e))
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                let ms = started.elapsed().as_millis();
                return fail(
                    o,
                    28,
                    &format!("Operation timed out after {ms} milliseconds with 0 bytes received"),
                );
            }
            Err(FetchError::BadResponse) => {
                return fail(o, 1, "Received HTTP/0.9 when not allowed")
            }
            Err(_) => return fail(o, 52, "Empty reply from server"),
        };
        if o.verbose {
            for line in resp.head_text().trim_end().split("\r\n") {
                eprintln!("< {line}");
            }
            eprintln!("<");
        }
        if o.location && (300..400).contains(&resp.status) {
            if let Some(loc) = resp.header("location") {
                redirects += 1;
                if redirects > 50 {
                    return fail(o, 47, "Maximum (50) redirects followed");
                }
                match url.join(loc) {
                    Ok(next) => {
                        if o.include || o.head {
                            if let Err(code) = write_out(o, resp.head_text().as_bytes(), &url, true)
                            {
                                return code;
                            }
                        }
                        url = next;
                        continue;
                    }
                    Err(e) => return fail(o, 3, &e),
                }
            }
        }
        if o.fail && resp.status >= 400 {
            return fail(
                o,
                22,
                &format!("The requested URL returned error: {}", resp.status),
            );
        }
        let mut data = Vec::new();
        if o.include || o.head {
            data.extend_from_slice(resp.head_text().as_bytes());
        }
        data.extend_from_slice(&resp.body);
        if let Err(code) = write_out(o, &data, &url, false) {
            return code;
        }
        if o.verbose {
            eprintln!("* Connection #0 to host {} left intact", url.host);
        }
        return 0;
    }
}

/// Writes the transfer to stdout or the output file, with curl's progress meter on
/// stderr when the output is not a terminal and `-s` was not given.
fn write_out(o: &Opts, data: &[u8], url: &Url, append: bool) -> Result<(), i32> {
    let file = if o.remote_name {
        let name = url.file_name().to_string();
        if name.is_empty() {
            return Err(fail(o, 23, "Remote file name has no length"));
        }
        Some(name)
    } else {
        o.output.clone().filter(|f| f != "-")
    };
    let show_meter =
        !o.silent && !o.verbose && (file.is_some() || !std::io::stdout().is_terminal());
    if show_meter && !append {
        eprintln!(
            "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current"
        );
        eprintln!("                                 Dload  Upload   Total   Spent    Left  Speed");
        let n = data.len();
        eprintln!(
            "100 {:>5}  100 {:>5}    0     0  {:>5}      0 --:--:-- --:--:-- --:--:-- {:>5}",
            size(n as u64),
            size(n as u64),
            size(n as u64),
            size(n as u64)
        );
    }
    match file {
        Some(path) => {
            let res = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(append)
                .truncate(!append)
                .open(&path);
            match res.and_then(|mut f| f.write_all(data)) {
                Ok(()) => Ok(()),
                Err(e) => Err(fail(
                    o,
                    23,
                    &format!(
                        "Failure writing output to destination, passed {} returned 0 ({e})",
                        data.len()
                    ),
                )),
            }
        }
        None => {
            let mut out = std::io::stdout();
            let _ = out.write_all(data);
            let _ = out.flush();
            Ok(())
        }
    }
}

/// curl's compact size column: `615`, `12k`, `3M`.
fn size(n: u64) -> String {
    if n < 100_000 {
        n.to_string()
    } else if n < 100_000 * 1024 {
        format!("{}k", n / 1024)
    } else {
        format!("{}M", n / 1024 / 1024)
    }
}
