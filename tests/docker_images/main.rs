//! End-to-end tests of the Docker front-end's image commands against a real engine in a
//! temporary state directory (no root needed): what `dockerlings docker …` prints, byte for
//! byte, with only build-dependent values (IDs, digests, sizes) masked.

#[path = "../support/in_process.rs"]
mod in_process;

use in_process::Output;

use chrono::{DateTime, Utc};
use dockerlings_runtime::Paths;

/// A temporary engine root and a fixed clock.
struct Lab {
    _dir: tempfile::TempDir,
    paths: Paths,
    now: DateTime<Utc>,
}

impl Lab {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path().join("root"), dir.path().join("run"));
        // The catalogue's images carry fixed creation dates; a fixed "now" makes ages stable.
        let now = DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        Self {
            _dir: dir,
            paths,
            now,
        }
    }

    fn docker_with(&self, args: &[&str], stdin: &[u8], stdout_is_tty: bool) -> Output {
        in_process::docker(&self.paths, self.now, args, stdin, stdout_is_tty)
    }

    fn docker(&self, args: &[&str]) -> Output {
        self.docker_with(args, b"", false)
    }

    /// Runs a command that must succeed; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let o = self.docker(args);
        assert_eq!(o.code, 0, "docker {args:?} failed: {o:?}");
        o.stdout
    }
}

/// Masks what depends on the toolbox build while keeping the table layout: hex IDs become
/// `x`s of the same length, sizes become `[size]` padded to the width they had.
fn mask(text: &str) -> String {
    let hex = regex::Regex::new(r"[0-9a-f]{12,64}").unwrap();
    let text = hex.replace_all(text, |c: &regex::Captures| "x".repeat(c[0].len()));
    let size = regex::Regex::new(r"\b\d+(\.\d+)?(e\+\d+)?(B|kB|MB|GB)( *)").unwrap();
    size.replace_all(&text, |c: &regex::Captures| {
        let total = c[0].len();
        format!("{:<width$}", "[size]", width = total.max(6))
    })
    .into_owned()
}

mod errors {
    use super::*;

    #[test]
    fn unknown_flag() {
        let o = Lab::new().docker(&["images", "--foo"]);
        assert_eq!(o.code, 125);
        insta::assert_snapshot!(o.stderr, @r"
        unknown flag: --foo
        See 'docker images --help'.
        ");
    }

    #[test]
    fn missing_arguments() {
        let o = Lab::new().docker(&["tag", "alpine"]);
        assert_eq!(o.code, 1);
        insta::assert_snapshot!(o.stderr);
    }

    #[test]
    fn no_such_image() {
        let lab = Lab::new();
        let o = lab.docker(&["image", "inspect", "nosuch"]);
        assert_eq!((o.code, o.stdout.as_str()), (1, "[]\n"));
        assert_eq!(o.stderr, "Error: No such image: nosuch\n");
        let o = lab.docker(&["inspect", "nosuch"]);
        assert_eq!(o.stderr, "Error: No such object: nosuch\n");
        let o = lab.docker(&["rmi", "nosuch"]);
        assert_eq!(o.code, 1);
        insta::assert_snapshot!("rmi_no_such_image", o.stderr);
        let o = lab.docker(&["history", "nosuch"]);
        assert_eq!(o.code, 1);
        assert!(
            o.stderr
                .starts_with("Error response from daemon: No such image: nosuch"),
            "{o:?}"
        );
    }

    #[test]
    fn save_refuses_a_terminal() {
        let o = Lab::new().docker_with(&["save", "alpine"], b"", true);
        assert_eq!(o.code, 1);
        assert_eq!(
            o.stderr,
            "cowardly refusing to save to a terminal. Use the -o flag or redirect\n"
        );
    }
}

mod images {
    use super::*;

    #[test]
    fn empty_store_lists_only_the_header() {
        let out = Lab::new().ok(&["images"]);
        assert_eq!(out, "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n");
    }

    #[test]
    fn pull_then_list() {
        let lab = Lab::new();
        let pull = lab.docker(&["pull", "alpine:3.19"]);
        assert_eq!(pull.code, 0, "{pull:?}");
        assert!(
            pull.stdout.ends_with("docker.io/library/alpine:3.19\n"),
            "{pull:?}"
        );
        assert!(
            pull.stdout.contains("3.19: Pulling from library/alpine\n"),
            "{pull:?}"
        );
        assert!(
            pull.stderr.lines().all(|l| l.starts_with("[dockerlings] ")),
            "{pull:?}"
        );
        insta::assert_snapshot!("pull_alpine", mask(&pull.stdout));
        lab.ok(&["pull", "-q", "hello-world"]);
        lab.ok(&["tag", "alpine:3.19", "my-alpine:v1"]);
        insta::assert_snapshot!("images_table", mask(&lab.ok(&["images"])));
        insta::assert_snapshot!("images_filtered", mask(&lab.ok(&["image", "ls", "alpine"])));
        let quiet = lab.ok(&["images", "-q"]);
        assert_eq!(quiet.lines().count(), 3, "{quiet}");
        assert!(quiet.lines().all(|l| l.len() == 12));
        let fmt = lab.ok(&[
            "images",
            "--format",
            "{{.Repository}}:{{.Tag}}",
            "-f",
            "reference=*alpine*",
        ]);
        assert_eq!(fmt, "alpine:3.19\nmy-alpine:v1\n");
        let dangling = lab.ok(&["images", "-f", "dangling=true"]);
        assert_eq!(
            dangling,
            "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n"
        );
    }

    #[test]
    fn inspect_history_and_format() {
        let lab = Lab::new();
        lab.ok(&["pull", "-q", "alpine:3.19"]);
        let json = lab.ok(&["image", "inspect", "alpine:3.19"]);
        assert!(
            json.starts_with("[\n    {\n        \"Id\": \"sha256:"),
            "{json}"
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[0]["RepoTags"][0], "alpine:3.19");
        let os = lab.ok(&[
            "image",
            "inspect",
            "-f",
            "{{.Os}}/{{.Architecture}} {{json .RepoTags}}",
            "alpine:3.19",
        ]);
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        };
        assert_eq!(os, format!("linux/{arch} [\"alpine:3.19\"]\n"));
        insta::assert_snapshot!("history_alpine", mask(&lab.ok(&["history", "alpine:3.19"])));
        // The whole inspect document, with the state root, sizes and architecture redacted.
        let root = lab.paths.root().display().to_string();
        let size = regex::Regex::new(r#""Size": \d+"#).unwrap();
        let arch = regex::Regex::new(r#""Architecture": "[a-z0-9]+""#).unwrap();
        let json = mask(&json).replace(&root, "[root]");
        let json = size.replace_all(&json, r#""Size": "[size]""#);
        let json = arch.replace_all(&json, r#""Architecture": "[arch]""#);
        insta::assert_snapshot!("inspect_alpine", json);
        let both = lab.docker(&["image", "inspect", "alpine:3.19", "nosuch"]);
        assert_eq!(both.code, 1);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&both.stdout)
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(both.stderr, "Error: No such image: nosuch\n");
    }

    #[test]
    fn rmi_prune_save_load() {
        let lab = Lab::new();
        lab.ok(&["pull", "-q", "alpine:3.19"]);
        lab.ok(&["tag", "alpine:3.19", "copy:1"]);
        let rmi = lab.ok(&["rmi", "copy:1"]);
        assert_eq!(rmi, "Untagged: copy:1\n");
        let dir = tempfile::tempdir().unwrap();
        let tar = dir.path().join("alpine.tar");
        lab.ok(&["save", "-o", tar.to_str().unwrap(), "alpine:3.19"]);
        assert!(std::fs::metadata(&tar).unwrap().len() > 1024);
        let rm = lab.ok(&["image", "rm", "alpine:3.19"]);
        assert!(rm.starts_with("Untagged: alpine:3.19\n"), "{rm}");
        assert!(rm.contains("Deleted: sha256:"), "{rm}");
        let load = lab.ok(&["load", "-i", tar.to_str().unwrap()]);
        assert_eq!(load, "Loaded image: alpine:3.19\n");
        // Prune asks first; "n" on stdin declines.
        let declined = lab.docker_with(&["image", "prune"], b"n\n", false);
        assert_eq!(declined.code, 0);
        assert_eq!(
            declined.stdout,
            "WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] Total reclaimed space: 0B\n"
        );
        let forced = lab.ok(&["image", "prune", "-f"]);
        assert_eq!(forced, "Total reclaimed space: 0B\n");
    }

    #[test]
    fn search_and_system() {
        let lab = Lab::new();
        insta::assert_snapshot!("search_nginx", lab.ok(&["search", "nginx"]));
        let official = lab.ok(&[
            "search",
            "--format",
            "{{.Name}} {{.IsOfficial}}",
            "-f",
            "is-official=true",
            "diamol",
        ]);
        assert_eq!(official, "", "diamol images are not official");
        lab.ok(&["pull", "-q", "hello-world"]);
        let df = lab.ok(&["system", "df"]);
        assert!(df.starts_with("TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\nImages          1         0    "), "{df}");
        let info = lab.ok(&["info", "--format", "{{.Images}} {{.Driver}}"]);
        assert_eq!(info, "1 overlay2\n");
        let version = lab.ok(&["version", "--format", "{{.Server.ApiVersion}}"]);
        assert_eq!(version, "1.44\n");
    }
}
