//! The course's image workflows, typed into a real shell with `docker` meaning dockerlings.

use std::process::Output;

use super::support::{have_root, shell};

fn ok(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    stdout
}

/// The IMAGE ID column of the row for `repo` `tag` in `docker images` output.
fn image_id(images: &str, repo: &str, tag: &str) -> String {
    images
        .lines()
        .find_map(|line| {
            let cols: Vec<_> = line.split_whitespace().collect();
            (cols.first() == Some(&repo) && cols.get(1) == Some(&tag)).then(|| cols[2].to_string())
        })
        .unwrap_or_else(|| panic!("no {repo}:{tag} row in:\n{images}"))
}

#[test]
fn pull_then_images_shows_a_12_hex_id_and_the_digest_is_the_same_in_a_fresh_store() {
    if !have_root("pull_then_images") {
        return;
    }
    let first = tempfile::tempdir().unwrap();
    let out = ok(&shell(
        first.path(),
        "docker pull nginx:1.25 && docker images",
    ));
    assert!(
        out.contains("Status: Downloaded newer image for nginx:1.25"),
        "{out}"
    );
    let id = image_id(&out, "nginx", "1.25");
    assert_eq!(id.len(), 12, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");

    let digest_of = |dir: &std::path::Path| {
        let out = ok(&shell(
            dir,
            "docker pull -q nginx:1.25 >/dev/null && docker images --digests --no-trunc nginx",
        ));
        out.lines()
            .nth(1)
            .expect("a row")
            .split_whitespace()
            .nth(2)
            .unwrap()
            .to_string()
    };
    let second = tempfile::tempdir().unwrap();
    let (a, b) = (digest_of(first.path()), digest_of(second.path()));
    assert!(a.starts_with("sha256:") && a.len() == 71, "{a}");
    assert_eq!(
        a, b,
        "the same build must give the same digest in every fresh store"
    );
}

#[test]
fn save_gzip_rmi_load_restores_the_same_image() {
    if !have_root("save_gzip_rmi_load") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let before = ok(&shell(
        dir.path(),
        "docker pull alpine:3.19 >/dev/null && docker images",
    ));
    let id = image_id(&before, "alpine", "3.19");

    let out = ok(&shell(
        dir.path(),
        "docker save alpine:3.19 | gzip > a.tgz && docker rmi alpine:3.19 && docker images",
    ));
    assert!(out.contains("Untagged: alpine:3.19"), "{out}");
    assert!(!out.contains("alpine "), "alpine must be gone:\n{out}");

    let out = ok(&shell(
        dir.path(),
        "gunzip -c a.tgz | docker load && docker images",
    ));
    assert!(out.contains("Loaded image: alpine:3.19"), "{out}");
    assert_eq!(image_id(&out, "alpine", "3.19"), id);
}

#[test]
fn bad_input_gets_dockers_messages() {
    if !have_root("bad_input_gets_dockers_messages") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Offline mode: the catalogue answers for the registry, so the test sends no DNS query
    // (online, an unreachable Docker Hub gives Docker's `dial tcp: lookup …` error instead).
    let output = shell(
        dir.path(),
        "export DOCKERLINGS_OFFLINE=1; docker pull nosuch",
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "Error response from daemon: pull access denied for nosuch, repository does not exist"
        ),
        "{stderr}"
    );

    let output = shell(dir.path(), "docker pull 'Nginx'");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "invalid reference format: repository name (library/Nginx) must be lowercase"
        ),
        "{stderr}"
    );

    let output = shell(
        dir.path(),
        "printf 'not an archive' | docker load; echo rc=$?; docker images -q | wc -l",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("rc=1"), "{stdout}");
    assert!(
        stdout.trim_end().ends_with('0'),
        "the store must stay empty:\n{stdout}"
    );
}
