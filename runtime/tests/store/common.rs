//! Fixtures: small deterministic images built in the test (tar layers made with the `tar`
//! crate, configs as Docker writes them).

use dockerlings_runtime::image::ImageImport;
use dockerlings_runtime::{Engine, Paths, Reference};
use sha2::{Digest, Sha256};

pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A layer tar holding `files` (path, content), with fixed owners and mtimes.
pub fn layer(files: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        builder
            .append_data(&mut header, path, content.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap()
}

/// An image config over `layers` (diff IDs computed), with one history line per layer.
pub fn config(layers: &[Vec<u8>], cmd: &str, created: &str) -> Vec<u8> {
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256(l)).collect();
    let history: Vec<serde_json::Value> = layers
        .iter()
        .enumerate()
        .map(|(i, _)| serde_json::json!({"created": created, "created_by": format!("/bin/sh -c #(nop) layer {i}")}))
        .chain(std::iter::once(serde_json::json!({
            "created": created, "created_by": format!("/bin/sh -c #(nop)  CMD [\"{cmd}\"]"), "empty_layer": true
        })))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": [cmd],
            "ExposedPorts": {"80/tcp": {}},
            "Labels": {"org.dockerlings.test": "yes"}
        },
        "created": created,
        "history": history,
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}
    }))
    .unwrap()
}

pub fn image(layers: Vec<Vec<u8>>, cmd: &str, tags: &[&str]) -> ImageImport {
    ImageImport {
        config: config(&layers, cmd, "2024-01-02T03:04:05.123456789Z"),
        layers,
        tags: tags
            .iter()
            .map(|t| Reference::parse(t).unwrap().with_default_tag())
            .collect(),
    }
}

/// The shared base layer and two images on top of it.
pub fn base_layer() -> Vec<u8> {
    layer(&[("etc/os-release", "NAME=test\n"), ("bin/tool", "#!tool\n")])
}

pub fn app_image(name: &str, tags: &[&str]) -> ImageImport {
    image(
        vec![base_layer(), layer(&[(&format!("app/{name}"), name)])],
        name,
        tags,
    )
}

pub struct TestEngine {
    pub dir: tempfile::TempDir,
    pub engine: Engine,
}

pub fn engine() -> TestEngine {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    TestEngine { dir, engine }
}

pub fn open(root: &std::path::Path) -> Engine {
    Engine::open(Paths::new(root.join("root"), root.join("run"))).unwrap()
}

impl TestEngine {
    pub fn images_dir(&self) -> std::path::PathBuf {
        self.engine.paths().images()
    }

    /// Sorted `repo:tag` list of every image (`<none>` for untagged ones) with short IDs.
    pub fn listing(&self) -> Vec<String> {
        listing(&self.engine)
    }

    pub fn blob_count(&self) -> usize {
        std::fs::read_dir(self.images_dir().join("blobs/sha256"))
            .unwrap()
            .count()
    }

    pub fn layer_dirs(&self) -> Vec<String> {
        let mut dirs: Vec<String> = std::fs::read_dir(self.images_dir().join("layers"))
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().unwrap().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        dirs.sort();
        dirs
    }
}

pub fn listing(engine: &Engine) -> Vec<String> {
    let mut out = Vec::new();
    for image in engine.images().unwrap() {
        let short = &image.id[7..19];
        if image.repo_tags.is_empty() {
            out.push(format!("<none> {short}"));
        }
        for tag in image.repo_tags {
            out.push(format!("{tag} {short}"));
        }
    }
    out.sort();
    out
}
