//! End-to-end tests of the front-end's container and volume commands against a real engine
//! in a temporary state directory (no root needed: containers are created, listed, renamed,
//! inspected and removed, never started; a "running" container has a stand-in supervisor).

#[path = "../support/in_process.rs"]
mod in_process;

use std::process::Child;

use in_process::Output;

use chrono::{DateTime, Duration, Utc};
use dockerlings_runtime::Paths;

struct Lab {
    _dir: tempfile::TempDir,
    paths: Paths,
    now: DateTime<Utc>,
}

impl Lab {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path().join("root"), dir.path().join("run"));
        // Containers are created "now"; three hours later every age reads "3 hours ago".
        Self {
            _dir: dir,
            paths,
            now: Utc::now() + Duration::hours(3),
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

    /// Marks a container running under a stand-in supervisor; kill the child to "stop" it.
    fn fake_running(&self, name: &str) -> Child {
        in_process::fake_running(&self.paths, name, self.now - Duration::minutes(2))
    }
}

/// Masks 64- and 12-hex IDs (keeping their width, so tables keep their layout).
fn mask(text: &str) -> String {
    let hex = regex::Regex::new(r"[0-9a-f]{64}|\b[0-9a-f]{12}\b").unwrap();
    hex.replace_all(text, |c: &regex::Captures| "x".repeat(c[0].len()))
        .into_owned()
}

#[test]
fn create_pulls_a_missing_image_then_prints_the_id() {
    let lab = Lab::new();
    let o = lab.docker(&["create", "--name", "web", "nginx"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(o.stdout.trim().len(), 64);
    assert!(
        o.stderr.starts_with(
            "Unable to find image 'nginx:latest' locally\nlatest: Pulling from library/nginx\n"
        ),
        "{}",
        o.stderr
    );
    assert!(o
        .stderr
        .contains("Status: Downloaded newer image for nginx:latest\n"));
    // The second time the image is there: no pull.
    let o = lab.docker(&["container", "create", "nginx"]);
    assert_eq!((o.code, o.stderr.as_str()), (0, ""));
    // --pull=never with a missing image is the daemon's error.
    let o = lab.docker(&["create", "--pull=never", "alpine"]);
    assert_eq!(o.code, 1);
    assert_eq!(
        o.stderr,
        "Error response from daemon: No such image: alpine:latest\n"
    );
}

#[test]
fn ps_tables_and_formats() {
    let lab = Lab::new();
    lab.ok(&["create", "--name", "web", "nginx"]);
    lab.ok(&[
        "create", "--name", "shell", "-it", "alpine", "sh", "-c", "echo hi",
    ]);
    let o = lab.docker(&["ps"]);
    assert_eq!(
        o.stdout,
        "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n"
    );
    insta::assert_snapshot!("ps_a", mask(&lab.ok(&["ps", "-a"])));
    insta::assert_snapshot!(
        "ps_names_status",
        lab.ok(&["ps", "-a", "--format", "table {{.Names}}\\t{{.Status}}"])
    );
    let ids = lab.ok(&["ps", "-aq"]);
    assert_eq!(ids.lines().count(), 2);
    assert!(ids.lines().all(|l| l.len() == 12));
    assert_eq!(lab.ok(&["ps", "-l", "--format", "{{.Names}}"]), "shell\n");
    assert_eq!(
        lab.ok(&["ps", "-n", "2", "--format", "{{.Names}}"]),
        "shell\nweb\n"
    );
    assert_eq!(
        lab.ok(&["ps", "-a", "-f", "name=we", "--format", "{{.Names}}"]),
        "web\n"
    );
    assert_eq!(
        lab.ok(&["ps", "-f", "status=created", "--format", "{{.Names}}"]),
        "shell\nweb\n"
    );
    assert_eq!(
        lab.ok(&[
            "ps",
            "-a",
            "-f",
            "ancestor=alpine",
            "--format",
            "{{.Names}}"
        ]),
        "shell\n"
    );
    let full = lab.ok(&["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}}"]);
    assert!(
        full.contains(" \"/docker-entrypoint.sh nginx -g daemon off;\"\n"),
        "{full}"
    );
    assert_eq!(
        full.lines()
            .next()
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .len(),
        64
    );
    let o = lab.docker(&["ps", "-f", "status=sleepy"]);
    assert_eq!(
        (o.code, o.stderr.as_str()),
        (
            1,
            "Error response from daemon: invalid filter 'status=sleepy'\n"
        )
    );
}

#[test]
fn ps_shows_up_and_exposed_ports_for_running_containers() {
    let lab = Lab::new();
    lab.ok(&["create", "--name", "web", "nginx"]);
    let mut child = lab.fake_running("web");
    let out = lab.ok(&[
        "ps",
        "--format",
        "{{.Names}}|{{.Status}}|{{.Ports}}|{{.State}}",
    ]);
    assert_eq!(out, "web|Up 2 minutes|80/tcp|running\n");
    child.kill().unwrap();
    child.wait().unwrap();
    // The supervisor is gone: the engine notices and reports the container exited.
    let out = lab.ok(&["ps", "-a", "--format", "{{.Names}}|{{.Status}}"]);
    assert!(out.starts_with("web|Exited (255) "), "{out}");
}

#[test]
fn rm_rename_and_their_errors() {
    let lab = Lab::new();
    lab.ok(&["create", "--name", "web", "nginx"]);
    let o = lab.docker(&["create", "--name", "web", "nginx"]);
    assert_eq!(o.code, 1);
    insta::assert_snapshot!("create_name_conflict", mask(&o.stderr));
    let mut child = lab.fake_running("web");
    let o = lab.docker(&["rm", "web"]);
    assert_eq!(o.code, 1);
    assert_eq!(
        o.stderr,
        "Error response from daemon: cannot remove container \"/web\": container is running: stop the container before removing or force remove\n"
    );
    let reaper = std::thread::spawn(move || child.wait().unwrap());
    assert_eq!(lab.ok(&["rm", "-f", "web"]), "web\n");
    reaper.join().unwrap();
    lab.ok(&["create", "--name", "old", "nginx"]);
    assert_eq!(lab.ok(&["rename", "old", "new"]), "");
    assert_eq!(lab.ok(&["ps", "-a", "--format", "{{.Names}}"]), "new\n");
    let o = lab.docker(&["rm", "nosuch", "new"]);
    assert_eq!(o.code, 1);
    assert_eq!(o.stdout, "new\n", "the other containers are still removed");
    assert_eq!(
        o.stderr,
        "Error response from daemon: No such container: nosuch\n"
    );
    let o = lab.docker(&["rename", "nosuch", "x1"]);
    assert_eq!(
        o.stderr,
        "Error response from daemon: No such container: nosuch\n"
    );
}

#[test]
fn rmi_of_an_image_a_container_uses_conflicts() {
    let lab = Lab::new();
    let id = lab.ok(&["create", "--name", "web", "nginx"]);
    let o = lab.docker(&["rmi", "nginx"]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.starts_with(&format!(
            "Error response from daemon: conflict: unable to remove repository reference \"nginx\" (must force) - container {} is using its referenced image ",
            &id[..12]
        )),
        "{}",
        o.stderr
    );
    lab.ok(&["rm", "web"]);
    assert!(lab
        .ok(&["rmi", "nginx"])
        .contains("Untagged: nginx:latest\n"));
}

#[test]
fn inspect_finds_containers_first() {
    let lab = Lab::new();
    lab.ok(&[
        "create",
        "--name",
        "inspect-test",
        "--cpus=0.5",
        "--memory=256m",
        "-e",
        "MODE=lab",
        "nginx",
    ]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "--format={{.HostConfig.NanoCpus}}",
            "inspect-test"
        ]),
        "500000000\n"
    );
    assert_eq!(
        lab.ok(&[
            "inspect",
            "--format",
            "{{.HostConfig.Memory}}",
            "inspect-test"
        ]),
        "268435456\n"
    );
    assert_eq!(
        lab.ok(&[
            "container",
            "inspect",
            "-f",
            "{{.State.Status}} {{.GraphDriver.Name}}",
            "inspect-test"
        ]),
        "created overlay2\n"
    );
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{json .Config.Cmd}}", "inspect-test"]),
        "[\"nginx\",\"-g\",\"daemon off;\"]\n"
    );
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{index .Config.Env 0}}", "inspect-test"]),
        "MODE=lab\n"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&lab.ok(&["inspect", "inspect-test"])).unwrap();
    assert_eq!(doc[0]["Name"], "/inspect-test");
    // Images still answer `docker inspect`.
    let doc: serde_json::Value = serde_json::from_str(&lab.ok(&["inspect", "nginx"])).unwrap();
    assert!(doc[0]["RepoTags"].is_array());
    let o = lab.docker(&["container", "inspect", "nginx"]);
    assert_eq!(
        (o.code, o.stdout.as_str(), o.stderr.as_str()),
        (1, "[]\n", "Error: No such container: nginx\n")
    );
    let o = lab.docker(&["inspect", "nosuch"]);
    assert_eq!(o.stderr, "Error: No such object: nosuch\n");
}

#[test]
fn prunes_prompt_and_report() {
    let lab = Lab::new();
    let id = lab.ok(&["create", "--name", "a1", "busybox"]);
    let o = lab.docker_with(&["container", "prune"], b"n\n");
    assert_eq!(
        o.stdout,
        "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] Total reclaimed space: 0B\n"
    );
    assert_eq!(lab.ok(&["ps", "-aq"]).lines().count(), 1);
    let o = lab.docker_with(&["container", "prune"], b"y\n");
    assert!(
        o.stdout.ends_with(&format!(
            "Deleted Containers:\n{}\n\nTotal reclaimed space: 0B\n",
            id.trim()
        )),
        "{}",
        o.stdout
    );
    assert_eq!(lab.ok(&["ps", "-aq"]), "");

    lab.ok(&["create", "--name", "b1", "-v", "/data", "busybox"]);
    let o = lab.docker_with(&["system", "prune", "--volumes"], b"y\n");
    insta::assert_snapshot!("system_prune_volumes", mask(&o.stdout));
    assert_eq!(lab.ok(&["volume", "ls", "-q"]), "");
}

#[test]
fn volume_commands() {
    let lab = Lab::new();
    assert_eq!(lab.ok(&["volume", "create", "web-data"]), "web-data\n");
    assert_eq!(
        lab.ok(&["volume", "ls"]),
        "DRIVER    VOLUME NAME\nlocal     web-data\n"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&lab.ok(&["volume", "inspect", "web-data"])).unwrap();
    assert_eq!(doc[0]["Name"], "web-data");
    assert!(doc[0]["Mountpoint"]
        .as_str()
        .unwrap()
        .ends_with("/volumes/web-data/_data"));
    assert_eq!(
        lab.ok(&["volume", "inspect", "-f", "{{.Driver}}", "web-data"]),
        "local\n"
    );
    let id = lab.ok(&["create", "-v", "web-data:/usr/share/nginx/html", "nginx"]);
    let o = lab.docker(&["volume", "rm", "web-data"]);
    assert_eq!(o.code, 1);
    assert_eq!(
        o.stderr,
        format!(
            "Error response from daemon: remove web-data: volume is in use - [{}]\n",
            id.trim()
        )
    );
    let o = lab.docker(&["volume", "inspect", "nosuch"]);
    assert_eq!(
        (o.code, o.stderr.as_str()),
        (1, "Error: No such volume: nosuch\n")
    );
    let o = lab.docker(&["volume", "rm", "nosuch"]);
    assert_eq!(
        o.stderr,
        "Error response from daemon: get nosuch: no such volume\n"
    );
    assert_eq!(lab.ok(&["volume", "ls", "-f", "dangling=true", "-q"]), "");
    lab.ok(&["rm", id.trim()]);
    assert_eq!(
        lab.ok(&["volume", "ls", "-f", "dangling=true", "-q"]),
        "web-data\n"
    );
    let o = lab.docker_with(&["volume", "prune"], b"y\n");
    assert_eq!(
        o.stdout,
        "WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] Total reclaimed space: 0B\n",
        "named volumes survive a plain prune"
    );
    let o = lab.docker(&["volume", "prune", "-a", "-f"]);
    assert_eq!(
        o.stdout,
        "Deleted Volumes:\nweb-data\n\nTotal reclaimed space: 0B\n"
    );
}

#[test]
fn create_flag_errors() {
    let lab = Lab::new();
    let o = lab.docker(&["create", "--memory", "lots", "nginx"]);
    assert_eq!(o.code, 125);
    insta::assert_snapshot!("create_bad_memory", o.stderr);
    // As Docker's daemon does, the image is looked up (and pulled) before the name is.
    let o = lab.docker(&["create", "--name", "a", "nginx"]);
    assert_eq!(o.code, 1);
    assert!(o
        .stderr
        .starts_with("Unable to find image 'nginx:latest' locally\n"));
    assert!(o.stderr.ends_with("Error response from daemon: Invalid container name (a), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed\n"), "{}", o.stderr);
    let o = lab.docker(&["create"]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr
            .starts_with("\"docker create\" requires at least 1 argument."),
        "{}",
        o.stderr
    );
}
