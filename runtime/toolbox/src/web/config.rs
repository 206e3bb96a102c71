//! Reading the parts of nginx's and Apache's configuration files the servers act on:
//! where to listen, the document root, index files and log destinations. Everything
//! else in the files is accepted and ignored.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};

/// One virtual server: its listening addresses, root and index files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub listen: Vec<SocketAddr>,
    pub root: PathBuf,
    pub index: Vec<String>,
    pub server_name: String,
}

/// Where log lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    Stdout,
    Stderr,
    File(PathBuf),
    Off,
}

/// A server configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub sites: Vec<Site>,
    pub access_log: LogTarget,
    pub error_log: LogTarget,
    pub daemon: bool,
    pub pid_file: Option<PathBuf>,
    pub server_name_set: bool,
}

/// Errors while reading a configuration.
#[derive(Debug)]
pub struct ConfigError(pub String);

/// Splits nginx configuration text into tokens: words, quoted strings, `;`, `{`, `}`.
pub fn nginx_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut cur = String::new();
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            '"' | '\'' => {
                for n in chars.by_ref() {
                    if n == c {
                        break;
                    }
                    cur.push(n);
                }
                out.push(std::mem::take(&mut cur));
            }
            ';' | '{' | '}' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(c.to_string());
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Expands `include` patterns (`conf.d/*.conf`, relative to `base`) into file paths.
pub fn expand_include(pattern: &str, base: &Path) -> Vec<PathBuf> {
    let full = if pattern.starts_with('/') {
        PathBuf::from(pattern)
    } else {
        base.join(pattern)
    };
    let Some(name) = full.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return vec![];
    };
    if !name.contains('*') {
        return if full.exists() { vec![full] } else { vec![] };
    }
    let dir = full.parent().unwrap_or(Path::new("/"));
    let (prefix, suffix) = name.split_once('*').unwrap_or((&name, ""));
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let n = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    n.starts_with(prefix) && n.ends_with(suffix) && p.is_file()
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// nginx's `listen` value → address (`80`, `8080`, `127.0.0.1:8080`, `*:80`,
/// `[::]:80` — IPv6 listeners are skipped, since Docker's networks here are IPv4).
fn nginx_listen(v: &str) -> Option<SocketAddr> {
    if v.starts_with('[') {
        return None;
    }
    if let Ok(port) = v.parse::<u16>() {
        return Some(SocketAddr::V4(SocketAddrV4::new(
            Ipv4Addr::UNSPECIFIED,
            port,
        )));
    }
    let (host, port) = v.rsplit_once(':').unwrap_or((v, "80"));
    let port: u16 = port.parse().ok()?;
    let ip = if host == "*" || host.is_empty() {
        Ipv4Addr::UNSPECIFIED
    } else {
        host.parse().ok()?
    };
    Some(SocketAddr::V4(SocketAddrV4::new(ip, port)))
}

fn log_target(v: &str, default: LogTarget) -> LogTarget {
    match v {
        "off" => LogTarget::Off,
        "/dev/stdout" => LogTarget::Stdout,
        "/dev/stderr" | "stderr" => LogTarget::Stderr,
        "" => default,
        p => LogTarget::File(PathBuf::from(p)),
    }
}

/// Reads an nginx configuration (with its includes).
pub fn read_nginx(path: &Path, extra_directives: &str) -> Result<ServerConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError(format!(
            "open() \"{}\" failed ({}: {})",
            path.display(),
            e.raw_os_error().unwrap_or(0),
            crate::errtext(&e)
        ))
    })?;
    let base = path
        .parent()
        .unwrap_or(Path::new("/etc/nginx"))
        .to_path_buf();
    let mut tokens = nginx_tokens(extra_directives);
    tokens.extend(inline_includes(nginx_tokens(&text), &base, 0));
    Ok(parse_nginx_tokens(&tokens))
}

fn inline_includes(tokens: Vec<String>, base: &Path, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == "include" && i + 2 < tokens.len() + 1 && depth < 8 {
            let pattern = tokens.get(i + 1).cloned().unwrap_or_default();
            for f in expand_include(&pattern, base) {
                if pattern.contains("mime.types") {
                    continue;
                }
                let text = std::fs::read_to_string(&f).unwrap_or_default();
                out.extend(inline_includes(nginx_tokens(&text), base, depth + 1));
            }
            i += 3; // include, pattern, ;
            continue;
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// A server block being read: listen addresses, root, index files, server name.
type ServerBlock = (Vec<SocketAddr>, Option<String>, Option<Vec<String>>, String);

/// Interprets nginx tokens: `http { server { listen; root; index; location / { root } } }`.
pub fn parse_nginx_tokens(tokens: &[String]) -> ServerConfig {
    let mut cfg = ServerConfig {
        sites: Vec::new(),
        access_log: LogTarget::Stdout,
        error_log: LogTarget::Stderr,
        daemon: true,
        pid_file: None,
        server_name_set: false,
    };
    let mut stack: Vec<String> = Vec::new();
    let mut http_root: Option<String> = None;
    let mut http_index: Option<Vec<String>> = None;
    let mut current: Option<ServerBlock> = None;
    let mut stmt: Vec<String> = Vec::new();
    for t in tokens {
        match t.as_str() {
            "{" => {
                let name = stmt.first().cloned().unwrap_or_default();
                let ctx = if name == "location" {
                    format!("location {}", stmt.get(1).cloned().unwrap_or_default())
                } else {
                    name.clone()
                };
                if name == "server" && stack.last().map(String::as_str) == Some("http") {
                    current = Some((Vec::new(), None, None, String::new()));
                }
                stack.push(ctx);
                stmt.clear();
            }
            "}" => {
                if stack.pop().as_deref() == Some("server") {
                    if let Some((listen, root, index, name)) = current.take() {
                        let listen = if listen.is_empty() {
                            vec![nginx_listen("80").unwrap_or_else(|| "0.0.0.0:80".parse().unwrap())]
                        } else {
                            listen
                        };
                        cfg.sites.push(Site {
                            listen,
                            root: PathBuf::from(
                                root.or(http_root.clone()).unwrap_or_else(|| "html".into()),
                            ),
                            index: index
                                .or(http_index.clone())
                                .unwrap_or_else(|| vec!["index.html".into()]),
                            server_name: name,
                        });
                    }
                }
                stmt.clear();
            }
            ";" => {
                let name = stmt.first().cloned().unwrap_or_default();
                let args: Vec<String> = stmt.iter().skip(1).cloned().collect();
                let ctx = stack.last().cloned().unwrap_or_default();
                let in_server = stack.iter().any(|s| s == "server");
                let root_location = ctx == "location /" || ctx == "server";
                match name.as_str() {
                    "daemon" if stack.is_empty() => {
                        cfg.daemon = args.first().map(String::as_str) != Some("off")
                    }
                    "pid" if stack.is_empty() => cfg.pid_file = args.first().map(PathBuf::from),
                    "error_log" if stack.is_empty() || ctx == "http" => {
                        cfg.error_log = log_target(
                            args.first().map(String::as_str).unwrap_or(""),
                            LogTarget::Stderr,
                        )
                    }
                    "access_log" if ctx == "http" || ctx == "server" => {
                        cfg.access_log = log_target(
                            args.first().map(String::as_str).unwrap_or(""),
                            LogTarget::Stdout,
                        )
                    }
                    "listen" if in_server => {
                        if let (Some(cur), Some(a)) =
                            (current.as_mut(), args.first().and_then(|v| nginx_listen(v)))
                        {
                            cur.0.push(a);
                        }
                    }
                    "server_name" if in_server => {
                        if let Some(cur) = current.as_mut() {
                            cur.3 = args.first().cloned().unwrap_or_default();
                        }
                        cfg.server_name_set = true;
                    }
                    "root" if in_server && root_location => {
                        if let Some(cur) = current.as_mut() {
                            cur.1 = args.first().cloned();
                        }
                    }
                    "index" if in_server && root_location => {
                        if let Some(cur) = current.as_mut() {
                            cur.2 = Some(args.clone());
                        }
                    }
                    "root" if ctx == "http" => http_root = args.first().cloned(),
                    "index" if ctx == "http" => http_index = Some(args.clone()),
                    _ => {}
                }
                stmt.clear();
            }
            _ => stmt.push(t.clone()),
        }
    }
    cfg
}

/// Reads an Apache configuration (with `Include`/`IncludeOptional`), relative to
/// `ServerRoot` (default `/usr/local/apache2`).
pub fn read_httpd(path: &Path) -> Result<ServerConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|_| {
        ConfigError(format!(
            "httpd: Could not open configuration file {}: No such file or directory",
            path.display()
        ))
    })?;
    let mut lines = Vec::new();
    let mut server_root = PathBuf::from("/usr/local/apache2");
    collect_httpd_lines(&text, &mut server_root, &mut lines, 0);
    Ok(parse_httpd_lines(&lines))
}

fn collect_httpd_lines(
    text: &str,
    server_root: &mut PathBuf,
    out: &mut Vec<Vec<String>>,
    depth: usize,
) {
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words = httpd_words(line);
        let Some(first) = words.first() else { continue };
        match first.to_ascii_lowercase().as_str() {
            "serverroot" => {
                if let Some(v) = words.get(1) {
                    *server_root = PathBuf::from(v);
                }
            }
            "include" | "includeoptional" if depth < 8 => {
                if let Some(p) = words.get(1) {
                    for f in expand_include(p, server_root) {
                        let t = std::fs::read_to_string(&f).unwrap_or_default();
                        collect_httpd_lines(&t, server_root, out, depth + 1);
                    }
                }
                continue;
            }
            _ => {}
        }
        out.push(words);
    }
}

fn httpd_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Interprets Apache directives: the first `DocumentRoot` and `DirectoryIndex` outside a
/// `<VirtualHost>` win (a vhost's are used if there is none outside); every `Listen`.
pub fn parse_httpd_lines(lines: &[Vec<String>]) -> ServerConfig {
    let mut listen = Vec::new();
    let mut root: Option<String> = None;
    let mut vhost_root: Option<String> = None;
    let mut index: Option<Vec<String>> = None;
    let mut in_vhost = false;
    let mut server_name_set = false;
    let mut error_log = LogTarget::Stderr;
    let mut access_log = LogTarget::Stdout;
    let mut pid_file = None;
    for w in lines {
        let key = w[0].to_ascii_lowercase();
        let arg = w.get(1).cloned().unwrap_or_default();
        match key.as_str() {
            "<virtualhost" => in_vhost = true,
            "</virtualhost>" => in_vhost = false,
            "listen" => {
                let v = arg.as_str();
                let addr = if let Ok(p) = v.parse::<u16>() {
                    Some(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, p)))
                } else {
                    v.parse::<SocketAddr>().ok().filter(SocketAddr::is_ipv4)
                };
                if let Some(a) = addr {
                    listen.push(a);
                }
            }
            "documentroot" if in_vhost => vhost_root = vhost_root.or(Some(arg)),
            "documentroot" => root = root.or(Some(arg)),
            "directoryindex" => index = Some(w[1..].to_vec()),
            "servername" if !in_vhost => server_name_set = true,
            "errorlog" => error_log = log_target(&arg, LogTarget::Stderr),
            "customlog" | "transferlog" => access_log = log_target(&arg, LogTarget::Stdout),
            "pidfile" => pid_file = Some(PathBuf::from(arg)),
            _ => {}
        }
    }
    if listen.is_empty() {
        listen.push(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 80)));
    }
    ServerConfig {
        sites: vec![Site {
            listen,
            root: PathBuf::from(
                root.or(vhost_root)
                    .unwrap_or_else(|| "/usr/local/apache2/htdocs".into()),
            ),
            index: index.unwrap_or_else(|| vec!["index.html".into()]),
            server_name: String::new(),
        }],
        access_log,
        error_log,
        daemon: true,
        pid_file,
        server_name_set,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_server_blocks() {
        let text = r#"
            user nginx; # comment
            events { worker_connections 1024; }
            http {
                access_log /var/log/nginx/access.log main;
                server {
                    listen 8080; listen [::]:8080;
                    server_name localhost;
                    location / { root /srv/www; index home.html index.html; }
                }
            }"#;
        let cfg = parse_nginx_tokens(&nginx_tokens(text));
        assert_eq!(cfg.sites.len(), 1);
        assert_eq!(cfg.sites[0].listen, vec!["0.0.0.0:8080".parse().unwrap()]);
        assert_eq!(cfg.sites[0].root, PathBuf::from("/srv/www"));
        assert_eq!(cfg.sites[0].index, vec!["home.html", "index.html"]);
        assert_eq!(
            cfg.access_log,
            LogTarget::File("/var/log/nginx/access.log".into())
        );
        assert!(cfg.daemon);
        let cfg = parse_nginx_tokens(&nginx_tokens("daemon off;"));
        assert!(!cfg.daemon);
    }

    #[test]
    fn httpd_directives() {
        let lines: Vec<Vec<String>> = [
            "ServerRoot \"/usr/local/apache2\"",
            "Listen 127.0.0.1:8081",
            "DocumentRoot \"/srv/site\"",
            "<Directory \"/srv/site\">",
            "DirectoryIndex index.htm",
        ]
        .iter()
        .map(|l| httpd_words(l))
        .collect();
        let cfg = parse_httpd_lines(&lines);
        assert_eq!(cfg.sites[0].listen, vec!["127.0.0.1:8081".parse().unwrap()]);
        assert_eq!(cfg.sites[0].root, PathBuf::from("/srv/site"));
        assert_eq!(cfg.sites[0].index, vec!["index.htm"]);
        assert!(!cfg.server_name_set);
    }
}
