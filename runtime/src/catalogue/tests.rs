//! Tests of the whole catalogue: every image builds, builds the same bytes every time,
//! shares layers as Docker images do, and holds the configs and files the course relies on.

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::*;
use crate::image::ImageImport;

fn reference(text: &str) -> Reference {
    Reference::parse(text).unwrap()
}

fn import(text: &str) -> ImageImport {
    build(&reference(text))
        .unwrap()
        .unwrap_or_else(|| panic!("{text} is not in the catalogue"))
}

fn config(import: &ImageImport) -> Value {
    serde_json::from_slice(&import.config).unwrap()
}

fn diff_ids(import: &ImageImport) -> Vec<String> {
    config(import)["rootfs"]["diff_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
struct TarEntry {
    kind: tar::EntryType,
    mode: u32,
    link: Option<String>,
    data: Vec<u8>,
    mtime: u64,
}

/// The entries of one layer tar, by path without a trailing `/`.
fn layer_entries(tar_bytes: &[u8]) -> BTreeMap<String, TarEntry> {
    let mut out = BTreeMap::new();
    let mut archive = tar::Archive::new(tar_bytes);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let h = entry.header().clone();
        assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0));
        assert_eq!(h.username().unwrap(), Some("root"));
        assert_eq!(h.groupname().unwrap(), Some("root"));
        let path = String::from_utf8(entry.path_bytes().to_vec()).unwrap();
        let link = entry
            .link_name()
            .unwrap()
            .map(|l| l.to_string_lossy().to_string());
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        out.insert(
            path.trim_end_matches('/').to_string(),
            TarEntry {
                kind: h.entry_type(),
                mode: h.mode().unwrap(),
                link,
                data,
                mtime: h.mtime().unwrap(),
            },
        );
    }
    out
}

/// The image's filesystem as the layers stacked bottom first make it (no whiteouts here).
fn merged(import: &ImageImport) -> BTreeMap<String, TarEntry> {
    let mut out = BTreeMap::new();
    for layer in &import.layers {
        out.extend(layer_entries(layer));
    }
    out
}

/// Reads a file, following links inside the image.
fn read_file(fs: &BTreeMap<String, TarEntry>, path: &str) -> String {
    let mut path = path.trim_start_matches('/').to_string();
    for _ in 0..8 {
        // Resolve links in any component.
        let parts: Vec<&str> = path.split('/').collect();
        let mut resolved = None;
        for i in 1..=parts.len() {
            let prefix = parts[..i].join("/");
            if let Some(TarEntry {
                link: Some(target),
                kind: tar::EntryType::Symlink,
                ..
            }) = fs.get(&prefix)
            {
                let base = if target.starts_with('/') {
                    target.trim_start_matches('/').to_string()
                } else {
                    let parent = parts[..i - 1].join("/");
                    normalize(&format!("{parent}/{target}"))
                };
                let rest = parts[i..].join("/");
                resolved = Some(if rest.is_empty() {
                    base
                } else {
                    format!("{base}/{rest}")
                });
                break;
            }
        }
        match resolved {
            Some(next) => path = next,
            None => {
                let entry = fs.get(&path).unwrap_or_else(|| panic!("no file /{path}"));
                return String::from_utf8(entry.data.clone()).unwrap();
            }
        }
    }
    panic!("too many links for {path}")
}

fn normalize(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out.join("/")
}

fn symlink_target(fs: &BTreeMap<String, TarEntry>, path: &str) -> Option<String> {
    fs.get(path.trim_start_matches('/'))
        .and_then(|e| e.link.clone())
}

const TOOLBOX_PATH: &str = "/usr/lib/dockerlings/toolbox";

#[test]
fn catalogue_validates() {
    validate().unwrap();
}

#[test]
fn catalogue_lists_the_course_images() {
    let refs: Vec<String> = entries().into_iter().map(|e| e.reference).collect();
    for wanted in [
        "hello-world:latest",
        "busybox:latest",
        "alpine:3.19",
        "alpine:latest",
        "ubuntu:18.04",
        "ubuntu:22.04",
        "ubuntu:latest",
        "centos:7",
        "nginx:latest",
        "nginx:alpine",
        "nginx:1.25",
        "httpd:latest",
        "diamol/ch02-hello-diamol:latest",
        "diamol/base:latest",
        "diamol/ch02-hello-diamol-web:latest",
    ] {
        assert!(
            refs.iter().any(|r| r == wanted),
            "{wanted} missing from {refs:?}"
        );
    }
}

#[test]
fn catalogue_every_tag_builds_with_matching_diff_ids_and_history() {
    let start = std::time::Instant::now();
    let all = entries();
    for entry in &all {
        let import = import(&entry.reference);
        let cfg = config(&import);
        let ids = diff_ids(&import);
        assert_eq!(ids.len(), import.layers.len(), "{}", entry.reference);
        for (layer, id) in import.layers.iter().zip(&ids) {
            assert_eq!(
                *id,
                format!("sha256:{}", hex::encode(Sha256::digest(layer)))
            );
        }
        let history = cfg["history"].as_array().unwrap();
        let non_empty = history
            .iter()
            .filter(|h| h.get("empty_layer").is_none())
            .count();
        assert_eq!(
            non_empty,
            import.layers.len(),
            "{}: history vs layers",
            entry.reference
        );
        assert!(history
            .iter()
            .all(|h| h["comment"] == "buildkit.dockerfile.v0"));
        assert_eq!(cfg["os"], "linux");
        assert_eq!(cfg["architecture"], Platform::current().architecture);
        assert_eq!(cfg["config"]["Labels"]["org.dockerlings.lab-build"], "true");
        assert!(
            cfg["config"]["Labels"]["org.opencontainers.image.description"]
                .as_str()
                .unwrap()
                .contains("lab build")
        );
        assert_eq!(import.tags, vec![reference(&entry.reference)]);
    }
    eprintln!(
        "built {} catalogue tags in {:?}",
        all.len(),
        start.elapsed()
    );
}

#[test]
fn catalogue_builds_are_byte_identical() {
    let catalogue = catalogue().unwrap();
    for name in catalogue.file.layers.keys() {
        let a = build_layer(catalogue, name).unwrap();
        let b = build_layer(catalogue, name).unwrap();
        assert_eq!(a.diff_id, b.diff_id, "layer {name}");
        assert!(a.tar == b.tar, "layer {name} differs between builds");
    }
    for id in catalogue.file.images.keys() {
        let a = build_image(catalogue, id, Platform::current()).unwrap();
        let b = build_image(catalogue, id, Platform::current()).unwrap();
        assert_eq!(a.config, b.config, "config of {id}");
        assert!(a.layers == b.layers, "layers of {id}");
    }
    // The public entry point agrees with itself too.
    let first = import("nginx:latest");
    let second = import("nginx");
    assert_eq!(first.config, second.config);
    assert_eq!(first.layers, second.layers);
}

#[test]
fn catalogue_layer_mtimes_come_from_the_data() {
    let catalogue = catalogue().unwrap();
    for (name, def) in &catalogue.file.layers {
        let expected = resolve::parse_time(&def.created).unwrap().timestamp() as u64;
        let layer = build_layer(catalogue, name).unwrap();
        for (path, entry) in layer_entries(&layer.tar) {
            assert_eq!(entry.mtime, expected, "{name}: {path}");
        }
    }
}

#[test]
fn catalogue_toolbox_layer_is_shared_by_every_image() {
    let all = entries();
    let bottoms: Vec<String> = all
        .iter()
        .map(|e| diff_ids(&import(&e.reference))[0].clone())
        .collect();
    assert!(bottoms.windows(2).all(|w| w[0] == w[1]), "{bottoms:?}");
    let hello = import("hello-world");
    let bottom = layer_entries(&hello.layers[0]);
    let toolbox = &bottom[TOOLBOX_PATH.trim_start_matches('/')];
    assert_eq!(toolbox.data, crate::toolbox::TOOLBOX);
    assert_eq!(toolbox.mode, 0o755);
}

#[test]
fn catalogue_images_share_distribution_layers() {
    let nginx = diff_ids(&import("nginx:latest"));
    let httpd = diff_ids(&import("httpd"));
    assert_eq!(nginx[1], httpd[1], "nginx and httpd share the debian layer");
    assert_ne!(nginx[2], httpd[2]);

    let alpine = diff_ids(&import("alpine:3.19"));
    let nginx_alpine = diff_ids(&import("nginx:alpine"));
    let diamol = diff_ids(&import("diamol/base"));
    assert_eq!(alpine[..], nginx_alpine[..2]);
    assert_eq!(alpine[..], diamol[..2]);
    let web = diff_ids(&import("diamol/ch02-hello-diamol-web"));
    assert_eq!(diamol[..], web[..3]);
    // The entrypoint layers are the same bytes in both nginx variants.
    assert_eq!(nginx[3..], nginx_alpine[3..]);
    // Tags of one image are one image.
    assert_eq!(import("alpine:latest").config, import("alpine:3.19").config);
    assert_eq!(import("nginx:latest").config, import("nginx:1.25").config);
    assert_ne!(
        import("ubuntu:latest").config,
        import("ubuntu:22.04").config
    );
}

#[test]
fn catalogue_nginx_config_is_the_official_images() {
    for tag in ["nginx:latest", "nginx:alpine"] {
        let cfg = config(&import(tag));
        let c = &cfg["config"];
        assert_eq!(
            c["Entrypoint"],
            serde_json::json!(["/docker-entrypoint.sh"]),
            "{tag}"
        );
        assert_eq!(
            c["Cmd"],
            serde_json::json!(["nginx", "-g", "daemon off;"]),
            "{tag}"
        );
        assert_eq!(
            c["ExposedPorts"],
            serde_json::json!({"80/tcp": {}}),
            "{tag}"
        );
        assert_eq!(c["StopSignal"], "SIGQUIT");
        let env: Vec<&str> = c["Env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(
            env.iter().any(|e| e.starts_with("NGINX_VERSION=1.25.")),
            "{env:?}"
        );
        assert!(env.contains(&"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
        let history = cfg["history"].as_array().unwrap();
        let last = history.last().unwrap();
        assert_eq!(last["created_by"], r#"CMD ["nginx" "-g" "daemon off;"]"#);
        assert_eq!(last["empty_layer"], true);
        assert!(history
            .iter()
            .any(|h| h["created_by"] == "STOPSIGNAL SIGQUIT"));
        assert!(history
            .iter()
            .any(|h| h["created_by"] == "EXPOSE map[80/tcp:{}]"));
    }
}

#[test]
fn catalogue_httpd_config_is_the_official_images() {
    let cfg = config(&import("httpd:latest"));
    let c = &cfg["config"];
    assert_eq!(c["Cmd"], serde_json::json!(["httpd-foreground"]));
    assert!(c.get("Entrypoint").is_none());
    assert_eq!(c["WorkingDir"], "/usr/local/apache2");
    assert_eq!(c["StopSignal"], "SIGWINCH");
    assert_eq!(c["ExposedPorts"], serde_json::json!({"80/tcp": {}}));
    let env = c["Env"].as_array().unwrap();
    assert!(env.contains(&Value::from("HTTPD_PREFIX=/usr/local/apache2")));
    assert!(env.iter().any(|e| e
        .as_str()
        .unwrap()
        .starts_with("PATH=/usr/local/apache2/bin:")));
}

#[test]
fn catalogue_commands_are_the_official_images() {
    for (image, cmd) in [
        ("ubuntu", vec!["/bin/bash"]),
        ("ubuntu:18.04", vec!["/bin/bash"]),
        ("centos:7", vec!["/bin/bash"]),
        ("alpine", vec!["/bin/sh"]),
        ("busybox", vec!["sh"]),
        ("hello-world", vec!["/hello"]),
        ("diamol/base", vec!["/bin/sh"]),
        ("diamol/ch02-hello-diamol", vec!["hello-diamol"]),
        ("diamol/ch02-hello-diamol-web", vec!["diamol-web"]),
    ] {
        let cfg = config(&import(image));
        assert_eq!(cfg["config"]["Cmd"], serde_json::json!(cmd), "{image}");
        assert!(cfg["config"].get("Entrypoint").is_none(), "{image}");
    }
    let web = config(&import("diamol/ch02-hello-diamol-web"));
    assert_eq!(
        web["config"]["ExposedPorts"],
        serde_json::json!({"80/tcp": {}})
    );
}

#[test]
fn catalogue_nginx_files() {
    for tag in ["nginx", "nginx:alpine"] {
        let fs = merged(&import(tag));
        assert!(read_file(&fs, "/usr/share/nginx/html/index.html")
            .contains("<h1>Welcome to nginx!</h1>"));
        assert!(
            read_file(&fs, "/usr/share/nginx/html/index.html").contains("dockerlings lab build")
        );
        assert!(fs.contains_key("usr/share/nginx/html/50x.html"));
        assert!(read_file(&fs, "/etc/nginx/conf.d/default.conf")
            .contains("root   /usr/share/nginx/html;"));
        assert!(
            read_file(&fs, "/etc/nginx/nginx.conf").contains("include /etc/nginx/conf.d/*.conf;")
        );
        assert_eq!(
            symlink_target(&fs, "/var/log/nginx/access.log").as_deref(),
            Some("/dev/stdout")
        );
        assert_eq!(
            symlink_target(&fs, "/var/log/nginx/error.log").as_deref(),
            Some("/dev/stderr")
        );
        assert_eq!(
            symlink_target(&fs, "/usr/sbin/nginx").as_deref(),
            Some(TOOLBOX_PATH)
        );
        let entrypoint = &fs["docker-entrypoint.sh"];
        assert_eq!(entrypoint.mode, 0o775);
        assert!(entrypoint.data.starts_with(b"#!/bin/sh\n"));
        assert!(read_file(&fs, "/etc/passwd").contains("\nnginx:x:101:101:"));
        assert!(read_file(&fs, "/etc/passwd").starts_with("root:x:0:0:"));
    }
}

#[test]
fn catalogue_httpd_files() {
    let fs = merged(&import("httpd"));
    let index = read_file(&fs, "/usr/local/apache2/htdocs/index.html");
    assert!(index.contains("<html><body><h1>It works!</h1></body></html>"));
    assert!(index.contains("dockerlings lab build"));
    let conf = read_file(&fs, "/usr/local/apache2/conf/httpd.conf");
    assert!(conf.contains("DocumentRoot \"/usr/local/apache2/htdocs\""));
    assert!(conf.contains("Listen 80"));
    assert_eq!(fs["usr/local/apache2/logs"].kind, tar::EntryType::Directory);
    assert_eq!(
        symlink_target(&fs, "/usr/local/bin/httpd-foreground").as_deref(),
        Some(TOOLBOX_PATH)
    );
    assert_eq!(
        symlink_target(&fs, "/usr/local/apache2/bin/httpd").as_deref(),
        Some(TOOLBOX_PATH)
    );
}

#[test]
fn catalogue_shells_sit_where_each_distribution_keeps_them() {
    // Merged /usr: /bin is a link to usr/bin, and bash lives in /usr/bin.
    for tag in [
        "ubuntu:latest",
        "ubuntu:22.04",
        "centos:7",
        "nginx",
        "httpd",
    ] {
        let fs = merged(&import(tag));
        assert_eq!(
            symlink_target(&fs, "/bin").as_deref(),
            Some("usr/bin"),
            "{tag}"
        );
        assert_eq!(
            symlink_target(&fs, "/usr/bin/bash").as_deref(),
            Some(TOOLBOX_PATH),
            "{tag}"
        );
        assert_eq!(
            symlink_target(&fs, "/usr/bin/sh").as_deref(),
            Some(TOOLBOX_PATH),
            "{tag}"
        );
    }
    let bionic = merged(&import("ubuntu:18.04"));
    assert_eq!(bionic["bin"].kind, tar::EntryType::Directory);
    assert_eq!(
        symlink_target(&bionic, "/bin/bash").as_deref(),
        Some(TOOLBOX_PATH)
    );
    // busybox and alpine: applets link to /bin/busybox, which is the toolbox; no bash.
    for tag in ["alpine", "busybox", "diamol/base", "nginx:alpine"] {
        let fs = merged(&import(tag));
        assert_eq!(
            symlink_target(&fs, "/bin/busybox").as_deref(),
            Some(TOOLBOX_PATH),
            "{tag}"
        );
        assert_eq!(
            symlink_target(&fs, "/bin/sh").as_deref(),
            Some("/bin/busybox"),
            "{tag}"
        );
        assert!(
            !fs.keys().any(|p| p.ends_with("/bash") || p == "bash"),
            "{tag} has bash"
        );
    }
    let diamol = merged(&import("diamol/base"));
    assert!(diamol.contains_key("usr/bin/curl"));
    assert!(!merged(&import("alpine")).contains_key("usr/bin/curl"));
    let hello = merged(&import("hello-world"));
    assert_eq!(
        symlink_target(&hello, "/hello").as_deref(),
        Some(TOOLBOX_PATH)
    );
}

#[test]
fn catalogue_every_applet_link_names_an_applet() {
    let names: Vec<&str> = embedded::applets().into_iter().map(|(n, _)| n).collect();
    for entry in entries() {
        let fs = merged(&import(&entry.reference));
        for (path, e) in &fs {
            if e.link.as_deref() == Some(TOOLBOX_PATH) || e.link.as_deref() == Some("/bin/busybox")
            {
                let base = path.rsplit('/').next().unwrap();
                assert!(
                    names.contains(&base) || base == "busybox",
                    "{}: /{path} links to the toolbox but {base} is no applet",
                    entry.reference
                );
            }
        }
    }
}

#[test]
fn catalogue_os_release_says_lab_build() {
    for (tag, id, version) in [
        ("alpine", "alpine", "3.19"),
        ("busybox", "busybox", "1.36"),
        ("ubuntu:18.04", "ubuntu", "\"18.04\""),
        ("ubuntu:22.04", "ubuntu", "\"22.04\""),
        ("ubuntu", "ubuntu", "\"24.04\""),
        ("centos:7", "\"centos\"", "\"7\""),
        ("nginx", "debian", "\"12\""),
        ("httpd", "debian", "\"12\""),
    ] {
        let fs = merged(&import(tag));
        let text = read_file(&fs, "/etc/os-release");
        assert!(text.contains("dockerlings lab build"), "{tag}: {text}");
        assert!(
            text.lines().any(|l| l == format!("ID={id}")),
            "{tag}: {text}"
        );
        let vid = text
            .lines()
            .find_map(|l| l.strip_prefix("VERSION_ID="))
            .unwrap();
        assert!(vid.starts_with(version), "{tag}: {vid}");
    }
}

#[test]
fn catalogue_filesystem_skeleton() {
    for tag in [
        "alpine",
        "busybox",
        "ubuntu",
        "ubuntu:18.04",
        "centos:7",
        "nginx",
        "httpd",
    ] {
        let fs = merged(&import(tag));
        assert_eq!(fs["tmp"].mode, 0o1777, "{tag}");
        assert_eq!(fs["tmp"].kind, tar::EntryType::Directory);
        assert!(fs["root"].mode & 0o007 == 0, "{tag}: /root is private");
        for dir in ["etc", "proc", "sys", "dev", "root"] {
            assert_eq!(fs[dir].kind, tar::EntryType::Directory, "{tag}: /{dir}");
        }
        let passwd = read_file(&fs, "/etc/passwd");
        assert!(passwd.starts_with("root:x:0:0:root:/root:"), "{tag}");
        assert!(
            read_file(&fs, "/etc/group").starts_with("root:x:0:"),
            "{tag}"
        );
    }
}

#[test]
fn catalogue_prompts_follow_the_distribution() {
    let ubuntu = merged(&import("ubuntu"));
    assert!(read_file(&ubuntu, "/root/.bashrc").contains(r"PS1='\u@\h:\w\$ '"));
    assert!(read_file(&ubuntu, "/etc/bash.bashrc").contains(r"PS1='\u@\h:\w\$ '"));
    let centos = merged(&import("centos:7"));
    assert!(read_file(&centos, "/root/.bashrc").contains(". /etc/bashrc"));
    assert!(read_file(&centos, "/etc/bashrc").contains(r#"PS1="[\u@\h \W]\\$ ""#));
    // alpine's plain `sh` keeps the toolbox's ash-like default (`/ # `): no bashrc.
    let alpine = merged(&import("alpine"));
    assert!(!alpine.contains_key("etc/bash.bashrc") && !alpine.contains_key("root/.bashrc"));
}

#[test]
fn catalogue_lookup_rules() {
    assert!(build(&reference("nginx:9.99")).unwrap().is_none());
    assert!(has_repository(&reference("nginx:9.99")));
    assert!(has_repository(&reference("diamol/base")));
    assert!(!has_repository(&reference("quay.io/nginx")));
    assert!(build(&reference("quay.io/nginx")).unwrap().is_none());
    assert!(!has_repository(&reference("nosuchimage")));
    assert!(build(&reference("nosuchimage")).unwrap().is_none());
    let digest = format!("nginx@sha256:{}", "a".repeat(64));
    assert!(build(&reference(&digest)).unwrap().is_none());
    // Spellings of the same reference.
    let full = import("docker.io/library/nginx:latest");
    assert_eq!(full.config, import("nginx").config);
    assert_eq!(full.tags, vec![reference("nginx:latest")]);
}

#[test]
fn catalogue_search() {
    let hits = search("nginx");
    assert_eq!(hits[0].name, "nginx");
    assert!(hits[0].official);
    let diamol = search("diamol");
    assert_eq!(diamol.len(), 3);
    assert!(diamol
        .iter()
        .all(|r| !r.official && r.name.starts_with("diamol/")));
    assert!(search("no-such-thing-at-all").is_empty());
    assert!(search("UBUNTU").iter().any(|r| r.name == "ubuntu"));
}

#[test]
fn catalogue_problems_are_found() {
    let broken = embedded::CATALOGUE_TOML.replace(
        r#""/usr/bin" = ["curl"]"#,
        r#""/usr/bin" = ["curl", "no-such-applet"]"#,
    );
    assert_ne!(broken, embedded::CATALOGUE_TOML);
    let c = resolve::Catalogue::parse(&broken).unwrap();
    let problems = validate::problems(&c);
    assert!(
        problems.iter().any(|p| p.contains("no-such-applet")),
        "{problems:?}"
    );

    let dup = embedded::CATALOGUE_TOML.replace(
        r#"tags = ["22.04", "jammy"]"#,
        r#"tags = ["22.04", "jammy", "latest"]"#,
    );
    assert_ne!(dup, embedded::CATALOGUE_TOML);
    let c = resolve::Catalogue::parse(&dup).unwrap();
    assert!(validate::problems(&c)
        .iter()
        .any(|p| p.contains("tag ubuntu:latest")));

    let missing_tree =
        embedded::CATALOGUE_TOML.replace(r#"trees = ["httpd-2.4"]"#, r#"trees = ["httpd-9"]"#);
    let c = resolve::Catalogue::parse(&missing_tree).unwrap();
    let problems = validate::problems(&c);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("no directory files/httpd-9")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("files/httpd-2.4 is used by no layer")),
        "{problems:?}"
    );

    let bad_link = embedded::CATALOGUE_TOML.replace(r#""/sbin/apk" ="#, r#""/sbin/apkx" ="#);
    assert_ne!(bad_link, embedded::CATALOGUE_TOML);
    let c = resolve::Catalogue::parse(&bad_link).unwrap();
    assert!(validate::problems(&c)
        .iter()
        .any(|p| p.contains("no applet apkx")));
}
