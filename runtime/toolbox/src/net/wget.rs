//! `wget`: download over plain HTTP with busybox wget's options and messages (`-O FILE`,
//! `-O -`, `-q`, `-S`, `-U`, `-T`, `--spider`). Redirects are followed; HTTP errors exit 1
//! with `wget: server returned error: HTTP/1.1 404 Not Found`.

use std::ffi::OsString;
use std::io::Write;
use std::time::Duration;

use super::http::{self, FetchError, Request, Url};

pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut quiet = false;
    let mut output: Option<String> = None;
    let mut server_response = false;
    let mut spider = false;
    let mut agent = "Wget".to_string();
    let mut timeout = Duration::from_secs(900);
    let mut urls = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let next = |i: &mut usize| -> Option<String> {
            *i += 1;
            args.get(*i).cloned()
        };
        match a.as_str() {
            "-q" | "--quiet" => quiet = true,
            "-S" | "--server-response" => server_response = true,
            "--spider" => spider = true,
            "-O" | "--output-document" => output = next(&mut i),
            "-U" | "--user-agent" => agent = next(&mut i).unwrap_or(agent),
            "-T" | "--timeout" => {
                timeout = next(&mut i)
                    .and_then(|v| v.parse().ok())
                    .map(Duration::from_secs)
                    .unwrap_or(timeout)
            }
            "-c" | "--continue" | "-nv" | "--no-check-certificate" => {}
            s if s.starts_with("-O") && s.len() > 2 => output = Some(s[2..].to_string()),
            s if s.starts_with("--output-document=") => output = Some(s[18..].to_string()),
            s if s.starts_with("-qO") => {
                quiet = true;
                output = if s.len() > 3 {
                    Some(s[3..].to_string())
                } else {
                    next(&mut i)
                };
            }
            s if s.starts_with('-') && s.len() > 1 => {
                eprintln!("wget: unrecognized option '{s}'");
                eprintln!("BusyBox v1.36.1 (dockerlings lab build) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...");
                return 1;
            }
            _ => urls.push(a.clone()),
        }
        i += 1;
    }
    if urls.is_empty() {
        eprintln!("BusyBox v1.36.1 (dockerlings lab build) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...");
        return 1;
    }
    for u in urls {
        let code = fetch(
            &u,
            quiet,
            output.as_deref(),
            server_response,
            spider,
            &agent,
            timeout,
        );
        if code != 0 {
            return code;
        }
    }
    0
}

fn fetch(
    raw: &str,
    quiet: bool,
    output: Option<&str>,
    server_response: bool,
    spider: bool,
    agent: &str,
    timeout: Duration,
) -> i32 {
    let mut url = match Url::parse(raw) {
        Ok(u) => u,
        Err(_) => {
            eprintln!("wget: bad address '{raw}'");
            return 1;
        }
    };
    for _ in 0..20 {
        if url.scheme == "https" {
            eprintln!("wget: not an http or ftp url: {raw}");
            eprintln!(
                "wget: note: this dockerlings lab build has no TLS, so https:// cannot be fetched"
            );
            return 1;
        }
        if url.scheme != "http" {
            eprintln!("wget: not an http or ftp url: {raw}");
            return 1;
        }
        let addr = match super::resolve::resolve_one(&url.host) {
            Ok(a) => a,
            Err(_) => {
                eprintln!("wget: bad address '{}'", url.host);
                return 1;
            }
        };
        if !quiet {
            eprintln!(
                "Connecting to {}:{} ({}:{})",
                url.host, url.port, addr, url.port
            );
        }
        let stream = match http::connect(&url, timeout) {
            Ok(s) => s,
            Err(FetchError::Connect { addr, err, .. }) => {
                let msg = if err.kind() == std::io::ErrorKind::ConnectionRefused {
                    "Connection refused".to_string()
                } else if err.kind() == std::io::ErrorKind::TimedOut {
                    "Connection timed out".to_string()
                } else {
                    crate::errtext(&err)
                };
                eprintln!("wget: can't connect to remote host ({addr}): {msg}");
                return 1;
            }
            Err(_) => {
                eprintln!("wget: bad address '{}'", url.host);
                return 1;
            }
        };
        let _ = stream.set_read_timeout(Some(timeout));
        let method = if spider { "HEAD" } else { "GET" };
        let headers = vec![
            ("User-Agent".to_string(), agent.to_string()),
            ("Connection".into(), "close".into()),
        ];
        let req = Request {
            method,
            url: &url,
            headers,
            body: None,
        };
        let resp = match http::exchange(stream, &req) {
            Ok(r) => r,
            Err(_) => {
                eprintln!("wget: error getting response: Connection reset by peer");
                return 1;
            }
        };
        if server_response {
            for line in resp.head_text().trim_end().split("\r\n") {
                eprintln!("  {line}");
            }
        }
        if (300..400).contains(&resp.status) {
            if let Some(loc) = resp.header("location") {
                match url.join(loc) {
                    Ok(next) => {
                        url = next;
                        continue;
                    }
                    Err(_) => {
                        eprintln!("wget: bad address '{loc}'");
                        return 1;
                    }
                }
            }
        }
        if resp.status >= 400 {
            eprintln!(
                "wget: server returned error: {} {} {}",
                resp.version, resp.status, resp.reason
            );
            return 1;
        }
        if spider {
            if !quiet {
                eprintln!("remote file exists");
            }
            return 0;
        }
        let name = match output {
            Some(o) => o.to_string(),
            None => match url.file_name() {
                "" => "index.html".to_string(),
                name => name.to_string(),
            },
        };
        if name == "-" {
            if !quiet {
                eprintln!("writing to stdout");
            }
            let mut out = std::io::stdout();
            let _ = out.write_all(&resp.body);
            let _ = out.flush();
            if !quiet {
                eprintln!(
                    "{:<20} 100% |********************************| {:>5}  0:00:00 ETA",
                    "-",
                    size(resp.body.len())
                );
                eprintln!("written to stdout");
            }
            return 0;
        }
        if !quiet {
            eprintln!("saving to '{name}'");
        }
        if let Err(e) = std::fs::write(&name, &resp.body) {
            eprintln!("wget: can't open '{name}': {}", crate::errtext(&e));
            return 1;
        }
        if !quiet {
            let shown: String = name.chars().take(20).collect();
            eprintln!(
                "{shown:<20} 100% |********************************| {:>5}  0:00:00 ETA",
                size(resp.body.len())
            );
            eprintln!("'{name}' saved");
        }
        return 0;
    }
    eprintln!("wget: too many redirections");
    1
}

/// busybox's size column: bytes below 100000, then `123k`, `45M`.
fn size(n: usize) -> String {
    if n < 100_000 {
        n.to_string()
    } else if n < 100_000 * 1024 {
        format!("{}k", n / 1024)
    } else {
        format!("{}M", n / 1024 / 1024)
    }
}
