//! Pulls from the built-in offline catalogue.

use dockerlings_runtime::{Error, PullEvent};

use crate::common::*;

fn pull(
    t: &TestEngine,
    name: &str,
) -> (
    Result<dockerlings_runtime::PullReport, Error>,
    Vec<PullEvent>,
) {
    let mut events = Vec::new();
    let result = t.engine.pull(name, &mut |e| events.push(e));
    (result, events)
}

#[test]
fn pulling_a_builtin_image_is_reproducible_and_docker_shaped() {
    let a = engine();
    let b = engine();
    let (ra, events) = pull(&a, "hello-world");
    let ra = ra.unwrap();
    let (rb, _) = pull(&b, "hello-world:latest");
    let rb = rb.unwrap();
    assert_eq!(
        ra.digest, rb.digest,
        "same manifest digest in two fresh stores"
    );
    assert_eq!(ra.canonical, "docker.io/library/hello-world:latest");
    assert!(ra.from_catalogue && !ra.up_to_date);
    let ia = a.engine.image_inspect("hello-world").unwrap();
    let ib = b.engine.image_inspect("hello-world").unwrap();
    assert_eq!(ia["Id"], ib["Id"]);
    assert_eq!(
        ia["RepoDigests"],
        serde_json::json!([format!("hello-world@{}", ra.digest)])
    );

    assert_eq!(events[0], PullEvent::UsingDefaultTag("latest".into()));
    assert_eq!(
        events[1],
        PullEvent::PullingFrom {
            tag: "latest".into(),
            repository: "library/hello-world".into()
        }
    );
    assert!(events
        .iter()
        .any(|e| matches!(e, PullEvent::Layer { status, .. } if status == "Pull complete")));
    assert!(events.contains(&PullEvent::Digest(ra.digest.clone())));
    assert!(events.contains(&PullEvent::Status(
        "Downloaded newer image for hello-world:latest".into()
    )));
    assert!(events
        .iter()
        .any(|e| matches!(e, PullEvent::Note(n) if n.contains("offline catalogue"))));

    let (again, events) = pull(&a, "hello-world");
    assert!(again.unwrap().up_to_date);
    assert!(events.contains(&PullEvent::Status(
        "Image is up to date for hello-world:latest".into()
    )));
    assert!(!events.iter().any(|e| matches!(e, PullEvent::Layer { .. })));

    // rmi by name removes the tag and its digest reference, then the image.
    let items = a.engine.image_remove("hello-world", false).unwrap();
    assert_eq!(
        &items[..2],
        [
            dockerlings_runtime::image::view::DeleteItem::Untagged("hello-world:latest".into()),
            dockerlings_runtime::image::view::DeleteItem::Untagged(format!(
                "hello-world@{}",
                ra.digest
            )),
        ]
    );
    assert!(a.engine.images().unwrap().is_empty());
}

#[test]
fn unknown_images_fail_like_docker_offline() {
    // Offline, the catalogue stands in for the registry (no network in tests).
    let dir = tempfile::tempdir().unwrap();
    let t = TestEngine {
        engine: open(dir.path()).with_registry_access(dockerlings_runtime::RegistryAccess::Offline),
        dir,
    };
    let (r, events) = pull(&t, "nosuchimage");
    assert_eq!(
        r.unwrap_err().to_string(),
        "pull access denied for nosuchimage, repository does not exist or may require 'docker login': denied: requested access to the resource is denied"
    );
    assert!(events
        .iter()
        .any(|e| matches!(e, PullEvent::Note(n) if n.contains("docker search"))));
    let (r, _) = pull(&t, "nginx:0.0.1-nope");
    assert_eq!(
        r.unwrap_err().to_string(),
        "manifest for nginx:0.0.1-nope not found: manifest unknown: manifest unknown"
    );
    let (r, _) = pull(&t, "NGINX");
    assert!(matches!(r.unwrap_err(), Error::Reference(_)));
}

#[test]
fn layers_already_in_the_store_say_already_exists() {
    let t = engine();
    pull(&t, "alpine:3.19").0.unwrap();
    let (r, events) = pull(&t, "nginx:alpine");
    r.unwrap();
    let statuses: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            PullEvent::Layer { status, .. } => Some(status.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        statuses.contains(&"Already exists"),
        "nginx:alpine shares alpine's layers: {statuses:?}"
    );
    assert!(statuses.contains(&"Pull complete"), "{statuses:?}");
}

#[test]
fn builtin_image_survives_save_rmi_load_with_the_same_id() {
    let t = engine();
    pull(&t, "busybox").0.unwrap();
    let id = t.engine.image_inspect("busybox").unwrap()["Id"].clone();
    let mut archive = Vec::new();
    t.engine
        .image_save(&["busybox".to_string()], &mut archive)
        .unwrap();
    t.engine.image_remove("busybox", false).unwrap();
    assert!(t.engine.images().unwrap().is_empty());
    let loaded = t.engine.image_load(&mut &archive[..]).unwrap();
    assert_eq!(
        loaded,
        vec![dockerlings_runtime::image::view::LoadedItem::Tag(
            "busybox:latest".into()
        )]
    );
    assert_eq!(t.engine.image_inspect("busybox:latest").unwrap()["Id"], id);
}
