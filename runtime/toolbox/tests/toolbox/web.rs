//! nginx and httpd on 127.0.0.1 with an ephemeral port from a temp configuration.

use std::io::{BufReader, Write};
use std::net::TcpStream;

use crate::common::*;

fn site(tb: &Toolbox) -> std::path::PathBuf {
    let root = tb.dir.path().join("html");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("index.html"), "<h1>Welcome</h1>\n").unwrap();
    std::fs::write(root.join("style.css"), "body{}\n").unwrap();
    std::fs::write(root.join("sub/index.html"), "sub page\n").unwrap();
    std::fs::write(tb.dir.path().join("secret.txt"), "outside the root\n").unwrap();
    root
}

fn start_nginx(tb: &Toolbox) -> Running {
    let root = site(tb);
    let port = free_port();
    let conf = tb.dir.path().join("nginx.conf");
    std::fs::create_dir_all(tb.dir.path().join("conf.d")).unwrap();
    std::fs::write(
        tb.dir.path().join("conf.d/default.conf"),
        format!("server {{\n  listen 127.0.0.1:{port};\n  server_name localhost;\n  location / {{\n    root {};\n    index index.html index.htm;\n  }}\n}}\n", root.display()),
    )
    .unwrap();
    std::fs::write(
        &conf,
        format!(
            "pid {}/nginx.pid;\nevents {{ worker_connections 1024; }}\nhttp {{\n  include {}/conf.d/*.conf;\n}}\n",
            tb.dir.path().display(),
            tb.dir.path().display()
        ),
    )
    .unwrap();
    let mut cmd = tb.cmd("nginx");
    cmd.args(["-c", conf.to_str().unwrap(), "-g", "daemon off;"]);
    Running::start(cmd, port)
}

#[test]
fn nginx_serves_files_with_its_headers_and_log() {
    let tb = Toolbox::new();
    let srv = start_nginx(&tb);
    let resp = http_raw(
        srv.port,
        "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8.5.0\r\nConnection: close\r\n\r\n",
    );
    assert!(
        resp.starts_with("HTTP/1.1 200 OK\r\nServer: nginx/1.25.5\r\nDate: "),
        "{resp}"
    );
    assert!(resp.contains("\r\nContent-Type: text/html\r\nContent-Length: 17\r\n"));
    assert!(resp.ends_with("\r\n\r\n<h1>Welcome</h1>\n"));
    let log = srv.next_out();
    let re = regex::Regex::new(
        r#"^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET / HTTP/1\.1" 200 17 "-" "curl/8\.5\.0" "-"$"#,
    )
    .unwrap();
    assert!(re.is_match(&log), "access log line: {log:?}");

    let css = http_raw(srv.port, "GET /style.css HTTP/1.0\r\n\r\n");
    assert!(css.contains("Content-Type: text/css\r\n"));
    let head = http_raw(srv.port, "HEAD /index.html HTTP/1.0\r\n\r\n");
    assert!(
        head.contains("Content-Length: 17\r\n") && head.ends_with("\r\n\r\n"),
        "{head}"
    );

    let missing = http_raw(srv.port, "GET /nope.html HTTP/1.0\r\n\r\n");
    assert!(missing.starts_with("HTTP/1.1 404 Not Found\r\n"));
    assert!(missing
        .contains("<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.25.5</center>"));

    let redirect = http_raw(srv.port, "GET /sub HTTP/1.0\r\nHost: localhost\r\n\r\n");
    assert!(redirect.starts_with("HTTP/1.1 301 Moved Permanently\r\n"));
    assert!(redirect.contains(&format!("Location: http://localhost:{}/sub/\r\n", srv.port)));
    let sub = http_raw(srv.port, "GET /sub/ HTTP/1.0\r\n\r\n");
    assert!(sub.ends_with("sub page\n"));

    let traversal = http_raw(srv.port, "GET /../secret.txt HTTP/1.0\r\n\r\n");
    assert!(
        traversal.starts_with("HTTP/1.1 400 Bad Request"),
        "{traversal}"
    );
    let encoded = http_raw(srv.port, "GET /%2e%2e/secret.txt HTTP/1.0\r\n\r\n");
    assert!(!encoded.contains("outside the root"));

    let (code, errs) = srv.stop("QUIT");
    assert_eq!(code, 0);
    assert!(
        errs.iter()
            .any(|l| l.contains("[notice]") && l.contains("nginx/1.25.5")),
        "{errs:?}"
    );
    assert!(errs.iter().any(|l| l.contains("[error]")
        && l.contains("open() \"")
        && l.contains("nope.html\" failed (2: No such file or directory)")));
    assert!(errs
        .iter()
        .any(|l| l.contains("signal 3 (SIGQUIT) received, shutting down")));
}

#[test]
fn nginx_keep_alive_two_requests_one_connection() {
    let tb = Toolbox::new();
    let srv = start_nginx(&tb);
    let mut s = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let (h1, b1) = read_response(&mut r);
    assert!(h1.contains("Connection: keep-alive\r\n"));
    assert_eq!(b1, "<h1>Welcome</h1>\n");
    s.write_all(b"GET /sub/ HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (h2, b2) = read_response(&mut r);
    assert!(h2.starts_with("HTTP/1.1 200 OK"));
    assert_eq!(b2, "sub page\n");
    drop(r);
    drop(s);
    let (code, _) = srv.stop("TERM");
    assert_eq!(code, 0);
}

#[test]
fn nginx_concurrent_clients() {
    let tb = Toolbox::new();
    let srv = start_nginx(&tb);
    // Hold one idle keep-alive connection open while others are served.
    let idle = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    let port = srv.port;
    let handles: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                http_raw(
                    port,
                    "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                )
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap().ends_with("<h1>Welcome</h1>\n"));
    }
    drop(idle);
    let lines: Vec<String> = (0..8).map(|_| srv.next_out()).collect();
    assert!(lines
        .iter()
        .all(|l| l.contains("\"GET / HTTP/1.1\" 200 17")));
    srv.stop("TERM");
}

#[test]
fn nginx_test_and_version() {
    let tb = Toolbox::new();
    let out = tb.run("nginx", &["-v"]);
    assert_eq!(stderr(&out), "nginx version: nginx/1.25.5\n");
    let conf = tb.dir.path().join("t.conf");
    std::fs::write(&conf, "events {}\nhttp { server { listen 8080; } }\n").unwrap();
    let out = tb.run("nginx", &["-t", "-c", conf.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("syntax is ok"));
    let out = tb.run(
        "nginx",
        &["-c", "/nonexistent/nginx.conf", "-g", "daemon off;"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(
        "[emerg] open() \"/nonexistent/nginx.conf\" failed (2: No such file or directory)"
    ));
}

#[test]
fn httpd_serves_files_like_apache() {
    let tb = Toolbox::new();
    let root = site(&tb);
    let port = free_port();
    let conf = tb.dir.path().join("httpd.conf");
    std::fs::write(
        &conf,
        format!("ServerRoot \"{}\"\nListen 127.0.0.1:{port}\nDocumentRoot \"{}\"\n<Directory \"{}\">\n</Directory>\nDirectoryIndex index.html\n", tb.dir.path().display(), root.display(), root.display()),
    )
    .unwrap();
    let mut cmd = tb.cmd("httpd-foreground");
    cmd.args(["-f", conf.to_str().unwrap()]);
    let srv = Running::start(cmd, port);
    let resp = http_raw(
        srv.port,
        "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(resp.starts_with("HTTP/1.1 200 OK\r\nDate: "), "{resp}");
    assert!(resp.contains("\r\nServer: Apache/2.4.58 (Unix)\r\n"));
    assert!(resp.ends_with("<h1>Welcome</h1>\n"));
    let log = srv.next_out();
    let re = regex::Regex::new(r#"^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET / HTTP/1\.1" 200 17$"#).unwrap();
    assert!(re.is_match(&log), "{log:?}");
    let missing = http_raw(srv.port, "GET /nope HTTP/1.0\r\n\r\n");
    assert!(missing.starts_with("HTTP/1.1 404 Not Found\r\n"));
    assert!(missing
        .contains("<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>"));
    assert!(srv.next_out().ends_with("\"GET /nope HTTP/1.0\" 404 196"));
    let (code, errs) = srv.stop("WINCH");
    assert_eq!(code, 0);
    assert!(errs.iter().any(|l| l.starts_with(
        "AH00558: httpd: Could not reliably determine the server's fully qualified domain name"
    )));
    assert!(errs.iter().any(|l| l.contains("[mpm_event:notice]")
        && l.contains("AH00489: Apache/2.4.58 (Unix) configured -- resuming normal operations")));
    assert!(errs
        .iter()
        .any(|l| l.contains("AH00492: caught SIGWINCH, shutting down gracefully")));
}

#[test]
fn diamol_web_serves_its_page_without_a_document_root() {
    let tb = Toolbox::new();
    let port = free_port();
    let conf = tb.dir.path().join("httpd.conf");
    let missing = tb.dir.path().join("no-such-htdocs");
    std::fs::write(
        &conf,
        format!(
            "ServerRoot \"{}\"\nListen 127.0.0.1:{port}\nDocumentRoot \"{}\"\nDirectoryIndex index.html\n",
            tb.dir.path().display(),
            missing.display()
        ),
    )
    .unwrap();
    let mut cmd = tb.cmd("diamol-web");
    cmd.args(["-f", conf.to_str().unwrap()]);
    let srv = Running::start(cmd, port);
    let resp = http_raw(srv.port, "GET / HTTP/1.0\r\n\r\n");
    assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
    assert!(
        resp.contains("<title>Hello from Chapter 2</title>"),
        "{resp}"
    );
    let other = http_raw(srv.port, "GET /nope HTTP/1.0\r\n\r\n");
    assert!(other.starts_with("HTTP/1.1 404 Not Found\r\n"), "{other}");
    let _ = srv.stop("WINCH");
}
