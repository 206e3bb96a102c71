use std::io::Write;

use crate::common::*;
use dockerlings_runtime::image::view::LoadedItem;
use dockerlings_runtime::Error;

fn save(t: &TestEngine, names: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    t.engine
        .image_save(
            &names.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            &mut out,
        )
        .unwrap();
    out
}

fn entry_names(archive: &[u8]) -> Vec<String> {
    let mut ar = tar::Archive::new(archive);
    ar.entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect()
}

#[test]
fn save_writes_dockers_layout_and_load_restores_the_same_id() {
    let t = engine();
    let web = app_image("web", &["web:1.0"]);
    let api = app_image("api", &["api:2"]);
    t.engine.import(&web).unwrap();
    t.engine.import(&api).unwrap();
    let archive = save(&t, &["web:1.0", "api:2"]);
    let names = entry_names(&archive);
    assert_eq!(&names[..2], ["blobs/", "blobs/sha256/"]);
    assert_eq!(
        &names[names.len() - 4..],
        ["index.json", "manifest.json", "oci-layout", "repositories"]
    );
    // 2 configs + 2 manifests + 3 distinct layers.
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("blobs/sha256/") && n.len() > 13)
            .count(),
        7
    );

    let mut ar = tar::Archive::new(&archive[..]);
    let mut manifest = None;
    let mut index = None;
    for entry in ar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        let mut text = String::new();
        if name == "manifest.json" || name == "index.json" {
            std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            if name == "manifest.json" {
                manifest = Some(value)
            } else {
                index = Some(value)
            }
        }
    }
    let manifest = manifest.unwrap();
    assert_eq!(
        manifest[0]["Config"],
        format!("blobs/sha256/{}", &sha256(&web.config)[7..])
    );
    assert_eq!(manifest[0]["RepoTags"], serde_json::json!(["web:1.0"]));
    assert_eq!(manifest[1]["Layers"].as_array().unwrap().len(), 2);
    let index = index.unwrap();
    assert_eq!(
        index["manifests"][0]["annotations"]["io.containerd.image.name"],
        "docker.io/library/web:1.0"
    );
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "1.0"
    );

    t.engine.image_remove("web:1.0", false).unwrap();
    t.engine.image_remove("api:2", false).unwrap();
    assert_eq!(t.blob_count(), 0);
    let loaded = t.engine.image_load(&mut &archive[..]).unwrap();
    assert_eq!(
        loaded,
        vec![
            LoadedItem::Tag("web:1.0".into()),
            LoadedItem::Tag("api:2".into())
        ]
    );
    assert_eq!(
        t.engine.image_inspect("web:1.0").unwrap()["Id"],
        sha256(&web.config).as_str()
    );
    assert_eq!(
        t.engine.image_inspect("api:2").unwrap()["Id"],
        sha256(&api.config).as_str()
    );
    assert_eq!(t.layer_dirs().len(), 3);
}

#[test]
fn saving_by_id_gives_an_untagged_image() {
    let t = engine();
    let web = app_image("web", &["web:1.0"]);
    t.engine.import(&web).unwrap();
    let id = sha256(&web.config);
    let archive = save(&t, &[&id[7..19]]);
    let other = engine();
    assert_eq!(
        other.engine.image_load(&mut &archive[..]).unwrap(),
        vec![LoadedItem::Id(id)]
    );
    assert_eq!(other.listing().len(), 1);
}

/// Builds, byte for byte, the layout Docker 25's `docker save alpine:3.19` writes.
fn docker25_archive(image: &dockerlings_runtime::image::ImageImport, tag: &str) -> Vec<u8> {
    let config_hex = sha256(&image.config)[7..].to_string();
    let layers: Vec<serde_json::Value> = image
        .layers
        .iter()
        .map(|l| serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha256(l), "size": l.len()}))
        .collect();
    let oci_manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{config_hex}"), "size": image.config.len()},
        "layers": layers,
    }))
    .unwrap();
    let (repo, tag_name) = tag.split_once(':').unwrap();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": sha256(&oci_manifest), "size": oci_manifest.len(),
            "annotations": {"io.containerd.image.name": format!("docker.io/library/{tag}"), "org.opencontainers.image.ref.name": tag_name}
        }]
    });
    let layer_paths: Vec<String> = image
        .layers
        .iter()
        .map(|l| format!("blobs/sha256/{}", &sha256(l)[7..]))
        .collect();
    let sources: serde_json::Map<String, serde_json::Value> = image
        .layers
        .iter()
        .map(|l| (sha256(l), serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "size": l.len(), "digest": sha256(l)})))
        .collect();
    let manifest = serde_json::json!([{
        "Config": format!("blobs/sha256/{config_hex}"), "RepoTags": [tag], "Layers": layer_paths, "LayerSources": sources
    }]);
    let top = &sha256(image.layers.last().unwrap())[7..];
    let repositories = serde_json::json!({repo: {tag_name: top}});

    let mut b = tar::Builder::new(Vec::new());
    let add = |b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]| {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, path, data).unwrap();
    };
    for dir in ["blobs/", "blobs/sha256/"] {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_size(0);
        b.append_data(&mut h, dir, std::io::empty()).unwrap();
    }
    let mut blobs: Vec<(String, Vec<u8>)> = image
        .layers
        .iter()
        .map(|l| (sha256(l)[7..].to_string(), l.clone()))
        .collect();
    blobs.push((config_hex.clone(), image.config.clone()));
    blobs.push((sha256(&oci_manifest)[7..].to_string(), oci_manifest.clone()));
    blobs.sort();
    for (hex, data) in &blobs {
        add(&mut b, &format!("blobs/sha256/{hex}"), data);
    }
    add(&mut b, "index.json", &serde_json::to_vec(&index).unwrap());
    add(
        &mut b,
        "manifest.json",
        format!("{}\n", manifest).as_bytes(),
    );
    add(&mut b, "oci-layout", br#"{"imageLayoutVersion": "1.0.0"}"#);
    add(
        &mut b,
        "repositories",
        format!("{}\n", repositories).as_bytes(),
    );
    b.into_inner().unwrap()
}

/// The legacy layout (Docker before 25): `<id>/layer.tar`, `<config>.json`, a symlinked
/// duplicate layer.
fn legacy_archive(image: &dockerlings_runtime::image::ImageImport, tag: &str) -> Vec<u8> {
    let config_hex = sha256(&image.config)[7..].to_string();
    let mut b = tar::Builder::new(Vec::new());
    let mut layers = Vec::new();
    for (i, layer) in image.layers.iter().enumerate() {
        let dir = format!("{:064x}", i + 1);
        let mut h = tar::Header::new_ustar();
        h.set_size(layer.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, format!("{dir}/layer.tar"), &layer[..])
            .unwrap();
        let json = br#"{"id":"x"}"#;
        let mut h = tar::Header::new_ustar();
        h.set_size(json.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, format!("{dir}/json"), &json[..])
            .unwrap();
        layers.push(format!("{dir}/layer.tar"));
    }
    let mut h = tar::Header::new_ustar();
    h.set_size(image.config.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, format!("{config_hex}.json"), &image.config[..])
        .unwrap();
    let manifest = serde_json::json!([{"Config": format!("{config_hex}.json"), "RepoTags": [tag], "Layers": layers}]);
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let mut h = tar::Header::new_ustar();
    h.set_size(bytes.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, "manifest.json", &bytes[..]).unwrap();
    b.into_inner().unwrap()
}

#[test]
fn loads_a_hand_built_docker25_archive() {
    let t = engine();
    let alpine = app_image("alpine", &[]);
    let archive = docker25_archive(&alpine, "alpine:3.19");
    assert_eq!(
        t.engine.image_load(&mut &archive[..]).unwrap(),
        vec![LoadedItem::Tag("alpine:3.19".into())]
    );
    assert_eq!(
        t.engine.image_inspect("alpine:3.19").unwrap()["Id"],
        sha256(&alpine.config).as_str()
    );
    // Our manifest for the image is byte-identical to Docker's, so saving gives the same digest.
    let saved = save(&t, &["alpine:3.19"]);
    let theirs: std::collections::BTreeSet<String> = entry_names(&archive)
        .into_iter()
        .filter(|n| n.len() > 13)
        .collect();
    let ours: std::collections::BTreeSet<String> = entry_names(&saved)
        .into_iter()
        .filter(|n| n.len() > 13)
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn loads_the_legacy_format_and_gzip_input() {
    let t = engine();
    let alpine = app_image("alpine", &[]);
    let archive = legacy_archive(&alpine, "alpine:3.19");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&archive).unwrap();
    let gz = gz.finish().unwrap();
    assert_eq!(
        t.engine.image_load(&mut &gz[..]).unwrap(),
        vec![LoadedItem::Tag("alpine:3.19".into())]
    );
    assert_eq!(
        t.engine.image_inspect("alpine:3.19").unwrap()["Id"],
        sha256(&alpine.config).as_str()
    );
}

#[test]
fn corrupt_or_truncated_archives_leave_the_store_unchanged() {
    let t = engine();
    t.engine.import(&app_image("web", &["web:1.0"])).unwrap();
    let before = t.listing();
    let blobs = t.blob_count();
    let alpine = app_image("alpine", &[]);
    let archive = docker25_archive(&alpine, "alpine:3.19");

    for cut in [archive.len() / 3, archive.len() - 1100, 700] {
        let err = t.engine.image_load(&mut &archive[..cut]).unwrap_err();
        assert!(matches!(err, Error::Image(_)), "{err}");
        assert!(
            err.to_string().contains("unexpected EOF")
                || err.to_string().starts_with("invalid archive"),
            "cut {cut}: {err}"
        );
    }
    // A flipped byte inside a layer blob: the digest check catches it.
    let mut flipped = archive.clone();
    let pos = flipped.windows(9).position(|w| w == b"NAME=test").unwrap();
    flipped[pos] = b'X';
    let err = t.engine.image_load(&mut &flipped[..]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid archive: blobs/sha256/"),
        "{err}"
    );
    let err = t
        .engine
        .image_load(&mut &b"not a tar at all, clearly"[..])
        .unwrap_err();
    assert!(err.to_string().starts_with("invalid archive"), "{err}");

    assert_eq!(t.listing(), before);
    assert_eq!(t.blob_count(), blobs);
    let staging: Vec<_> = std::fs::read_dir(t.images_dir().join("staging"))
        .unwrap()
        .collect();
    assert!(staging.is_empty(), "staging areas cleaned up");
}
