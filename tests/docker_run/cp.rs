//! `docker cp` and `docker export` end to end: into a stopped container, out of a running
//! and a stopped one, tar streams, errors, export contents, and no mount left behind.

use super::Lab;
use std::io::Read;

/// Mounts of this lab's engine (its state or run directory in the line): other tests run
/// in parallel and mount and unmount their own, so the host-wide count is no measure.
fn mounts(lab: &Lab) -> usize {
    let root = lab.root.path().display().to_string();
    let run = lab.run.path().display().to_string();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|line| line.contains(&root) || line.contains(&run))
        .count()
}

fn tar_names(bytes: &[u8]) -> Vec<String> {
    let mut a = tar::Archive::new(bytes);
    a.entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect()
}

#[test]
fn cp_into_a_stopped_container_persists_and_not_into_the_image() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["create", "--name", "box", "busybox", "cat", "/greeting"]);
    let before = mounts(&lab);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("greeting");
    std::fs::write(&file, "hello from the host\n").unwrap();
    let out = lab.docker(&["cp", file.to_str().unwrap(), "box:/"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Not a terminal: no "Successfully copied" line.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(mounts(&lab), before, "cp leaked a mount");
    assert_eq!(lab.ok(&["start", "-a", "box"]), "hello from the host\n");
    let other = lab.docker(&["run", "--rm", "busybox", "cat", "/greeting"]);
    assert!(!other.status.success(), "the image changed");
}

#[test]
fn cp_out_of_running_and_stopped_containers() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "busybox",
        "sh",
        "-c",
        "mkdir -p /data/sub && echo live > /data/sub/f && echo ok > /data/top && sleep 1000",
    ]);
    let dir = tempfile::tempdir().unwrap();
    // Wait (without timing assertions) until the container has written its files.
    for _ in 0..200 {
        if lab
            .docker(&[
                "cp",
                "web:/data/top",
                dir.path().join("probe").to_str().unwrap(),
            ])
            .status
            .success()
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    lab.ok(&["cp", "web:/data", dir.path().to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("data/sub/f")).unwrap(),
        "live\n"
    );
    // `dir/.` copies the contents only.
    let contents = dir.path().join("contents");
    std::fs::create_dir(&contents).unwrap();
    lab.ok(&["cp", "web:/data/.", contents.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(contents.join("top")).unwrap(),
        "ok\n"
    );
    // A file onto a missing name gets that name.
    lab.ok(&[
        "cp",
        "web:/data/top",
        dir.path().join("renamed").to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("renamed")).unwrap(),
        "ok\n"
    );
    lab.ok(&["stop", "-t", "0", "web"]);
    let before = mounts(&lab);
    lab.ok(&[
        "cp",
        "web:/data/sub/f",
        dir.path().join("after").to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("after")).unwrap(),
        "live\n"
    );
    // An image file, seen through the stopped container's overlay.
    lab.ok(&["cp", "web:/bin/sh", dir.path().join("sh").to_str().unwrap()]);
    assert!(std::fs::symlink_metadata(dir.path().join("sh")).is_ok());
    assert_eq!(mounts(&lab), before, "cp leaked a mount");
}

#[test]
fn cp_tar_streams_both_ways() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["create", "--name", "box", "busybox", "cat", "/in/note"]);
    let out = lab.docker(&["cp", "box:/etc", "-"]);
    assert!(out.status.success());
    let names = tar_names(&out.stdout);
    assert!(names.contains(&"etc/passwd".to_string()), "{names:?}");
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(5);
    h.set_mode(0o640);
    h.set_uid(1234);
    h.set_gid(1234);
    tar.append_data(&mut h, "in/note", &b"tar!\n"[..]).unwrap();
    let bytes = tar.into_inner().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dockerlings"))
        .args(["docker", "cp", "-a", "-", "box:/"])
        .env("DOCKERLINGS_ROOT", lab.root.path())
        .env("DOCKERLINGS_RUN", lab.run.path())
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lab.ok(&["start", "-a", "box"]), "tar!\n");
    let out = lab.docker(&["cp", "box:/in/note", "-"]);
    let mut a = tar::Archive::new(out.stdout.as_slice());
    let mut e = a.entries().unwrap().next().unwrap().unwrap();
    assert_eq!(e.header().uid().unwrap(), 1234, "-a keeps the owner");
    let mut s = String::new();
    e.read_to_string(&mut s).unwrap();
    assert_eq!(s, "tar!\n");
}

#[test]
fn cp_errors_read_like_dockers() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["create", "--name", "web", "busybox"]);
    let out = lab.docker(&["cp", "web:/nope", "/tmp/x"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error response from daemon: Could not find the file /nope in container web\n"
    );
    let out = lab.docker(&["cp", "/etc/hostname", "web:/nope/x"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error response from daemon: Could not find the file /nope in container web\n"
    );
    let out = lab.docker(&["cp", "/no/such/file", "web:/"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "lstat /no/such/file: no such file or directory\n"
    );
    let out = lab.docker(&["cp", "a", "b"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "must specify at least one container source\n"
    );
    let out = lab.docker(&["cp", "ghost:/etc", "/tmp"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error response from daemon: No such container: ghost\n"
    );
}

#[test]
fn export_has_image_and_container_files_and_leaks_no_mount() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&[
        "run",
        "--name",
        "made",
        "busybox",
        "sh",
        "-c",
        "echo mine > /created.txt && rm /bin/ls",
    ]);
    let before = mounts(&lab);
    let out = lab.docker(&["export", "made"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mounts(&lab), before, "export leaked a mount");
    let names = tar_names(&out.stdout);
    assert!(names.contains(&"created.txt".to_string()), "{names:?}");
    assert!(names.contains(&"bin/sh".to_string()), "{names:?}");
    assert!(
        !names.contains(&"bin/ls".to_string()),
        "deleted file exported"
    );
    assert!(
        !names.iter().any(|n| n.contains(".wh.")),
        "whiteout exported"
    );
    assert!(
        !names.iter().any(|n| n.starts_with("proc/")),
        "/proc contents exported"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fs.tar");
    lab.ok(&["export", "-o", file.to_str().unwrap(), "made"]);
    assert_eq!(std::fs::read(&file).unwrap(), out.stdout);
}
