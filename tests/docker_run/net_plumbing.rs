//! Container networking made real, end to end: the lab host, bridges, veth pairs, addresses,
//! `/etc` files, the embedded DNS and ping, through the real app binary and supervisors.
//! Root only (the `Lab` of this test binary). Traffic goes only between containers, inside
//! namespaces the engine made.

use std::time::{Duration, Instant};

use dockerlings_runtime::network::{labhost, plumbing};

use super::Lab;

impl Lab {
    /// `docker exec <c> <cmd…>`: (exit code, stdout, stderr).
    fn exec(&self, container: &str, cmd: &[&str]) -> (i32, String, String) {
        let mut args = vec!["exec", container];
        args.extend_from_slice(cmd);
        let out = self.docker(&args);
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ip_of(&self, container: &str, network: &str) -> String {
        let format = format!("{{{{.NetworkSettings.Networks.{network}.IPAddress}}}}");
        self.ok(&["inspect", "-f", &format, container])
            .trim()
            .to_string()
    }

    /// The interfaces in the container (from `/proc/net/dev`).
    fn interfaces(&self, container: &str) -> Vec<String> {
        let (code, out, err) = self.exec(container, &["cat", "/proc/net/dev"]);
        assert_eq!(code, 0, "{err}");
        out.lines()
            .skip(2)
            .filter_map(|l| l.split(':').next())
            .map(|n| n.trim().to_string())
            .collect()
    }

    /// The lab host's interfaces: (name, kind).
    fn lab_links(&self) -> Vec<(String, String)> {
        plumbing::lab_links(self.run.path()).unwrap()
    }

    fn veths_in_lab(&self) -> Vec<String> {
        self.lab_links()
            .into_iter()
            .filter(|(_, kind)| kind == "veth")
            .map(|(name, _)| name)
            .collect()
    }
}

/// Waits (bounded) until `cond` holds; the kernel frees a dead namespace's devices lazily.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// iputils' reply line, up to the time.
fn assert_reply_line(out: &str, from: &str, seq: u32) {
    let prefix = format!("64 bytes from {from}: icmp_seq={seq} ttl=64 time=");
    assert!(
        out.lines()
            .any(|l| l.starts_with(&prefix) && l.ends_with(" ms")),
        "no `{prefix}…` line in:\n{out}"
    );
}

#[test]
fn default_bridge_pings_by_ip_but_not_by_name_except_links() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["run", "-d", "--name", "one", "ubuntu:22.04", "sleep", "600"]);
    lab.ok(&["run", "-d", "--name", "two", "ubuntu:22.04", "sleep", "600"]);
    let two = lab.ip_of("two", "bridge");
    assert!(two.starts_with("172.17.0."), "{two}");

    let (code, out, err) = lab.exec("one", &["ping", "-c", "2", "-W", "2", &two]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with(&format!("PING {two} ({two}) 56(84) bytes of data.\n")),
        "{out}"
    );
    assert_reply_line(&out, &two, 1);
    assert_reply_line(&out, &two, 2);
    assert!(
        out.contains(&format!(
            "\n--- {two} ping statistics ---\n2 packets transmitted, 2 received, 0% packet loss, time "
        )),
        "{out}"
    );
    assert!(out.contains("\nrtt min/avg/max/mdev = "), "{out}");

    let (code, _, err) = lab.exec("one", &["ping", "-c", "1", "-W", "1", "two"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err, "ping: two: Name or service not known\n");

    // --link makes the name (and an alias) work, through /etc/hosts.
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "three",
        "--link",
        "two:db",
        "ubuntu:22.04",
        "sleep",
        "600",
    ]);
    let (_, hosts, _) = lab.exec("three", &["cat", "/etc/hosts"]);
    let two_id = lab.ok(&["inspect", "-f", "{{.Id}}", "two"]);
    assert!(
        hosts.contains(&format!("\n{two}\tdb {} two\n", &two_id[..12])),
        "{hosts}"
    );
    let (code, out, err) = lab.exec("three", &["ping", "-c", "1", "db"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with(&format!("PING db ({two}) ")), "{out}");
    assert_reply_line(&out, &format!("db ({two})"), 1);
}

#[test]
fn user_network_resolves_names_and_aliases_and_ping_names_the_network() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["network", "create", "--subnet", "172.19.10.0/24", "labnet"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "web1",
        "--network",
        "labnet",
        "--network-alias",
        "www",
        "ubuntu:22.04",
        "sleep",
        "600",
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "web2",
        "--network",
        "labnet",
        "ubuntu:22.04",
        "sleep",
        "600",
    ]);
    let web1 = lab.ip_of("web1", "labnet");
    let web2 = lab.ip_of("web2", "labnet");
    assert_eq!(web1, "172.19.10.2");

    let (code, out, _) = lab.exec("web2", &["hostname", "-i"]);
    assert_eq!((code, out), (0, format!("{web2}\n")));
    let (_, resolv, _) = lab.exec("web2", &["cat", "/etc/resolv.conf"]);
    assert!(resolv.starts_with("nameserver 127.0.0.11\n"), "{resolv}");
    assert!(resolv.contains("ndots:0"), "{resolv}");

    let (code, out, err) = lab.exec("web2", &["ping", "-c", "2", "web1"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("PING web1 (172.19.10.2) 56(84) bytes of data.\n"),
        "{out}"
    );
    assert_reply_line(&out, "web1.labnet (172.19.10.2)", 1);
    assert_reply_line(&out, "web1.labnet (172.19.10.2)", 2);
    assert!(
        out.contains("\n--- web1 ping statistics ---\n2 packets transmitted, 2 received, 0% packet loss, time "),
        "{out}"
    );

    // A new container's program may ask at once: the DNS listens before it starts.
    let out = lab.ok(&[
        "run",
        "--rm",
        "--network",
        "labnet",
        "ubuntu:22.04",
        "ping",
        "-c",
        "1",
        "web1",
    ]);
    assert_reply_line(&out, "web1.labnet (172.19.10.2)", 1);

    let (code, out, err) = lab.exec("web2", &["ping", "-c", "1", "www"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_reply_line(&out, "web1.labnet (172.19.10.2)", 1);

    let (code, _, err) = lab.exec("web1", &["ping", "-c", "1", "-W", "1", "nosuch"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "ping: nosuch: Name or service not known\n")
    );

    // Renamed and removed containers are current at once.
    lab.ok(&["rename", "web1", "api"]);
    let (code, out, err) = lab.exec("web2", &["ping", "-c", "1", "api"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, _) = lab.exec("web2", &["ping", "-c", "1", "-W", "1", "web1"]);
    assert_eq!(code, 2);
    lab.ok(&["rm", "-f", "api"]);
    let (code, _, _) = lab.exec("web2", &["ping", "-c", "1", "-W", "1", "www"]);
    assert_eq!(code, 2);
}

#[test]
fn network_none_has_only_loopback() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "alone",
        "--network",
        "none",
        "ubuntu:22.04",
        "sleep",
        "600",
    ]);
    assert_eq!(lab.interfaces("alone"), ["lo"]);
    let (code, out, err) = lab.exec("alone", &["ping", "-c", "1", "127.0.0.1"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(lab.veths_in_lab().is_empty(), "{:?}", lab.lab_links());
}

#[test]
fn connect_and_disconnect_change_interfaces_and_names_live() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["network", "create", "--subnet", "172.19.10.0/24", "front"]);
    lab.ok(&["network", "create", "--subnet", "172.19.20.0/24", "back"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "app",
        "--network",
        "front",
        "ubuntu:22.04",
        "sleep",
        "600",
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "db",
        "--network",
        "back",
        "ubuntu:22.04",
        "sleep",
        "600",
    ]);
    let db = lab.ip_of("db", "back");
    assert_eq!(lab.interfaces("app"), ["lo", "eth0"]);
    let (code, _, _) = lab.exec("app", &["ping", "-c", "1", "-W", "1", "db"]);
    assert_eq!(code, 2, "db is on another network");
    let (code, _, _) = lab.exec("app", &["ping", "-c", "1", "-W", "1", &db]);
    assert_eq!(code, 1, "networks are isolated");

    lab.ok(&["network", "connect", "--alias", "sql", "back", "app"]);
    assert_eq!(lab.interfaces("app"), ["lo", "eth0", "eth1"]);
    let (code, out, err) = lab.exec("app", &["ping", "-c", "1", "db"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_reply_line(&out, &format!("db.back ({db})"), 1);
    let (code, out, err) = lab.exec("db", &["ping", "-c", "1", "sql"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(lab.veths_in_lab().len(), 3, "{:?}", lab.lab_links());

    lab.ok(&["network", "disconnect", "back", "app"]);
    assert_eq!(lab.interfaces("app"), ["lo", "eth0"]);
    let (code, _, _) = lab.exec("app", &["ping", "-c", "1", "-W", "1", "db"]);
    assert_eq!(code, 2);
    eventually("the disconnected veth goes", || {
        lab.veths_in_lab().len() == 2
    });
}

#[test]
fn killed_supervisor_and_teardown_leave_nothing() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["network", "create", "--subnet", "172.19.10.0/24", "labnet"]);
    let id = lab.ok(&[
        "run",
        "-d",
        "--name",
        "victim",
        "--network",
        "labnet",
        "ubuntu:22.04",
        "sleep",
        "600",
    ]);
    let id = id.trim();
    assert_eq!(lab.veths_in_lab().len(), 1, "{:?}", lab.lab_links());
    let state: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            lab.root
                .path()
                .join("containers")
                .join(id)
                .join("state.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let supervisor = state["supervisor_pid"].as_i64().unwrap() as i32;
    assert!(supervisor > 0);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(supervisor),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    // Reconciliation (any command that looks at the container) ends its processes.
    eventually("the container is reconciled", || {
        lab.ok(&["ps", "-a", "--format", "{{.Status}}"])
            .starts_with("Exited")
    });
    eventually("no veth is left in the lab host", || {
        lab.veths_in_lab().is_empty()
    });
    let links = lab.lab_links();
    assert!(
        links
            .iter()
            .all(|(name, kind)| name == "lo" || kind == "bridge"),
        "{links:?}"
    );
    assert!(links.iter().any(|(_, kind)| kind == "bridge"), "{links:?}");

    // It starts again on a rebuilt lab host after a teardown.
    lab.ok(&["rm", "victim"]);
    labhost::teardown(lab.run.path()).unwrap();
    let run = lab.run.path().display().to_string();
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mountinfo.contains(&run), "a mount under {run} is left");
    assert!(!labhost::path(lab.run.path()).exists());
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "again",
        "--network",
        "labnet",
        "ubuntu:22.04",
        "sleep",
        "600",
    ]);
    assert_eq!(lab.veths_in_lab().len(), 1, "{:?}", lab.lab_links());
    lab.ok(&["rm", "-f", "again"]);
    labhost::teardown(lab.run.path()).unwrap();
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mountinfo.contains(&run), "a mount under {run} is left");
}

/// The state file's view of a container: (supervisor PID, container PID, restart count).
fn pids_and_restarts(lab: &Lab, id: &str) -> (i32, i32, i64) {
    let path = lab
        .root
        .path()
        .join("containers")
        .join(id)
        .join("state.json");
    let Ok(bytes) = std::fs::read(path) else {
        return (0, 0, 0);
    };
    let state: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let number = |key: &str| state[key].as_i64().unwrap_or(0);
    (
        number("supervisor_pid") as i32,
        number("pid") as i32,
        number("restart_count"),
    )
}

/// A container's network namespace is made before its init exists and mounted on a file
/// in the supervisor's own mount namespace, which the spec joins. Every (re)start runs in
/// the one mounted for it, one mount at a time, never seen by the host.
#[test]
fn each_start_joins_one_prepared_namespace_that_only_the_supervisor_mounts() {
    let Some(lab) = Lab::new() else { return };
    let id = lab.ok(&[
        "run",
        "-d",
        "--name",
        "flaky",
        "--restart",
        "on-failure:3",
        "ubuntu:22.04",
        "sh",
        "-c",
        "hostname -i; sleep 0.6; exit 3",
    ]);
    let id = id.trim().to_string();
    let file = dockerlings_runtime::container::netns_file(
        &dockerlings_runtime::Paths::new(lab.root.path(), lab.run.path()),
        &id,
    );
    let spec = std::fs::read_to_string(
        lab.root
            .path()
            .join("containers")
            .join(&id)
            .join("bundle/config.json"),
    )
    .unwrap();
    assert!(
        spec.contains(&format!("\"path\": \"{}\"", file.display())),
        "{spec}"
    );

    // The runs (container PIDs) seen in the namespace mounted for them.
    let mut joined = Vec::new();
    eventually("two restarts, each in its prepared namespace", || {
        let (supervisor, pid, restarts) = pids_and_restarts(&lab, &id);
        if supervisor > 0 && pid > 0 {
            let mountinfo = std::fs::read_to_string(format!("/proc/{supervisor}/mountinfo"))
                .unwrap_or_default();
            let mounts = mountinfo
                .lines()
                .filter(|l| l.contains(&*file.to_string_lossy()))
                .count();
            let ours = std::fs::metadata(format!("/proc/{pid}/ns/net"));
            let mounted = std::fs::metadata(format!("/proc/{supervisor}/root{}", file.display()));
            if let (Ok(ours), Ok(mounted)) = (ours, mounted) {
                use std::os::unix::fs::MetadataExt;
                // Read while the same run goes on (the container may restart in between).
                if pids_and_restarts(&lab, &id).1 == pid && mounted.ino() == ours.ino() {
                    assert!(mounts <= 1, "{mounts} mounts on {}", file.display());
                    if !joined.contains(&pid) {
                        joined.push(pid);
                    }
                }
            }
        }
        restarts >= 2 && joined.len() >= 2
    });
    let host = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(
        !host.contains(&*file.to_string_lossy()),
        "the host sees the mount"
    );
    // Every run had its address.
    eventually("three runs printed their address", || {
        let logs = lab.ok(&["logs", "flaky"]);
        logs.lines().filter(|l| l.starts_with("172.17.0.")).count() >= 3
    });
    lab.ok(&["rm", "-f", "flaky"]);
    eventually("no veth is left in the lab host", || {
        lab.veths_in_lab().is_empty()
    });
}
