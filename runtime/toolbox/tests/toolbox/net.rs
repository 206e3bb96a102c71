//! curl and wget against the toolbox's own nginx on loopback; ping on loopback.

use crate::common::*;

fn nginx(tb: &Toolbox) -> Running {
    let root = tb.dir.path().join("www");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("index.html"), "hello over http\n").unwrap();
    let port = free_port();
    let conf = tb.dir.path().join("n.conf");
    std::fs::write(
        &conf,
        format!(
            "daemon off;\nevents {{}}\nhttp {{ server {{ listen 127.0.0.1:{port}; root {}; }} }}\n",
            root.display()
        ),
    )
    .unwrap();
    let mut cmd = tb.cmd("nginx");
    cmd.args(["-c", conf.to_str().unwrap()]);
    Running::start(cmd, port)
}

#[test]
fn curl_options() {
    let tb = Toolbox::new();
    let srv = nginx(&tb);
    let url = format!("http://localhost:{}/", srv.port);
    let out = tb.run("curl", &["-s", &url]);
    assert_eq!(stdout(&out), "hello over http\n");
    let log = srv.next_out();
    assert!(log.contains("\"curl/8.5.0\""), "{log}");
    let head = stdout(&tb.run("curl", &["-sI", &url]));
    assert!(head.starts_with("HTTP/1.1 200 OK\r\nServer: nginx/1.25.5\r\n"));
    let inc = stdout(&tb.run("curl", &["-si", &url]));
    assert!(inc.starts_with("HTTP/1.1 200 OK\r\n") && inc.ends_with("\r\n\r\nhello over http\n"));
    let file = tb.dir.path().join("got.html");
    let out = tb.run("curl", &["-s", "-o", file.to_str().unwrap(), &url]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "hello over http\n");
    let verbose = tb.run("curl", &["-v", "-s", &url]);
    assert!(stderr(&verbose).contains("> GET / HTTP/1.1\n"));
    assert!(stderr(&verbose).contains("< HTTP/1.1 200 OK\n"));
    srv.stop("TERM");
}

#[test]
fn curl_connection_refused_is_exit_7() {
    let tb = Toolbox::new();
    let port = free_port();
    let out = tb.run("curl", &[&format!("http://127.0.0.1:{port}/")]);
    assert_eq!(out.status.code(), Some(7));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "curl: (7) Failed to connect to 127.0.0.1 port {port} after "
        )),
        "{err}"
    );
    assert!(err.trim_end().ends_with(" ms: Couldn't connect to server"));
    let tls = tb.run("curl", &["-s", "https://example.invalid/"]);
    assert_eq!(tls.status.code(), Some(1));
}

#[test]
fn wget_downloads() {
    let tb = Toolbox::new();
    let srv = nginx(&tb);
    let url = format!("http://127.0.0.1:{}/index.html", srv.port);
    let out = tb.run("wget", &["-q", "-O", "-", &url]);
    assert_eq!(stdout(&out), "hello over http\n");
    let out = tb
        .cmd("wget")
        .current_dir(tb.dir.path())
        .arg(&url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "Connecting to 127.0.0.1:{} (127.0.0.1:{})\nsaving to 'index.html'\n",
            srv.port, srv.port
        )),
        "{err}"
    );
    assert!(err.ends_with("'index.html' saved\n"));
    assert_eq!(
        std::fs::read_to_string(tb.dir.path().join("index.html")).unwrap(),
        "hello over http\n"
    );
    let missing = tb.run(
        "wget",
        &[
            "-q",
            "-O",
            "-",
            &format!("http://127.0.0.1:{}/nope", srv.port),
        ],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("wget: server returned error: HTTP/1.1 404 Not Found"));
    srv.stop("TERM");
}

#[test]
fn ping_loopback_once() {
    if !require_root("ping_loopback_once") {
        return;
    }
    let tb = Toolbox::new();
    let out = tb.run("ping", &["-c", "1", "127.0.0.1"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text} {}", stderr(&out));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.");
    let re =
        regex::Regex::new(r"^64 bytes from 127\.0\.0\.1: icmp_seq=1 ttl=\d+ time=\d+(\.\d+)? ms$")
            .unwrap();
    assert!(re.is_match(lines[1]), "{:?}", lines[1]);
    assert_eq!(lines[3], "--- 127.0.0.1 ping statistics ---");
    assert!(lines[4].starts_with("1 packets transmitted, 1 received, 0% packet loss, time "));
    assert!(lines[5].starts_with("rtt min/avg/max/mdev = "));
}
