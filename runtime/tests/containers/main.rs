//! Integration tests of the container store through the Engine API, on temporary roots
//! with images from the built-in catalogue. No root needed: nothing here starts a
//! container; "running" containers are simulated with a live child process standing in
//! for the supervisor, as the state contract allows.

use std::process::{Child, Command};

use dockerlings_runtime::container::control::process_start_ticks;
use dockerlings_runtime::container::options::CreateOptions;
use dockerlings_runtime::container::state::Status;
use dockerlings_runtime::{Engine, Paths};

struct Lab {
    dir: tempfile::TempDir,
    engine: Engine,
}

impl Lab {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let engine =
            Engine::open(Paths::new(dir.path().join("root"), dir.path().join("run"))).unwrap();
        engine.pull("busybox", &mut |_| {}).unwrap();
        Self { dir, engine }
    }

    fn reopen(&self) -> Engine {
        Engine::open(Paths::new(
            self.dir.path().join("root"),
            self.dir.path().join("run"),
        ))
        .unwrap()
    }

    fn create(&self, name: Option<&str>) -> String {
        self.create_with(CreateOptions {
            name: name.map(str::to_string),
            image: "busybox".into(),
            ..CreateOptions::default()
        })
    }

    fn create_with(&self, opts: CreateOptions) -> String {
        self.engine.container_create(&opts).unwrap().id
    }

    /// Marks a container running under a stand-in supervisor (a `sleep` child).
    fn fake_running(&self, id: &str) -> Child {
        let child = Command::new("sleep").arg("60").spawn().unwrap();
        let pid = child.id() as i32;
        let ticks = process_start_ticks(pid).unwrap();
        self.engine
            .container_store()
            .unwrap()
            .update_state(id, |s| {
                s.status = Status::Running;
                s.pid = pid;
                s.supervisor_pid = pid;
                s.supervisor_start_ticks = ticks;
                s.started_at = Some(chrono::Utc::now());
            })
            .unwrap();
        child
    }
}

fn err(e: dockerlings_runtime::Error) -> String {
    e.to_string()
}

#[test]
fn create_lays_out_the_container_and_lists_it() {
    let lab = Lab::new();
    let id = lab.create(Some("web"));
    assert_eq!(id.len(), 64);
    let dir = lab.engine.container_store().unwrap().container_dir(&id);
    for f in [
        "container.json",
        "state.json",
        "bundle/config.json",
        "hostname",
        "hosts",
        "resolv.conf",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    for d in ["rootfs", "upper", "work"] {
        assert!(dir.join(d).is_dir(), "{d} missing");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("hostname")).unwrap(),
        format!("{}\n", &id[..12])
    );
    assert!(
        lab.engine.containers(false, false).unwrap().is_empty(),
        "created is not running"
    );
    let all = lab.engine.containers(true, false).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].names, ["/web"]);
    assert_eq!(all[0].image, "busybox");
    assert_eq!(all[0].state.status, Status::Created);
    let spec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("bundle/config.json")).unwrap()).unwrap();
    assert_eq!(
        spec["root"]["path"],
        dir.join("rootfs").display().to_string()
    );
    assert_eq!(spec["linux"]["cgroupsPath"], format!("/dockerlings/{id}"));
}

#[test]
fn inspect_has_dockers_shape() {
    let lab = Lab::new();
    let id = lab.create_with(CreateOptions {
        name: Some("inspect-test".into()),
        image: "busybox".into(),
        memory: 256 * 1024 * 1024,
        nano_cpus: 500_000_000,
        env: vec!["A=1".into()],
        ..CreateOptions::default()
    });
    let doc = lab.engine.container_inspect("inspect-test").unwrap();
    assert_eq!(doc["Id"], id);
    assert_eq!(doc["Name"], "/inspect-test");
    assert_eq!(doc["State"]["Status"], "created");
    assert_eq!(doc["State"]["Running"], false);
    assert_eq!(doc["State"]["StartedAt"], "0001-01-01T00:00:00Z");
    assert_eq!(doc["HostConfig"]["Memory"], 268_435_456);
    assert_eq!(doc["HostConfig"]["NanoCpus"], 500_000_000);
    assert_eq!(doc["HostConfig"]["RestartPolicy"]["Name"], "no");
    assert_eq!(doc["GraphDriver"]["Name"], "overlay2");
    assert!(doc["GraphDriver"]["Data"]["LowerDir"]
        .as_str()
        .unwrap()
        .contains("/image/layers/"));
    assert_eq!(doc["Config"]["Image"], "busybox");
    assert_eq!(doc["Config"]["Env"][0], "A=1");
    assert!(doc["Image"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(doc["Driver"], "overlay2");
    assert!(doc["NetworkSettings"]["Networks"].get("bridge").is_some());
    // By unique ID prefix too.
    assert_eq!(lab.engine.container_inspect(&id[..5]).unwrap()["Id"], id);
}

#[test]
fn names_conflict_and_validate_like_docker() {
    let lab = Lab::new();
    let id = lab.create(Some("web"));
    let e = lab
        .engine
        .container_create(&CreateOptions {
            name: Some("web".into()),
            image: "busybox".into(),
            ..CreateOptions::default()
        })
        .unwrap_err();
    assert_eq!(
        err(e),
        format!("Conflict. The container name \"/web\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.")
    );
    let e = lab
        .engine
        .container_create(&CreateOptions {
            name: Some("my web".into()),
            image: "busybox".into(),
            ..CreateOptions::default()
        })
        .unwrap_err();
    assert_eq!(
        err(e),
        "Invalid container name (my web), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
    );
    let e = lab
        .engine
        .container_create(&CreateOptions {
            image: "nosuch".into(),
            ..CreateOptions::default()
        })
        .unwrap_err();
    assert_eq!(err(e), "No such image: nosuch:latest");
    // Random names never collide with existing ones and are valid.
    let other = lab.create(None);
    let name = lab.engine.container(&other).unwrap().0.name;
    assert!(name.starts_with('/') && name.contains('_'), "{name}");
    assert_eq!(lab.engine.containers(true, false).unwrap().len(), 2);
}

#[test]
fn rename_with_dockers_errors() {
    let lab = Lab::new();
    lab.create(Some("web"));
    let db = lab.create(Some("db"));
    lab.engine.container_rename("web", "frontend").unwrap();
    assert_eq!(
        lab.engine.container("frontend").unwrap().0.name,
        "/frontend"
    );
    assert_eq!(
        err(lab.engine.container_rename("web", "x1").unwrap_err()),
        "No such container: web"
    );
    assert_eq!(
        err(lab
            .engine
            .container_rename("frontend", "frontend")
            .unwrap_err()),
        "Renaming a container with the same name as its current name"
    );
    assert!(
        err(lab.engine.container_rename("frontend", "db").unwrap_err())
            .contains(&format!("is already in use by container \"{db}\""))
    );
    assert!(
        err(lab.engine.container_rename("frontend", "-bad").unwrap_err())
            .starts_with("Invalid container name (-bad)")
    );
}

#[test]
fn remove_refuses_running_unless_forced() {
    let lab = Lab::new();
    let id = lab.create(Some("web"));
    let mut child = lab.fake_running(&id);
    assert_eq!(lab.engine.containers(false, false).unwrap().len(), 1);
    assert_eq!(
        err(lab.engine.container_remove("web", false, false).unwrap_err()),
        "cannot remove container \"/web\": container is running: stop the container before removing or force remove"
    );
    let reaper = std::thread::spawn(move || child.wait().unwrap());
    lab.engine.container_remove("web", true, false).unwrap();
    assert!(
        !reaper.join().unwrap().success(),
        "the stand-in supervisor was killed"
    );
    assert!(lab.engine.containers(true, false).unwrap().is_empty());
    assert!(!lab
        .engine
        .container_store()
        .unwrap()
        .container_dir(&id)
        .exists());
    assert_eq!(
        err(lab
            .engine
            .container_remove("web", false, false)
            .unwrap_err()),
        "No such container: web"
    );
}

#[test]
fn dead_supervisor_is_reconciled_to_exited() {
    let lab = Lab::new();
    let id = lab.create(Some("web"));
    let mut child = lab.fake_running(&id);
    child.kill().unwrap();
    child.wait().unwrap();
    let list = lab.engine.containers(true, false).unwrap();
    assert_eq!(list[0].state.status, Status::Exited);
    assert_eq!(list[0].state.exit_code, 255);
    assert!(list[0].state.finished_at.is_some());
    lab.engine.container_remove(&id, false, false).unwrap();
}

#[test]
fn rmi_conflicts_with_containers_using_the_image() {
    let lab = Lab::new();
    let id = lab.create(Some("web"));
    let e = lab.engine.image_remove("busybox", false).unwrap_err();
    assert_eq!(
        err(e),
        format!("conflict: unable to remove repository reference \"busybox\" (must force) - container {} is using its referenced image {}",
            &id[..12],
            &lab.engine.image_inspect("busybox").unwrap()["Id"].as_str().unwrap()[7..19])
    );
    let mut child = lab.fake_running(&id);
    let image_id = lab.engine.image_inspect("busybox").unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let e = lab.engine.image_remove(&image_id[7..19], true).unwrap_err();
    assert!(
        err(e).contains("(cannot be forced) - image is being used by running container"),
        "running blocks even -f"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    lab.engine.container_remove("web", false, false).unwrap();
    lab.engine.image_remove("busybox", false).unwrap();
}

#[test]
fn prune_removes_only_stopped_containers() {
    let lab = Lab::new();
    let created = lab.create(Some("a1"));
    let running = lab.create(Some("b1"));
    let mut child = lab.fake_running(&running);
    let report = lab.engine.container_prune().unwrap();
    assert_eq!(report.deleted, [created]);
    let left: Vec<String> = lab
        .engine
        .containers(true, false)
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(left, std::slice::from_ref(&running));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(lab.engine.container_prune().unwrap().deleted, [running]);
}

#[test]
fn crash_leftovers_are_swept_and_never_listed() {
    let lab = Lab::new();
    let id = lab.create(Some("web"));
    let containers = lab.engine.container_store().unwrap().dir().to_path_buf();
    // A create killed before its rename, and a removal killed after its rename.
    std::fs::create_dir_all(containers.join(".tmp-99999-0-abc/upper")).unwrap();
    std::fs::create_dir_all(containers.join(format!(".tmp-99999-1-{id}"))).unwrap();
    assert_eq!(lab.engine.containers(true, false).unwrap().len(), 1);
    let engine = lab.reopen();
    engine.container_store().unwrap();
    let names: Vec<String> = std::fs::read_dir(&containers)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    assert!(names.is_empty(), "leftovers: {names:?}");
    assert_eq!(engine.containers(true, false).unwrap().len(), 1);
}

#[test]
fn volumes_named_anonymous_and_in_use() {
    let lab = Lab::new();
    let id = lab.create_with(CreateOptions {
        name: Some("web".into()),
        image: "busybox".into(),
        volumes: vec!["site:/srv".into(), "/cache".into()],
        ..CreateOptions::default()
    });
    let volumes = lab.engine.volumes().unwrap();
    assert_eq!(volumes.len(), 2);
    let anonymous: Vec<_> = volumes.iter().filter(|v| v.is_anonymous()).collect();
    assert_eq!(anonymous.len(), 1);
    assert_eq!(anonymous[0].name.len(), 64);
    assert_eq!(
        err(lab.engine.volume_remove("site", false).unwrap_err()),
        format!("remove site: volume is in use - [{id}]")
    );
    assert_eq!(
        lab.engine.volume_users("site").unwrap(),
        std::slice::from_ref(&id)
    );
    // Nothing unused to prune yet.
    assert!(lab.engine.volume_prune(true).unwrap().deleted.is_empty());
    // rm -v removes the anonymous volume but keeps the named one.
    lab.engine.container_remove("web", false, true).unwrap();
    let names: Vec<String> = lab
        .engine
        .volumes()
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(names, ["site"]);
    // Named volumes survive an anonymous-only prune; --all removes them.
    assert!(lab.engine.volume_prune(false).unwrap().deleted.is_empty());
    assert_eq!(lab.engine.volume_prune(true).unwrap().deleted, ["site"]);
    assert_eq!(
        err(lab.engine.volume_remove("site", false).unwrap_err()),
        "get site: no such volume"
    );
}

#[test]
fn info_counts_containers() {
    let lab = Lab::new();
    lab.create(Some("a1"));
    let id = lab.create(Some("b1"));
    let mut child = lab.fake_running(&id);
    let info = lab.engine.info().unwrap();
    assert_eq!(
        (
            info.containers,
            info.containers_running,
            info.containers_stopped
        ),
        (2, 1, 1)
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
