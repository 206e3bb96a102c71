//! What makes a response look like nginx's or Apache's: the Server header, ETag form,
//! keep-alive headers, error pages, and the access-log line.

use crate::timefmt::Civil;

pub const NGINX_VERSION: &str = "1.25.5";
pub const APACHE_VERSION: &str = "2.4.58";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Nginx,
    Apache,
}

/// What the access log needs to know about one request.
pub struct LogEntry<'a> {
    pub client: String,
    pub request_line: &'a str,
    pub status: u16,
    pub body_bytes: u64,
    pub referer: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub forwarded_for: Option<&'a str>,
    pub time: Civil,
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

impl Flavor {
    pub fn server_header(self) -> String {
        match self {
            Flavor::Nginx => format!("nginx/{NGINX_VERSION}"),
            Flavor::Apache => format!("Apache/{APACHE_VERSION} (Unix)"),
        }
    }

    /// Extra headers on every keep-alive response.
    pub fn keep_alive_headers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Flavor::Nginx => &[("Connection", "keep-alive")],
            Flavor::Apache => &[
                ("Keep-Alive", "timeout=5, max=100"),
                ("Connection", "Keep-Alive"),
            ],
        }
    }

    /// How long an idle keep-alive connection is kept (nginx 75 s, Apache 5 s).
    pub fn keep_alive_secs(self) -> u64 {
        match self {
            Flavor::Nginx => 75,
            Flavor::Apache => 5,
        }
    }

    /// The ETag of a file from its size and modification time.
    pub fn etag(self, size: u64, mtime_secs: u64, mtime_micros: u64) -> String {
        match self {
            Flavor::Nginx => format!("\"{mtime_secs:x}-{size:x}\""),
            Flavor::Apache => format!("\"{size:x}-{:x}\"", mtime_secs * 1_000_000 + mtime_micros),
        }
    }

    /// The body of an error response and its content type.
    pub fn error_page(self, status: u16, path: &str) -> (String, &'static str) {
        let r = reason(status);
        match self {
            Flavor::Nginx => {
                let title = if status == 405 {
                    "405 Not Allowed".to_string()
                } else {
                    format!("{status} {r}")
                };
                (
                    format!(
                        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx/{NGINX_VERSION}</center>\r\n</body>\r\n</html>\r\n"
                    ),
                    "text/html",
                )
            }
            Flavor::Apache => {
                let detail = match status {
                    404 => "<p>The requested URL was not found on this server.</p>\n".to_string(),
                    403 => "<p>You don't have permission to access this resource.</p>\n".to_string(),
                    405 => format!("<p>The requested method is not allowed for the URL {}.</p>\n", html_escape(path)),
                    400 => "<p>Your browser sent a request that this server could not understand.<br />\n</p>\n".to_string(),
                    301 => format!("<p>The document has moved <a href=\"{}\">here</a>.</p>\n", html_escape(path)),
                    _ => String::new(),
                };
                (
                    format!(
                        "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>{status} {r}</title>\n</head><body>\n<h1>{}</h1>\n{detail}</body></html>\n",
                        if status == 301 { "Moved Permanently" } else { r }
                    ),
                    "text/html; charset=iso-8859-1",
                )
            }
        }
    }

    /// The access-log line: nginx's `main`/combined format with `$http_x_forwarded_for`,
    /// Apache's common log format.
    pub fn access_line(self, e: &LogEntry) -> String {
        let dash = |v: Option<&str>| v.filter(|s| !s.is_empty()).unwrap_or("-").to_string();
        match self {
            Flavor::Nginx => format!(
                "{} - - [{}] \"{}\" {} {} \"{}\" \"{}\" \"{}\"",
                e.client,
                e.time.nginx_log(),
                e.request_line,
                e.status,
                e.body_bytes,
                dash(e.referer),
                dash(e.user_agent),
                dash(e.forwarded_for)
            ),
            Flavor::Apache => format!(
                "{} - - [{}] \"{}\" {} {}",
                e.client,
                e.time.nginx_log(),
                e.request_line,
                e.status,
                if e.body_bytes == 0 {
                    "-".to_string()
                } else {
                    e.body_bytes.to_string()
                }
            ),
        }
    }
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines() {
        let t = Civil::from_system(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_431_164),
        );
        let e = LogEntry {
            client: "172.17.0.1".into(),
            request_line: "GET / HTTP/1.1",
            status: 200,
            body_bytes: 615,
            referer: None,
            user_agent: Some("curl/8.5.0"),
            forwarded_for: None,
            time: t,
        };
        assert_eq!(
            Flavor::Nginx.access_line(&e),
            "172.17.0.1 - - [23/Nov/2026:10:52:44 +0000] \"GET / HTTP/1.1\" 200 615 \"-\" \"curl/8.5.0\" \"-\""
        );
        assert_eq!(
            Flavor::Apache.access_line(&e),
            "172.17.0.1 - - [23/Nov/2026:10:52:44 +0000] \"GET / HTTP/1.1\" 200 615"
        );
    }
}
