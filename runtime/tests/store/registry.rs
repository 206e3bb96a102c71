//! Pulls from a registry: a fake one on 127.0.0.1 (see `fake_registry`), reached in plain
//! HTTP as Docker does for loopback registries. No test sends traffic anywhere else.

use std::process::{Command, Stdio};

use dockerlings_runtime::{Error, PullEvent, PullReport, RegistryAccess};

use crate::common::*;
use crate::fake_registry::*;

const CREATED: &str = "2024-01-02T03:04:05.123456789Z";

fn online() -> TestEngine {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).with_registry_access(RegistryAccess::Online);
    TestEngine { dir, engine }
}

fn pull(t: &TestEngine, name: &str) -> (Result<PullReport, Error>, Vec<PullEvent>) {
    let mut events = Vec::new();
    let result = t.engine.pull(name, &mut |e| events.push(e));
    (result, events)
}

/// `id: status` lines of the layer events (progress bars left out).
fn layer_lines(events: &[PullEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            PullEvent::Layer { id, status } => Some(format!("{id}: {status}")),
            _ => None,
        })
        .collect()
}

fn short(digest: &str) -> String {
    digest[7..19].to_string()
}

/// The host's architecture and variant as OCI names them.
fn host_arch() -> (&'static str, Option<&'static str>) {
    match std::env::consts::ARCH {
        "x86_64" => ("amd64", None),
        "aarch64" => ("arm64", Some("v8")),
        other => panic!("no test platform for {other}"),
    }
}

fn config_for(tars: &[Vec<u8>], cmd: &str, arch: &str) -> Vec<u8> {
    let mut doc: serde_json::Value = serde_json::from_slice(&config(tars, cmd, CREATED)).unwrap();
    doc["architecture"] = serde_json::json!(arch);
    serde_json::to_vec(&doc).unwrap()
}

fn base_tar() -> Vec<u8> {
    layer(&[("etc/os-release", "NAME=test\n"), ("bin/tool", "#!tool\n")])
}

/// Pushes `test/app:<tag>`: a gzip base layer, a zstd layer and a plain one.
fn push_app(registry: &FakeRegistry, tag: &str) -> (Pushed, Vec<PushedLayer>) {
    let layers = vec![
        PushedLayer::gzip(base_tar()),
        PushedLayer::zstd(layer(&[(
            "app/zstd.txt",
            &format!("zstd {tag}\n").repeat(50),
        )])),
        PushedLayer::plain(layer(&[("app/plain.txt", tag)])),
    ];
    let tars: Vec<Vec<u8>> = layers.iter().map(|l| l.tar.clone()).collect();
    let pushed = registry.push_image(
        "test/app",
        Some(tag),
        config_for(&tars, "app", host_arch().0),
        &layers,
        DOCKER_MANIFEST,
    );
    (pushed, layers)
}

/// Nothing was committed and nothing is left behind.
fn assert_store_untouched(t: &TestEngine) {
    assert!(t.engine.images().unwrap().is_empty());
    assert_eq!(t.blob_count(), 0, "no blob may stay behind");
    assert!(t.layer_dirs().is_empty(), "no layer may stay behind");
    let staging: Vec<_> = std::fs::read_dir(t.images_dir().join("staging"))
        .unwrap()
        .collect();
    assert!(
        staging.is_empty(),
        "the staging area is removed: {staging:?}"
    );
}

fn token_auth() -> Auth {
    Auth::Token {
        valid: "secret-token".into(),
        issued: "secret-token".into(),
        challenge_on_ping: true,
    }
}

#[test]
fn pulls_gzip_zstd_and_plain_layers_through_token_auth() {
    let registry = FakeRegistry::start(token_auth());
    let (pushed, layers) = push_app(&registry, "v1");
    let t = online();
    let name = registry.reference("test/app", "v1");
    let (report, events) = pull(&t, &name);
    let report = report.unwrap();
    assert_eq!(
        report.digest, pushed.digest,
        "the stored digest is the registry's"
    );
    assert_eq!(report.canonical, name);
    assert!(!report.from_catalogue && !report.up_to_date);

    // Docker's order of events.
    assert_eq!(
        events[0],
        PullEvent::PullingFrom {
            tag: "v1".into(),
            repository: "test/app".into()
        }
    );
    let lines = layer_lines(&events);
    for l in &layers {
        let id = short(&l.digest());
        for status in [
            "Pulling fs layer",
            "Verifying Checksum",
            "Download complete",
            "Pull complete",
        ] {
            assert!(
                lines.contains(&format!("{id}: {status}")),
                "{id}: {status} missing from {lines:?}"
            );
        }
    }
    let completes: Vec<&String> = lines
        .iter()
        .filter(|l| l.ends_with("Pull complete"))
        .collect();
    assert_eq!(
        completes,
        layers
            .iter()
            .map(|l| format!("{}: Pull complete", short(&l.digest())))
            .collect::<Vec<_>>()
            .iter()
            .collect::<Vec<_>>(),
        "layers are extracted bottom first"
    );
    assert!(events
        .iter()
        .any(|e| matches!(e, PullEvent::Progress { action, .. } if action == "Downloading")));
    assert!(events
        .iter()
        .any(|e| matches!(e, PullEvent::Progress { action, .. } if action == "Extracting")));
    let n = events.len();
    assert_eq!(events[n - 2], PullEvent::Digest(pushed.digest.clone()));
    assert_eq!(
        events[n - 1],
        PullEvent::Status(format!("Downloaded newer image for {name}"))
    );

    // The token flow: one token for the repository's pull scope, sent on every request.
    let requests = registry.requests();
    let tokens: Vec<_> = requests.iter().filter(|r| r.path == "/token").collect();
    assert_eq!(tokens.len(), 1, "{requests:?}");
    assert!(
        tokens[0].query.contains("service=fake-registry"),
        "{}",
        tokens[0].query
    );
    assert!(
        tokens[0]
            .query
            .contains("scope=repository%3Atest%2Fapp%3Apull")
            || tokens[0].query.contains("scope=repository:test/app:pull"),
        "{}",
        tokens[0].query
    );
    for r in requests.iter().filter(|r| r.path.contains("/test/app/")) {
        assert_eq!(
            r.authorization.as_deref(),
            Some("Bearer secret-token"),
            "{r:?}"
        );
    }
    let manifest_request = requests
        .iter()
        .find(|r| r.path.contains("/manifests/"))
        .unwrap();
    let accept = manifest_request.accept.as_deref().unwrap_or_default();
    for t in [
        DOCKER_MANIFEST,
        OCI_MANIFEST,
        OCI_INDEX,
        "manifest.list.v2+json",
    ] {
        assert!(accept.contains(t), "Accept lacks {t}: {accept}");
    }

    // What the store shows.
    let inspect = t.engine.image_inspect(&name).unwrap();
    assert_eq!(inspect["Id"], pushed.config_digest);
    assert_eq!(inspect["RepoTags"], serde_json::json!([name]));
    assert_eq!(
        inspect["RepoDigests"],
        serde_json::json!([format!("{}/test/app@{}", registry.host(), pushed.digest)])
    );
    assert_eq!(
        inspect["RootFS"]["Layers"],
        serde_json::json!(layers.iter().map(|l| sha256(&l.tar)).collect::<Vec<_>>())
    );
    assert_eq!(
        t.listing(),
        vec![format!("{name} {}", short(&pushed.config_digest))]
    );
    let app_dir = t
        .images_dir()
        .join("layers")
        .join(&sha256(&layers[1].tar)[7..]);
    assert_eq!(
        std::fs::read_to_string(app_dir.join("app/zstd.txt")).unwrap(),
        "zstd v1\n".repeat(50),
        "the zstd layer is unpacked"
    );

    // Again: up to date, nothing downloaded.
    let blob_requests = requests
        .iter()
        .filter(|r| r.path.contains("/blobs/"))
        .count();
    let (again, events) = pull(&t, &name);
    assert!(again.unwrap().up_to_date);
    assert!(events.contains(&PullEvent::Status(format!(
        "Image is up to date for {name}"
    ))));
    assert!(layer_lines(&events).is_empty());
    let after = registry
        .requests()
        .iter()
        .filter(|r| r.path.contains("/blobs/"))
        .count();
    assert_eq!(after, blob_requests);
}

#[test]
fn a_challenge_on_the_manifest_gets_a_token_and_a_wrong_token_is_refused() {
    // The registry lets /v2/ through and challenges only the repository requests.
    let registry = FakeRegistry::start(Auth::Token {
        valid: "good".into(),
        issued: "good".into(),
        challenge_on_ping: false,
    });
    let (pushed, _) = push_app(&registry, "v1");
    let t = online();
    let (r, _) = pull(&t, &registry.reference("test/app", "v1"));
    assert_eq!(r.unwrap().digest, pushed.digest);
    let requests = registry.requests();
    let first_manifest = requests
        .iter()
        .find(|r| r.path.contains("/manifests/"))
        .unwrap();
    assert_eq!(
        first_manifest.authorization, None,
        "the first try carries no token"
    );
    assert!(requests.iter().any(|r| r.path == "/token"));

    // A token server that hands out a token the registry does not accept.
    let registry = FakeRegistry::start(Auth::Token {
        valid: "good".into(),
        issued: "forged".into(),
        challenge_on_ping: true,
    });
    push_app(&registry, "v1");
    let t = online();
    let (r, _) = pull(&t, &registry.reference("test/app", "v1"));
    assert_eq!(
        r.unwrap_err().to_string(),
        format!("pull access denied for {}/test/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", registry.host())
    );
    assert_store_untouched(&t);
    assert_eq!(registry.blob_requests(""), 0, "nothing was downloaded");
}

#[test]
fn a_manifest_list_resolves_to_the_host_platform() {
    let registry = FakeRegistry::start(Auth::Open);
    let (arch, variant) = host_arch();
    let host_layers = vec![PushedLayer::gzip(base_tar())];
    let host_tars = vec![base_tar()];
    let host = registry.push_image(
        "test/multi",
        None,
        config_for(&host_tars, "host", arch),
        &host_layers,
        OCI_MANIFEST,
    );
    let other_tar = layer(&[("s390x", "big endian")]);
    let other_layers = vec![PushedLayer::gzip(other_tar.clone())];
    let other = registry.push_image(
        "test/multi",
        None,
        config_for(&[other_tar], "other", "s390x"),
        &other_layers,
        OCI_MANIFEST,
    );
    let mut host_platform = serde_json::json!({"architecture": arch, "os": "linux"});
    if let Some(v) = variant {
        host_platform["variant"] = serde_json::json!(v);
    }
    let entry = |digest: &str, platform: serde_json::Value| serde_json::json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": 1, "platform": platform});
    // Sizes are informative only; the client checks digests.
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            entry(&other.digest, serde_json::json!({"architecture": "s390x", "os": "linux"})),
            entry(&other.digest, serde_json::json!({"architecture": "unknown", "os": "unknown"})),
            entry(&host.digest, host_platform),
        ]
    });
    let index_digest = registry.put_manifest(
        "test/multi",
        Some("latest"),
        serde_json::to_vec(&index).unwrap(),
        OCI_INDEX,
    );

    let t = online();
    let name = format!("{}/test/multi", registry.host());
    let (r, events) = pull(&t, &name);
    let r = r.unwrap();
    assert_eq!(events[0], PullEvent::UsingDefaultTag("latest".into()));
    assert_eq!(
        r.digest, index_digest,
        "Digest: is the list's digest, as in Docker"
    );
    let inspect = t.engine.image_inspect(&name).unwrap();
    assert_eq!(inspect["Id"], host.config_digest);
    assert_eq!(inspect["Architecture"], arch);
    assert_eq!(
        inspect["RepoDigests"],
        serde_json::json!([format!("{name}@{index_digest}")])
    );
    assert_eq!(registry.blob_requests(&other_layers[0].digest()), 0);
    assert_eq!(registry.blob_requests(&other.config_digest), 0);
    assert_eq!(registry.blob_requests(&host_layers[0].digest()), 1);
    // Pulling by the list's digest finds the same image.
    let (again, _) = pull(&t, &format!("{name}@{index_digest}"));
    assert!(again.unwrap().up_to_date);

    // The stored image survives a reopen (the store resolves the list to the host's
    // manifest) and save → load.
    let reopened = open(t.dir.path());
    assert_eq!(
        reopened.image_inspect(&name).unwrap()["Id"],
        host.config_digest
    );
    let mut archive = Vec::new();
    t.engine
        .image_save(&[format!("{name}:latest")], &mut archive)
        .unwrap();
    let fresh = online();
    fresh.engine.image_load(&mut &archive[..]).unwrap();
    assert_eq!(
        fresh.engine.image_inspect(&name).unwrap()["Id"],
        host.config_digest
    );

    // A list without the host's platform.
    let only_other = serde_json::json!({
        "schemaVersion": 2, "mediaType": OCI_INDEX,
        "manifests": [entry(&other.digest, serde_json::json!({"architecture": "s390x", "os": "linux"}))]
    });
    registry.put_manifest(
        "test/multi",
        Some("s390x"),
        serde_json::to_vec(&only_other).unwrap(),
        OCI_INDEX,
    );
    let (r, _) = pull(&t, &format!("{name}:s390x"));
    let host = match variant {
        Some(v) => format!("linux/{arch}/{v}"),
        None => format!("linux/{arch}"),
    };
    assert_eq!(
        r.unwrap_err().to_string(),
        format!("no matching manifest for {host} in the manifest list entries")
    );
}

#[test]
fn a_blob_that_does_not_match_its_digest_fails_and_leaves_the_store_unchanged() {
    let registry = FakeRegistry::start(Auth::Open);
    let (_, layers) = push_app(&registry, "v1");
    // The registry serves other bytes under the zstd layer's digest.
    let digest = layers[1].digest();
    let mut tampered = layers[1].blob.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0xff;
    registry.put_blob("test/app", &digest, tampered);
    let t = online();
    let (r, _) = pull(&t, &registry.reference("test/app", "v1"));
    assert_eq!(
        r.unwrap_err().to_string(),
        format!("filesystem layer verification failed for digest {digest}")
    );
    assert_store_untouched(&t);

    // A config whose diff IDs do not describe the layers.
    let registry = FakeRegistry::start(Auth::Open);
    let layers = [PushedLayer::gzip(base_tar())];
    registry.push_image(
        "test/app",
        Some("v1"),
        config_for(&[layer(&[("other", "x")])], "app", host_arch().0),
        &layers,
        DOCKER_MANIFEST,
    );
    let (r, _) = pull(&t, &registry.reference("test/app", "v1"));
    assert_eq!(
        r.unwrap_err().to_string(),
        "layers from manifest don't match image configuration"
    );
    assert_store_untouched(&t);
}

#[test]
fn unknown_repositories_and_tags_fail_like_docker() {
    let registry = FakeRegistry::start(token_auth());
    push_app(&registry, "v1");
    let t = online();
    let (r, events) = pull(&t, &registry.reference("test/nosuch", "v1"));
    assert_eq!(
        r.unwrap_err().to_string(),
        format!("pull access denied for {}/test/nosuch, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", registry.host())
    );
    assert!(
        events.is_empty(),
        "no 'Pulling from' before the manifest: {events:?}"
    );
    let (r, _) = pull(&t, &registry.reference("test/app", "nope"));
    assert_eq!(
        r.unwrap_err().to_string(),
        format!(
            "manifest for {}/test/app:nope not found: manifest unknown: manifest unknown",
            registry.host()
        )
    );
    assert_store_untouched(&t);
}

#[test]
fn layers_already_in_the_store_are_not_downloaded_again() {
    let registry = FakeRegistry::start(Auth::Open);
    let (_, v1_layers) = push_app(&registry, "v1");
    let (v2, v2_layers) = push_app(&registry, "v2");
    let base = v1_layers[0].digest();
    assert_eq!(
        base,
        v2_layers[0].digest(),
        "both tags share the base layer"
    );
    let t = online();
    pull(&t, &registry.reference("test/app", "v1")).0.unwrap();
    let (r, events) = pull(&t, &registry.reference("test/app", "v2"));
    assert_eq!(r.unwrap().digest, v2.digest);
    let lines = layer_lines(&events);
    assert_eq!(lines[0], format!("{}: Already exists", short(&base)));
    assert!(lines.contains(&format!("{}: Pull complete", short(&v2_layers[1].digest()))));
    assert!(!lines
        .iter()
        .any(|l| l.starts_with(&short(&base)) && l.ends_with("Pull complete")));
    assert_eq!(
        registry.blob_requests(&base),
        1,
        "the shared layer is downloaded once"
    );
    assert_eq!(t.listing().len(), 2);
}

#[test]
fn a_pulled_image_survives_save_and_load_with_its_id_and_repo_digest() {
    let registry = FakeRegistry::start(Auth::Open);
    let (pushed, _) = push_app(&registry, "v1");
    let t = online();
    let name = registry.reference("test/app", "v1");
    pull(&t, &name).0.unwrap();
    let digests = serde_json::json!([format!("{}/test/app@{}", registry.host(), pushed.digest)]);
    let mut archive = Vec::new();
    t.engine
        .image_save(std::slice::from_ref(&name), &mut archive)
        .unwrap();

    // Loading into the same store keeps one image with its repository digest.
    t.engine.image_load(&mut &archive[..]).unwrap();
    assert_eq!(t.engine.images().unwrap().len(), 1);
    let inspect = t.engine.image_inspect(&name).unwrap();
    assert_eq!(inspect["Id"], pushed.config_digest);
    assert_eq!(inspect["RepoDigests"], digests);

    // rmi, then load: the same ID (a loaded image has no repository digest, as in Docker).
    t.engine.image_remove(&name, false).unwrap();
    assert_store_untouched(&t);
    t.engine.image_load(&mut &archive[..]).unwrap();
    let inspect = t.engine.image_inspect(&name).unwrap();
    assert_eq!(inspect["Id"], pushed.config_digest);
    assert_eq!(inspect["RepoTags"], serde_json::json!([name]));

    // Pulling again replaces the generated manifest with the registry's: still one image.
    let (r, _) = pull(&t, &name);
    assert_eq!(r.unwrap().digest, pushed.digest);
    assert_eq!(t.engine.images().unwrap().len(), 1);
    assert_eq!(
        t.engine.image_inspect(&name).unwrap()["RepoDigests"],
        digests
    );
}

#[test]
fn an_unreachable_registry_reads_like_docker_with_an_offline_note() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let t = online();
    let (r, events) = pull(&t, &format!("{addr}/test/app:v1"));
    assert_eq!(
        r.unwrap_err().to_string(),
        format!("Get \"http://{addr}/v2/\": dial tcp {addr}: connect: connection refused")
    );
    assert!(events
        .iter()
        .any(|e| matches!(e, PullEvent::Note(n) if n.contains("could not reach the registry") && n.contains("docker search"))));
}

#[test]
fn an_offline_engine_never_contacts_a_registry() {
    let registry = FakeRegistry::start(Auth::Open);
    push_app(&registry, "v1");
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).with_registry_access(RegistryAccess::Offline);
    let mut events = Vec::new();
    let r = engine.pull(&registry.reference("test/app", "v1"), &mut |e| {
        events.push(e)
    });
    assert!(matches!(r, Err(Error::Image(_))), "{r:?}");
    assert!(registry.requests().is_empty());
}

const PULL_ROOT: &str = "DOCKERLINGS_TEST_PULL_ROOT";
const PULL_REF: &str = "DOCKERLINGS_TEST_PULL_REF";

/// Not a test of its own: the body of the child process killed mid-pull.
#[test]
fn puller_child() {
    let (Some(root), Some(reference)) = (std::env::var_os(PULL_ROOT), std::env::var(PULL_REF).ok())
    else {
        return;
    };
    let engine = open(std::path::Path::new(&root)).with_registry_access(RegistryAccess::Online);
    let _ = engine.pull(&reference, &mut |_| {});
    unreachable!("the parent kills the puller while a layer is stalled");
}

#[test]
fn kill_9_during_a_pull_leaves_a_usable_store() {
    let registry = FakeRegistry::start(Auth::Open);
    let big: String = (0..200_000u32)
        .map(|i| format!("{:08x}", i.wrapping_mul(2_654_435_761)))
        .collect();
    let layers = vec![
        PushedLayer::gzip(base_tar()),
        PushedLayer::plain(layer(&[("big/blob", &big)])),
    ];
    let tars: Vec<Vec<u8>> = layers.iter().map(|l| l.tar.clone()).collect();
    let pushed = registry.push_image(
        "test/big",
        Some("v1"),
        config_for(&tars, "big", host_arch().0),
        &layers,
        DOCKER_MANIFEST,
    );
    registry.stall_blob(&layers[1].digest());

    let t = online();
    t.engine.import(&app_image("web", &["web:1.0"])).unwrap();
    let before = t.listing();
    let blobs_before = t.blob_count();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["registry::puller_child", "--exact", "--nocapture"])
        .env(PULL_ROOT, t.dir.path())
        .env(PULL_REF, registry.reference("test/big", "v1"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) until the child is halfway through the stalled layer.
    let mut seen = false;
    for _ in 0..3000 {
        if registry.blob_requests(&layers[1].digest()) > 0 {
            seen = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Give the child time to write the first half to its staging area.
    std::thread::sleep(std::time::Duration::from_millis(200));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    child.wait().unwrap();
    registry.release();
    assert!(seen, "the child never reached the stalled layer");

    let reopened = open(t.dir.path()).with_registry_access(RegistryAccess::Online);
    assert_eq!(listing(&reopened), before);
    let staging: Vec<_> = std::fs::read_dir(t.images_dir().join("staging"))
        .unwrap()
        .collect();
    assert!(
        staging.is_empty(),
        "the dead pull's staging area is swept: {staging:?}"
    );
    assert_eq!(t.blob_count(), blobs_before);
    let report = reopened
        .pull(&registry.reference("test/big", "v1"), &mut |_| {})
        .unwrap();
    assert_eq!(report.digest, pushed.digest);
    assert_eq!(listing(&reopened).len(), before.len() + 1);
}
