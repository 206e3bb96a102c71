//! Published ports as the course uses them: a page served on a host port, the access line in
//! the logs, refused after `stop` and served again after `start`, a bind-mounted page, a taken
//! port failing with Docker's message and leaving nothing behind. Traffic goes only to
//! 127.0.0.1 (the proxies' host side) and into the lab's own namespaces.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::Lab;

/// `GET path` on 127.0.0.1:port; `None` when nothing accepts or answers.
fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut body = String::new();
    stream.read_to_string(&mut body).ok()?;
    (!body.is_empty()).then_some(body)
}

/// Retries while the server inside starts up.
fn get_soon(port: u16, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(body) = get(port, path) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "nothing answered on 127.0.0.1:{port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn nginx_on_8080_stop_refuses_start_serves_again() {
    let _ports = super::PortLease::take(vec![8080]);
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["run", "-d", "-p", "8080:80", "--name", "my-nginx", "nginx"]);
    let page = get_soon(8080, "/");
    assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
    assert!(page.contains("Welcome to nginx!"), "{page}");
    let ps = lab.ok(&["ps", "--format", "{{.Names}} {{.Ports}}"]);
    assert_eq!(ps.trim(), "my-nginx 0.0.0.0:8080->80/tcp");
    assert_eq!(lab.ok(&["port", "my-nginx"]), "80/tcp -> 0.0.0.0:8080\n");
    let logs = lab.ok(&["logs", "my-nginx"]);
    assert!(logs.contains("\"GET / HTTP/1.0\" 200"), "{logs}");

    lab.ok(&["stop", "my-nginx"]);
    let refused = TcpStream::connect(("127.0.0.1", 8080)).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    assert_eq!(lab.ok(&["port", "my-nginx"]), "");

    lab.ok(&["start", "my-nginx"]);
    assert!(get_soon(8080, "/").contains("Welcome to nginx!"));
    lab.ok(&["rm", "-f", "my-nginx"]);
    assert!(TcpStream::connect(("127.0.0.1", 8080)).is_err());
    lab.assert_nothing_left();
}

#[test]
fn apache_on_8081_and_a_taken_port() {
    let _ports = super::PortLease::take(vec![8081]);
    let Some(lab) = Lab::new() else { return };
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "my-apache-server",
        "-p",
        "8081:80",
        "httpd",
    ]);
    let page = get_soon(8081, "/");
    assert!(page.contains("<h1>It works!</h1>"), "{page}");

    let out = lab.docker(&["run", "-d", "--name", "second", "-p", "8081:80", "httpd"]);
    assert_eq!(out.status.code(), Some(125));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Error response from daemon: driver failed programming external connectivity on endpoint second (")
            && err.contains("Bind for 0.0.0.0:8081 failed: port is already allocated."),
        "{err}"
    );
    let names = lab.ok(&["ps", "-a", "--format", "{{.Names}}"]);
    assert_eq!(
        names.trim(),
        "my-apache-server",
        "no half-made container is left"
    );
    // The first one still serves.
    assert!(get_soon(8081, "/").contains("It works!"));
    lab.ok(&["rm", "-f", "my-apache-server"]);
    lab.assert_nothing_left();
}

#[test]
fn a_bind_mounted_page_is_served_and_follows_edits() {
    let Some(lab) = Lab::new() else { return };
    let html = tempfile::tempdir().unwrap();
    std::fs::write(html.path().join("index.html"), "<h1>my own page</h1>\n").unwrap();
    let volume = format!("{}:/usr/share/nginx/html", html.path().display());
    lab.ok(&[
        "run",
        "-p",
        "18082:80",
        "--name",
        "custom-nginx",
        "-v",
        &volume,
        "-d",
        "nginx",
    ]);
    assert!(get_soon(18082, "/").contains("my own page"));
    std::fs::write(
        html.path().join("index.html"),
        "<h1>edited on the host</h1>\n",
    )
    .unwrap();
    assert!(get_soon(18082, "/").contains("edited on the host"));
    lab.ok(&["rm", "-f", "custom-nginx"]);
    lab.assert_nothing_left();
}

#[test]
fn publish_all_and_random_ports() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["run", "-d", "-P", "--name", "pa", "nginx"]);
    lab.ok(&["run", "-d", "-p", "127.0.0.1::80", "--name", "pr", "nginx"]);
    for name in ["pa", "pr"] {
        let mapping = lab.ok(&["port", name, "80"]);
        let (ip, port) = mapping.trim().rsplit_once(':').unwrap();
        let port: u16 = port.parse().unwrap();
        assert!(port > 1024, "{mapping}");
        assert_eq!(ip, if name == "pa" { "0.0.0.0" } else { "127.0.0.1" });
        assert!(get_soon(port, "/").contains("Welcome to nginx!"));
    }
    let bad = lab.docker(&["run", "-d", "-p", "80a", "nginx"]);
    assert_eq!(bad.status.code(), Some(125));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr),
        "docker: invalid containerPort: 80a.\nSee 'docker run --help'.\n"
    );
    lab.ok(&["rm", "-f", "pa", "pr"]);
    lab.assert_nothing_left();
}

#[test]
fn inspect_shows_the_published_ports() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["run", "-d", "-p", "18083:80", "--name", "ip", "nginx"]);
    let ports = lab.ok(&[
        "inspect",
        "--format",
        "{{json .NetworkSettings.Ports}}",
        "ip",
    ]);
    assert_eq!(
        ports.trim(),
        r#"{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"18083"}]}"#
    );
    let bindings = lab.ok(&[
        "inspect",
        "--format",
        "{{json .HostConfig.PortBindings}}",
        "ip",
    ]);
    assert_eq!(
        bindings.trim(),
        r#"{"80/tcp":[{"HostIp":"","HostPort":"18083"}]}"#
    );
    lab.ok(&["rm", "-f", "ip"]);
    lab.assert_nothing_left();
}
