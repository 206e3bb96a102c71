//! End-to-end tests of `docker network …` and of containers' places on networks, against a
//! real engine in a temporary state directory. No root and no kernel work: networks and
//! endpoints are data here (the plumbing has its own root tests); a "running" container is
//! a stand-in supervisor process, and such containers are never connected or disconnected
//! (that would plumb a real interface).

#[path = "../support/in_process.rs"]
mod in_process;

use std::process::Child;

use in_process::Output;

use chrono::{DateTime, Duration, Utc};
use dockerlings_runtime::{Engine, Paths};

struct Lab {
    _dir: tempfile::TempDir,
    paths: Paths,
    now: DateTime<Utc>,
    children: Vec<Child>,
}

impl Lab {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path().join("root"), dir.path().join("run"));
        Self {
            _dir: dir,
            paths,
            now: Utc::now() + Duration::hours(3),
            children: Vec::new(),
        }
    }

    fn docker_with(&self, args: &[&str], stdin: &[u8]) -> Output {
        in_process::docker(&self.paths, self.now, args, stdin, false)
    }

    fn docker(&self, args: &[&str]) -> Output {
        self.docker_with(args, b"")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.docker(args);
        assert_eq!(o.code, 0, "docker {args:?} failed: {o:?}");
        o.stdout
    }

    /// The failure's code and stderr.
    fn fails(&self, args: &[&str]) -> (i32, String) {
        let o = self.docker(args);
        assert_ne!(o.code, 0, "docker {args:?} should fail: {o:?}");
        (o.code, o.stderr)
    }

    fn engine(&self) -> Engine {
        Engine::open(self.paths.clone()).unwrap()
    }

    /// Marks a container running under a stand-in supervisor (a `sleep` child).
    fn fake_running(&mut self, name: &str) {
        let child = in_process::fake_running(&self.paths, name, self.now - Duration::minutes(2));
        self.children.push(child);
    }

    /// Stops every stand-in (the next command reconciles the containers as exited).
    fn stop_all(&mut self) {
        for mut c in self.children.drain(..) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn ip(&self, container: &str) -> String {
        self.ok(&[
            "inspect",
            "-f",
            "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
            container,
        ])
        .trim()
        .to_string()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// Masks 64- and 12-hex IDs and Go timestamps, keeping their width.
fn mask(text: &str) -> String {
    let hex = regex::Regex::new(r"[0-9a-f]{64}|\b[0-9a-f]{12}\b").unwrap();
    let text = hex.replace_all(text, |c: &regex::Captures| "x".repeat(c[0].len()));
    let time = regex::Regex::new(r#""Created": "[^"]+""#).unwrap();
    time.replace_all(&text, r#""Created": "<time>""#)
        .into_owned()
}

#[test]
fn default_networks_are_there_from_the_start_with_stable_ids() {
    let lab = Lab::new();
    let first = lab.ok(&["network", "ls"]);
    insta::assert_snapshot!("ls_default", mask(&first));
    assert_eq!(lab.ok(&["network", "ls"]), first, "IDs stay the same");
    let ids = lab.ok(&["network", "ls", "-q"]);
    assert_eq!(ids.lines().count(), 3);
    assert!(ids.lines().all(|l| l.len() == 12), "{ids}");
    let full = lab.ok(&["network", "ls", "--no-trunc", "--format", "{{.ID}}"]);
    assert!(full.lines().all(|l| l.len() == 64), "{full}");
    assert_eq!(
        lab.ok(&[
            "network",
            "ls",
            "--filter",
            "driver=bridge",
            "--format",
            "{{.Name}}"
        ]),
        "bridge\n"
    );
    insta::assert_snapshot!(
        "inspect_bridge",
        mask(&lab.ok(&["network", "inspect", "bridge"]))
    );
    assert_eq!(
        lab.ok(&[
            "network",
            "inspect",
            "-f",
            "{{.Driver}} {{.Scope}}",
            "host",
            "none"
        ]),
        "host local\nnull local\n"
    );
}

#[test]
fn create_inspect_and_list_user_networks() {
    let lab = Lab::new();
    let id = lab.ok(&[
        "network",
        "create",
        "--subnet",
        "172.19.10.0/24",
        "--gateway",
        "172.19.10.1",
        "--label",
        "course=ch5",
        "custom_network",
    ]);
    assert_eq!(id.trim().len(), 64);
    insta::assert_snapshot!(
        "inspect_custom",
        mask(&lab.ok(&["network", "inspect", "custom_network"]))
    );
    // By ID prefix too.
    assert_eq!(
        lab.ok(&["network", "inspect", "-f", "{{.Name}}", &id[..5]]),
        "custom_network\n"
    );
    // Automatic subnets: 172.18.0.0/16 first, then past the custom /24's /16.
    lab.ok(&["network", "create", "auto1"]);
    lab.ok(&["network", "create", "-d", "bridge", "auto2"]);
    let subnet = |n: &str| {
        lab.ok(&[
            "network",
            "inspect",
            "-f",
            "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}",
            n,
        ])
    };
    assert_eq!(subnet("auto1"), "172.18.0.0/16 172.18.0.1\n");
    assert_eq!(subnet("auto2"), "172.20.0.0/16 172.20.0.1\n");
    let bridge = lab.ok(&["network", "inspect", "-f", "{{.Options}}", "auto1"]);
    assert_eq!(bridge, "map[]\n");
    assert_eq!(
        lab.ok(&["network", "ls", "--format", "{{.Name}}"]),
        "auto1\nauto2\nbridge\ncustom_network\nhost\nnone\n"
    );
    assert_eq!(
        lab.ok(&[
            "network",
            "ls",
            "-f",
            "name=auto",
            "-f",
            "type=custom",
            "--format",
            "{{.Name}}"
        ]),
        "auto1\nauto2\n"
    );
    assert_eq!(
        lab.ok(&[
            "network",
            "ls",
            "-f",
            "label=course=ch5",
            "--format",
            "{{.Name}} {{.Labels}}"
        ]),
        "custom_network course=ch5\n"
    );
    let ip_range = lab.ok(&[
        "network",
        "create",
        "--subnet",
        "10.30.0.0/16",
        "--ip-range",
        "10.30.5.0/24",
        "ranged",
    ]);
    assert_eq!(ip_range.trim().len(), 64);
    assert_eq!(
        lab.ok(&[
            "network",
            "inspect",
            "-f",
            "{{json .IPAM.Config}}",
            "ranged"
        ]),
        "[{\"Subnet\":\"10.30.0.0/16\",\"IPRange\":\"10.30.5.0/24\",\"Gateway\":\"10.30.0.1\"}]\n"
    );
    lab.ok(&[
        "create",
        "--name",
        "ranged1",
        "--network",
        "ranged",
        "alpine",
    ]);
    let ip = lab.ok(&[
        "inspect",
        "-f",
        "{{json .NetworkSettings.Networks.ranged}}",
        "ranged1",
    ]);
    assert!(ip.contains("\"IPAddress\":\"\""), "not running: {ip}");
    let stored = lab.engine().container("ranged1").unwrap().0;
    assert_eq!(
        stored.networks["ranged"].ip.unwrap().to_string(),
        "10.30.5.1",
        "the first free address of the range"
    );
}

#[test]
fn bad_network_requests_fail_with_dockers_messages() {
    let lab = Lab::new();
    lab.ok(&["network", "create", "--subnet", "172.19.10.0/24", "labnet"]);
    lab.docker(&["pull", "alpine"]);
    let cases: &[&[&str]] = &[
        &["network", "create", "labnet"],
        &["network", "create", "--subnet", "172.19.0.0/16", "overlap"],
        &[
            "network",
            "create",
            "--subnet",
            "172.17.5.0/24",
            "overlap_bridge",
        ],
        &["network", "create", "--subnet", "172.30.0.0/33", "badcidr"],
        &["network", "create", "--subnet", "172.30.0.5/16", "unmasked"],
        &[
            "network",
            "create",
            "--subnet",
            "172.30.0.0/16",
            "--gateway",
            "10.0.0.1",
            "gw",
        ],
        &["network", "create", "--gateway", "10.0.0.1", "nosubnet"],
        &["network", "create", "bridge"],
        &["network", "create", "-d", "host", "h2"],
        &["network", "create", "-d", "macvlanx", "plug"],
        &["network", "inspect", "nope"],
        &["network", "rm", "nope"],
        &["network", "rm", "bridge", "host"],
        &["network", "connect", "nope", "whatever"],
        &["create", "--network", "nope", "alpine"],
        &["create", "--ip", "172.17.0.9", "alpine"],
        &[
            "create",
            "--network",
            "labnet",
            "--ip",
            "10.1.1.1",
            "alpine",
        ],
        &["create", "--network-alias", "web", "alpine"],
        &["create", "--mac-address", "zz:zz", "alpine"],
    ];
    let mut transcript = String::new();
    for args in cases {
        let (code, stderr) = lab.fails(args);
        transcript.push_str(&format!("$ docker {}\n[{code}] {stderr}", args.join(" ")));
    }
    insta::assert_snapshot!("errors", transcript);
    // Nothing was left behind: no network, no container.
    assert_eq!(lab.ok(&["network", "ls", "-q"]).lines().count(), 4);
    assert_eq!(lab.ok(&["ps", "-aq"]), "");
    assert_eq!(lab.ok(&["network", "rm", "-f", "nope"]), "");
}

#[test]
fn addresses_are_allocated_in_order_held_and_released() {
    let lab = Lab::new();
    for name in ["web1", "web2", "web3"] {
        lab.ok(&["create", "--name", name, "alpine"]);
    }
    let engine = lab.engine();
    let ip_of = |n: &str| {
        let (record, _) = engine.container(n).unwrap();
        let e = &record.networks["bridge"];
        (
            e.ip.unwrap().to_string(),
            e.mac.clone(),
            e.interface.clone(),
        )
    };
    assert_eq!(
        ip_of("web1"),
        (
            "172.17.0.2".into(),
            "02:42:ac:11:00:02".into(),
            "eth0".into()
        )
    );
    assert_eq!(ip_of("web2").0, "172.17.0.3");
    assert_eq!(ip_of("web3").0, "172.17.0.4");
    // Renaming keeps the endpoint.
    lab.ok(&["rename", "web2", "middle"]);
    assert_eq!(ip_of("middle").0, "172.17.0.3");
    // rm releases; the freed address is the next one handed out, a held one never is.
    lab.ok(&["rm", "middle"]);
    lab.ok(&["create", "--name", "web4", "alpine"]);
    assert_eq!(ip_of("web4").0, "172.17.0.3");
    lab.ok(&["create", "--name", "web5", "alpine"]);
    assert_eq!(ip_of("web5").0, "172.17.0.5");
    // container prune releases too.
    lab.docker_with(&["container", "prune"], b"y\n");
    lab.ok(&["create", "--name", "again", "alpine"]);
    assert_eq!(ip_of("again").0, "172.17.0.2");
    // --mac-address is kept; host and none have no address.
    lab.ok(&[
        "create",
        "--name",
        "mac",
        "--mac-address",
        "92:D0:C6:0A:29:33",
        "alpine",
    ]);
    assert_eq!(ip_of("mac").1, "92:d0:c6:0a:29:33");
    lab.ok(&["create", "--name", "hosted", "--network", "host", "alpine"]);
    lab.ok(&[
        "create",
        "--name",
        "isolated",
        "--network",
        "none",
        "alpine",
    ]);
    assert_eq!(
        lab.ok(&[
            "ps",
            "-a",
            "--format",
            "{{.Names}} {{.Networks}}",
            "-f",
            "name=ed"
        ]),
        "isolated none\nhosted host\n"
    );
}

#[test]
fn requested_addresses_and_aliases_on_user_networks() {
    let lab = Lab::new();
    lab.ok(&[
        "network",
        "create",
        "--subnet",
        "172.19.10.0/24",
        "--gateway",
        "172.19.10.1",
        "custom_network",
    ]);
    lab.ok(&[
        "create",
        "--name",
        "web1",
        "--network",
        "custom_network",
        "--ip",
        "172.19.10.10",
        "--network-alias",
        "site",
        "nginx",
    ]);
    let (code, stderr) = lab.fails(&[
        "create",
        "--name",
        "web2",
        "--network",
        "custom_network",
        "--ip",
        "172.19.10.10",
        "nginx",
    ]);
    assert_eq!(
        (code, stderr.as_str()),
        (1, "Error response from daemon: Address already in use\n")
    );
    // `--net` / `--net-alias`: Docker's older spellings still work.
    lab.ok(&[
        "create",
        "--name",
        "web2",
        "--net",
        "custom_network",
        "--net-alias",
        "www",
        "nginx",
    ]);
    let (record, _) = lab.engine().container("web2").unwrap();
    assert_eq!(
        record.networks["custom_network"].ip.unwrap().to_string(),
        "172.19.10.2"
    );
    assert_eq!(record.networks["custom_network"].aliases, ["www"]);
    let auto = lab.ok(&["network", "create", "autonet"]);
    assert_eq!(auto.trim().len(), 64);
    let (_, stderr) = lab.fails(&[
        "create",
        "--network",
        "autonet",
        "--ip",
        "172.18.0.9",
        "nginx",
    ]);
    assert_eq!(
        stderr,
        "Error response from daemon: invalid endpoint settings:\nuser specified IP address is supported only when connecting to networks with user configured subnets\n"
    );
    // `ps --filter network=` by name and by ID prefix.
    let id = lab.ok(&["network", "inspect", "-f", "{{.Id}}", "custom_network"]);
    for value in ["custom_network", &id[..8]] {
        assert_eq!(
            lab.ok(&[
                "ps",
                "-a",
                "--filter",
                &format!("network={value}"),
                "--format",
                "{{.Names}}"
            ]),
            "web2\nweb1\n"
        );
    }
}

#[test]
fn inspect_shows_addresses_only_while_running() {
    let mut lab = Lab::new();
    lab.ok(&["network", "create", "--subnet", "172.19.10.0/24", "labnet"]);
    lab.ok(&["create", "--name", "web1", "nginx"]);
    lab.ok(&[
        "create",
        "--name",
        "db1",
        "--network",
        "labnet",
        "--network-alias",
        "db",
        "alpine",
    ]);
    assert_eq!(lab.ip("web1"), "");
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{.NetworkSettings.IPAddress}}", "web1"]),
        "\n"
    );
    lab.fake_running("web1");
    lab.fake_running("db1");
    assert_eq!(lab.ip("web1"), "172.17.0.2");
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{.NetworkSettings.IPAddress}}/{{.NetworkSettings.IPPrefixLen}} {{.NetworkSettings.Gateway}} {{.NetworkSettings.MacAddress}}", "web1"]),
        "172.17.0.2/16 172.17.0.1 02:42:ac:11:00:02\n"
    );
    assert_eq!(lab.ip("db1"), "172.19.10.2");
    insta::assert_snapshot!(
        "inspect_running_user_network",
        mask(&lab.ok(&["inspect", "-f", "{{json .NetworkSettings.Networks}}", "db1"]))
    );
    // The network lists its running containers with their addresses.
    insta::assert_snapshot!(
        "network_containers",
        mask(&lab.ok(&["network", "inspect", "-f", "{{json .Containers}}", "labnet"]))
    );
    // A network with a running container cannot go; prune keeps it too.
    let (code, stderr) = lab.fails(&["network", "rm", "labnet"]);
    let id = lab.ok(&["network", "inspect", "-f", "{{.Id}}", "labnet"]);
    assert_eq!(
        (code, stderr),
        (
            1,
            format!(
                "Error response from daemon: error while removing network: network labnet id {} has active endpoints\n",
                id.trim()
            )
        )
    );
    assert_eq!(lab.ok(&["network", "prune", "-f"]), "");
    lab.stop_all();
    // Stopped: the addresses stay held but are shown empty; the network may go.
    assert_eq!(lab.ip("db1"), "");
    let (record, _) = lab.engine().container("db1").unwrap();
    assert_eq!(
        record.networks["labnet"].ip.unwrap().to_string(),
        "172.19.10.2"
    );
    assert_eq!(
        lab.ok(&["network", "inspect", "-f", "{{json .Containers}}", "labnet"]),
        "{}\n"
    );
    assert_eq!(
        lab.docker_with(&["network", "prune"], b"y\n").stdout,
        "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] Deleted Networks:\nlabnet\n\n"
    );
}

#[test]
fn connect_and_disconnect_a_stopped_container() {
    let lab = Lab::new();
    lab.ok(&["network", "create", "--subnet", "172.19.10.0/24", "labnet"]);
    lab.ok(&["create", "--name", "web1", "nginx"]);
    lab.ok(&[
        "network",
        "connect",
        "--alias",
        "site",
        "--ip",
        "172.19.10.7",
        "labnet",
        "web1",
    ]);
    let (record, _) = lab.engine().container("web1").unwrap();
    let e = &record.networks["labnet"];
    assert_eq!(
        (
            e.interface.as_str(),
            e.ip.unwrap().to_string(),
            e.aliases.clone()
        ),
        ("eth1", "172.19.10.7".to_string(), vec!["site".to_string()])
    );
    assert_eq!(
        lab.ok(&["ps", "-a", "--format", "{{.Networks}}"]),
        "bridge,labnet\n"
    );
    let (_, stderr) = lab.fails(&["network", "connect", "labnet", "web1"]);
    assert_eq!(
        stderr,
        "Error response from daemon: endpoint with name web1 already exists in network labnet\n"
    );
    let (_, stderr) = lab.fails(&["network", "connect", "host", "web1"]);
    assert_eq!(
        stderr,
        "Error response from daemon: container cannot be disconnected from host network or connected to host network\n"
    );
    lab.ok(&["network", "disconnect", "labnet", "web1"]);
    assert_eq!(
        lab.ok(&["ps", "-a", "--format", "{{.Networks}}"]),
        "bridge\n"
    );
    let (_, stderr) = lab.fails(&["network", "disconnect", "labnet", "web1"]);
    assert_eq!(
        stderr,
        "Error response from daemon: container web1 is not connected to network labnet\n"
    );
    // The released address is free again.
    lab.ok(&[
        "create",
        "--name",
        "web2",
        "--network",
        "labnet",
        "--ip",
        "172.19.10.7",
        "nginx",
    ]);
    assert_eq!(
        lab.ok(&["network", "disconnect", "-f", "labnet", "ghost"]),
        ""
    );
}

#[test]
fn links_and_container_mode() {
    let lab = Lab::new();
    lab.ok(&["create", "--name", "web1", "nginx"]);
    lab.ok(&[
        "create",
        "--name",
        "client",
        "--link",
        "web1:site",
        "alpine",
    ]);
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{json .HostConfig.Links}}", "client"]),
        "[\"/web1:/client/site\"]\n"
    );
    lab.ok(&[
        "create",
        "--name",
        "sidecar",
        "--network",
        "container:web1",
        "alpine",
    ]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{.HostConfig.NetworkMode}} {{json .NetworkSettings.Networks}}",
            "sidecar"
        ]),
        "container:web1 {}\n"
    );
    let (code, stderr) = lab.fails(&[
        "run",
        "--network",
        "container:web1",
        "-p",
        "80:80",
        "alpine",
    ]);
    assert_eq!(
        (code, stderr.as_str()),
        (
            125,
            "docker: Error response from daemon: conflicting options: port publishing and the container type network mode.\nSee 'docker run --help'.\n"
        )
    );
    let o = lab.docker(&["create", "--network", "host", "-p", "80:80", "nginx"]);
    assert_eq!(
        (o.code, o.stderr.as_str()),
        (
            0,
            "WARNING: Published ports are discarded when using host network mode\n"
        )
    );
    let (_, stderr) = lab.fails(&["create", "--network", "host", "--link", "web1", "alpine"]);
    assert_eq!(
        stderr,
        "Error response from daemon: conflicting options: host type networking can't be used with links. This would result in undefined behavior\n"
    );
}

#[test]
fn system_prune_removes_unused_networks() {
    let lab = Lab::new();
    lab.ok(&["network", "create", "unused"]);
    let out = lab.ok(&["system", "prune", "-f"]);
    assert_eq!(
        out,
        "Deleted Networks:\nunused\n\nTotal reclaimed space: 0B\n"
    );
    assert_eq!(lab.ok(&["network", "ls", "-q"]).lines().count(), 3);
}

#[test]
fn concurrent_creates_never_share_an_address() {
    let lab = Lab::new();
    lab.ok(&["network", "create", "--subnet", "10.44.0.0/24", "busy"]);
    lab.ok(&["pull", "alpine"]);
    std::thread::scope(|scope| {
        for t in 0..4 {
            let lab = &lab;
            scope.spawn(move || {
                for i in 0..3 {
                    let name = format!("c{t}x{i}");
                    lab.ok(&["create", "--name", &name, "--network", "busy", "alpine"]);
                }
            });
        }
    });
    let engine = lab.engine();
    let mut ips: Vec<String> = engine
        .container_store()
        .unwrap()
        .list()
        .unwrap()
        .iter()
        .map(|e| e.record.networks["busy"].ip.unwrap().to_string())
        .collect();
    ips.sort();
    let n = ips.len();
    ips.dedup();
    assert_eq!((n, ips.len()), (12, 12), "{ips:?}");
    // Exactly the twelve lowest host addresses after the gateway: none skipped, none shared.
    let mut expected: Vec<String> = (2..14).map(|i| format!("10.44.0.{i}")).collect();
    expected.sort();
    assert_eq!(ips, expected);
}
