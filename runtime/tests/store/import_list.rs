use crate::common::*;
use dockerlings_runtime::Error;

#[test]
fn import_lists_and_finds_by_name_and_id_prefix() {
    let t = engine();
    let web = app_image("web", &["web:1.0"]);
    let outcome = t.engine.import(&web).unwrap();
    let id = sha256(&web.config);
    assert_eq!(outcome.id, id, "image ID is the config digest");

    let images = t.engine.images().unwrap();
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].repo_tags, vec!["web:1.0"]);
    assert_eq!(
        images[0].size,
        "NAME=test\n".len() as u64 + "#!tool\n".len() as u64 + 3
    );
    assert_eq!(
        images[0]
            .labels
            .get("org.dockerlings.test")
            .map(String::as_str),
        Some("yes")
    );

    for name in [
        "web:1.0",
        "docker.io/library/web:1.0",
        &id,
        &id[7..],
        &id[7..12],
        &id[..12],
    ] {
        let inspect = t.engine.image_inspect(name).unwrap();
        assert_eq!(inspect["Id"], id.as_str(), "lookup by {name}");
    }
    let err = t.engine.image_inspect("web").unwrap_err();
    assert_eq!(err.to_string(), "No such image: web:latest");
    let err = t.engine.image_inspect("Web").unwrap_err();
    assert!(matches!(err, Error::Reference(_)), "{err}");
}

#[test]
fn inspect_has_dockers_fields_in_dockers_order() {
    let t = engine();
    t.engine.import(&app_image("web", &["web:1.0"])).unwrap();
    let v = t.engine.image_inspect("web:1.0").unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "Id",
            "RepoTags",
            "RepoDigests",
            "Parent",
            "Comment",
            "Created",
            "Container",
            "ContainerConfig",
            "DockerVersion",
            "Author",
            "Config",
            "Architecture",
            "Os",
            "Size",
            "GraphDriver",
            "RootFS",
            "Metadata"
        ]
    );
    assert_eq!(v["Os"], "linux");
    assert_eq!(v["ContainerConfig"]["Image"], "");
    assert_eq!(
        v["Config"]["ExposedPorts"],
        serde_json::json!({"80/tcp": {}})
    );
    assert_eq!(v["Config"]["Cmd"], serde_json::json!(["web"]));
    assert_eq!(v["Created"], "2024-01-02T03:04:05.123456789Z");
    assert_eq!(v["RootFS"]["Layers"].as_array().unwrap().len(), 2);
    assert_eq!(v["GraphDriver"]["Name"], "overlay2");
    let upper = v["GraphDriver"]["Data"]["UpperDir"].as_str().unwrap();
    assert!(
        std::path::Path::new(upper).join("app/web").is_file(),
        "UpperDir is the unpacked top layer"
    );
    assert_eq!(v["Metadata"]["LastTagTime"], "0001-01-01T00:00:00Z");
}

#[test]
fn shared_layer_is_unpacked_once_and_counted_as_shared() {
    let t = engine();
    t.engine.import(&app_image("web", &["web:1.0"])).unwrap();
    assert_eq!(t.layer_dirs().len(), 2);
    t.engine.import(&app_image("api", &["api:1.0"])).unwrap();
    assert_eq!(
        t.layer_dirs().len(),
        3,
        "base layer shared, not unpacked twice"
    );
    let base = sha256(&base_layer());
    assert!(t.layer_dirs().contains(&base[7..].to_string()));
    for image in t.engine.images().unwrap() {
        assert_eq!(
            image.shared_size,
            "NAME=test\n".len() as u64 + "#!tool\n".len() as u64
        );
    }
}

#[test]
fn history_is_newest_first_with_layer_sizes() {
    let t = engine();
    let web = app_image("web", &["web:1.0"]);
    t.engine.import(&web).unwrap();
    let history = t.engine.image_history("web:1.0").unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[0].id.as_deref(), Some(sha256(&web.config).as_str()));
    assert_eq!(history[0].tags, vec!["web:1.0"]);
    assert!(history[0].created_by.contains("CMD"));
    assert_eq!(history[0].size, 0);
    assert_eq!(history[1].id, None);
    assert_eq!(history[1].size, 3, "top layer holds app/web");
    assert_eq!(history[2].size, 17);
}

#[test]
fn tag_by_id_and_retag_leaves_old_image_dangling() {
    let t = engine();
    let web = app_image("web", &["web:1.0"]);
    t.engine.import(&web).unwrap();
    let id = sha256(&web.config);
    t.engine.image_tag(&id[7..15], "mirror/web:v2").unwrap();
    assert!(t
        .listing()
        .contains(&format!("mirror/web:v2 {}", &id[7..19])));
    let v = t.engine.image_inspect("mirror/web:v2").unwrap();
    assert_ne!(v["Metadata"]["LastTagTime"], "0001-01-01T00:00:00Z");
    assert_eq!(
        t.engine.image_tag("nosuch", "x").unwrap_err().to_string(),
        "No such image: nosuch:latest"
    );

    // Moving web:1.0 to another image leaves the first one with only mirror/web:v2; moving
    // that too leaves it as a dangling <none> image.
    let api = app_image("api", &["api:1.0"]);
    t.engine.import(&api).unwrap();
    t.engine.image_tag("api:1.0", "web:1.0").unwrap();
    t.engine.image_tag("api:1.0", "mirror/web:v2").unwrap();
    let listing = t.listing();
    assert!(
        listing.contains(&format!("<none> {}", &id[7..19])),
        "{listing:?}"
    );
    assert_eq!(listing.len(), 4, "{listing:?}");
}

#[test]
fn corrupt_import_is_refused_and_leaves_nothing() {
    let t = engine();
    let mut bad = app_image("web", &["web:1.0"]);
    bad.layers[1] = layer(&[("app/other", "x")]);
    let err = t.engine.import(&bad).unwrap_err();
    assert!(err.to_string().contains("does not match"), "{err}");
    assert!(t.engine.images().unwrap().is_empty());
    assert_eq!(t.blob_count(), 0);
    assert!(t.layer_dirs().is_empty());
}

#[test]
fn lower_dirs_of_one_image_match_the_snapshots_and_go_with_it() {
    let t = engine();
    t.engine.import(&app_image("base", &["base:1"])).unwrap();
    let web = app_image("web", &["web:1"]);
    let id = t.engine.import(&web).unwrap().id;
    let store = t.engine.image_store().unwrap();
    let snapshot = store.snapshot().unwrap();
    let expected = store.lower_dirs(snapshot.image(&id).unwrap());
    assert!(!expected.is_empty());
    assert_eq!(store.lower_dirs_of(&id).unwrap(), expected);

    t.engine.image_remove("web:1", false).unwrap();
    let err = store.lower_dirs_of(&id).unwrap_err();
    assert_eq!(err.to_string(), format!("No such image: {id}"));
}
