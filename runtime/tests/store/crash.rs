//! kill -9 in the middle of `docker load` must leave a store that opens, lists exactly what
//! it had, and loads again. The test re-executes its own binary as the loader, feeds it
//! half an archive through a pipe, waits until it is staging content, and SIGKILLs it.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::*;

const LOADER_ROOT: &str = "DOCKERLINGS_TEST_LOADER_ROOT";

/// Not a test of its own: the body of the child process (does nothing unless the env var
/// says so).
#[test]
fn loader_child() {
    let Some(root) = std::env::var_os(LOADER_ROOT) else {
        return;
    };
    let engine = open(std::path::Path::new(&root));
    let _ = engine.image_load(&mut std::io::stdin().lock());
    unreachable!("the parent kills the loader before its input ends");
}

/// A big incompressible layer so the archive cannot be read in one go.
fn big_image() -> dockerlings_runtime::image::ImageImport {
    let mut data = String::new();
    let mut x: u64 = 0x9e3779b97f4a7c15;
    while data.len() < 4 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.push_str(&format!("{x:016x}"));
    }
    image(
        vec![base_layer(), layer(&[("big/blob", &data)])],
        "big",
        &["big:1"],
    )
}

#[test]
fn kill_9_during_load_leaves_a_usable_store() {
    let t = engine();
    t.engine.import(&app_image("web", &["web:1.0"])).unwrap();
    let before = t.listing();
    let blobs_before = t.blob_count();

    // The archive to load, made by saving from another store.
    let source = engine();
    source.engine.import(&big_image()).unwrap();
    let mut archive = Vec::new();
    source
        .engine
        .image_save(&["big:1".to_string()], &mut archive)
        .unwrap();

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash::loader_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(LOADER_ROOT, t.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&archive[..archive.len() / 2]).unwrap();
    stdin.flush().unwrap();
    // Wait (no deadline needed: the child is blocked on its pipe) until the loader has a
    // staging area with content in it.
    let staging = t.images_dir().join("staging");
    loop {
        let staged = std::fs::read_dir(&staging).unwrap().flatten().any(|area| {
            std::fs::read_dir(area.path())
                .map(|d| d.count() > 1)
                .unwrap_or(false)
        });
        if staged {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "loader exited early");
        std::thread::yield_now();
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    drop(stdin);

    let reopened = open(t.dir.path());
    assert_eq!(listing(&reopened), before, "exactly what it had");
    assert_eq!(t.blob_count(), blobs_before);
    assert_eq!(
        std::fs::read_dir(&staging).unwrap().count(),
        0,
        "dead loader's staging area swept on open"
    );

    let loaded = reopened.image_load(&mut &archive[..]).unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(listing(&reopened).len(), 2);
}

#[test]
fn leftovers_of_a_crash_are_swept_on_open() {
    let t = engine();
    t.engine.import(&app_image("web", &["web:1.0"])).unwrap();
    let images = t.images_dir();
    // What a process killed at various points leaves: a temp index, a temp blob, an orphan
    // blob renamed into place before the index was written, a half-deleted layer, an orphan
    // layer dir and an abandoned staging area.
    std::fs::write(images.join(".tmp-1-0-index.json"), b"{").unwrap();
    std::fs::write(images.join("blobs/sha256/.tmp-1-1-x"), b"partial").unwrap();
    std::fs::write(images.join("blobs/sha256").join("ab".repeat(32)), b"orphan").unwrap();
    std::fs::create_dir_all(images.join("layers/.tmp-1-2-dead/sub")).unwrap();
    std::fs::create_dir_all(images.join("layers").join("cd".repeat(32)).join("etc")).unwrap();
    std::fs::create_dir_all(images.join("staging/.tmp-1-3-import/blob-1")).unwrap();
    let blobs = t.blob_count();

    let reopened = open(t.dir.path());
    assert_eq!(
        listing(&reopened),
        vec![format!(
            "web:1.0 {}",
            &sha256(&app_image("web", &[]).config)[7..19]
        )]
    );
    assert_eq!(t.blob_count(), blobs - 2);
    assert_eq!(t.layer_dirs().len(), 2);
    assert!(!images.join(".tmp-1-0-index.json").exists());
    assert_eq!(
        std::fs::read_dir(images.join("staging")).unwrap().count(),
        0
    );
    // And it still works.
    reopened.image_remove("web:1.0", false).unwrap();
    assert_eq!(t.blob_count(), 0);
}

/// A change marks the store while it holds the lock; one killed half-way leaves the mark, and
/// the next open sweeps (without the mark, and with no import's staging area left, open does
/// not read every image to look for garbage; the next change sweeps first anyway).
#[test]
fn a_killed_change_is_swept_on_the_next_open_and_an_unmarked_store_at_the_next_change() {
    let t = engine();
    t.engine.import(&app_image("web", &["web:1.0"])).unwrap();
    let images = t.images_dir();
    assert!(
        !images.join("changing").exists(),
        "a finished change unmarks"
    );
    let blobs = t.blob_count();
    let orphan = images.join("blobs/sha256").join("ab".repeat(32));
    let leave = || {
        std::fs::write(&orphan, b"orphan").unwrap();
        std::fs::create_dir_all(images.join("layers").join("cd".repeat(32)).join("etc")).unwrap();
    };

    leave();
    std::fs::write(images.join("changing"), b"").unwrap();
    let reopened = open(t.dir.path());
    assert!(!orphan.exists(), "a marked store is swept on open");
    assert_eq!(t.blob_count(), blobs);
    assert_eq!(t.layer_dirs().len(), 2);
    assert!(!images.join("changing").exists());

    leave();
    let reopened_again = open(t.dir.path());
    assert!(orphan.exists(), "an unmarked store is not swept on open");
    reopened_again
        .import(&app_image("api", &["api:1.0"]))
        .unwrap();
    assert!(!orphan.exists(), "the next change sweeps first");
    assert!(!images.join("layers").join("cd".repeat(32)).exists());
    assert!(!images.join("changing").exists());
    assert_eq!(listing(&reopened).len(), 2);
}
