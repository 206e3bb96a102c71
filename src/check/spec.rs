//! What a check asks, typed: the `[[check]]` tables of lessons and labs become [`CheckSpec`]s
//! here, so a misspelt kind or field is an authoring error (file:line), never a check that
//! silently passes. Evaluating them against the engine is `check::eval`'s job.

use serde::Deserialize;

/// One check: the fields every check has, and what it checks.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSpec {
    /// Short id, unique in its lesson or lab; the same in ko and en.
    pub id: String,
    /// Points in a lab (lessons ignore them); 1 unless given.
    pub points: u32,
    /// What is being checked, in the file's language, for the learner (optional: a default
    /// text is made from the kind).
    pub text: Option<String>,
    pub kind: CheckKind,
}

/// The kinds of check (issue 6's list). Field names are the TOML keys.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CheckKind {
    /// A container by name (or any container of `image`) is in `state`; `count` containers
    /// match when given.
    Container {
        name: Option<String>,
        image: Option<String>,
        #[serde(default)]
        state: ContainerState,
        exit_code: Option<i64>,
        count: Option<usize>,
    },
    /// An image reference is present (or absent); optionally with this digest.
    Image {
        name: String,
        #[serde(default)]
        state: Presence,
        digest: Option<String>,
    },
    /// A host URL answers (probed from the host): status (200 unless given), body contains.
    Http {
        url: String,
        status: Option<u16>,
        contains: Option<String>,
    },
    /// `from` reaches `to` (a container name or an IP) by ICMP, from inside `from`'s
    /// namespaces. `reachable = false` checks the opposite.
    Ping {
        from: String,
        to: String,
        #[serde(default = "yes")]
        reachable: bool,
    },
    /// `name` resolves inside `container` (or does not, with `resolves = false`).
    Dns {
        container: String,
        name: String,
        #[serde(default = "yes")]
        resolves: bool,
    },
    /// A network exists with these properties; `container` is attached (with an IP in the
    /// subnet) when given.
    Network {
        name: String,
        driver: Option<String>,
        subnet: Option<String>,
        gateway: Option<String>,
        container: Option<String>,
        #[serde(default)]
        state: Presence,
    },
    /// An environment variable of a container (present, or with this value).
    Env {
        container: String,
        name: String,
        value: Option<String>,
    },
    /// A mount of a container at `destination`.
    Mount {
        container: String,
        destination: String,
        source: Option<String>,
        /// `bind` or `volume`.
        #[serde(rename = "type")]
        mount_type: Option<String>,
        read_only: Option<bool>,
    },
    /// A file inside a container exists (and contains a text).
    File {
        container: String,
        path: String,
        contains: Option<String>,
        #[serde(default)]
        state: Presence,
    },
    /// A container's logs contain a text.
    Logs { container: String, contains: String },
    /// Resource limits as `docker inspect` shows them, and as the cgroup enforces them.
    Limit {
        container: String,
        /// Docker's units: `256m`, `1g`, or bytes.
        memory: Option<String>,
        cpus: Option<f64>,
        pids: Option<i64>,
        cpu_shares: Option<i64>,
    },
    /// A container's restart policy (`no`, `always`, `unless-stopped`, `on-failure`).
    RestartPolicy {
        container: String,
        policy: String,
        max_retries: Option<i64>,
    },
    /// A published port: `container_port` (`80` or `80/tcp`) published on `host_port`.
    Port {
        container: String,
        container_port: String,
        host_port: Option<u16>,
        host_ip: Option<String>,
    },
    /// A host file is an image archive `docker load` accepts, holding `contains` (a tag);
    /// `gzip = true` when it must be gzip-compressed.
    Archive {
        path: String,
        contains: String,
        gzip: Option<bool>,
    },
    /// The learner typed a command matching `pattern` (a regular expression), at least
    /// `min_count` times (1 unless given).
    Command {
        pattern: String,
        min_count: Option<usize>,
    },
    /// The learner's answer to `question` equals a value read live: `source` names it,
    /// e.g. `container.pid:web` (host PID), `container.ip:web`, `container.id:web`,
    /// `inspect:web:{{.HostConfig.Memory}}`.
    Answer { question: String, source: String },
}

/// A container's state as a check asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContainerState {
    /// In any state.
    Exists,
    #[default]
    Running,
    Paused,
    Exited,
    Created,
    /// No such container.
    Absent,
}

/// Present or absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    #[default]
    Present,
    Absent,
}

fn yes() -> bool {
    true
}

impl CheckSpec {
    /// Types one `[[check]]` table. The error text is for `file:line: check <id>: …`.
    pub fn from_table(table: &toml::Table) -> Result<Self, String> {
        let mut rest = table.clone();
        let id = match rest.remove("id") {
            Some(toml::Value::String(s)) if !s.is_empty() => s,
            _ => return Err("every check needs a string `id`".to_string()),
        };
        let points = match rest.remove("points") {
            None => 1,
            Some(toml::Value::Integer(n)) if (0..=1000).contains(&n) => n as u32,
            Some(_) => return Err(format!("check {id}: `points` must be 0..=1000")),
        };
        let text = match rest.remove("text") {
            None => None,
            Some(toml::Value::String(s)) => Some(s),
            Some(_) => return Err(format!("check {id}: `text` must be a string")),
        };
        let kind: CheckKind = rest
            .try_into()
            .map_err(|e: toml::de::Error| format!("check {id}: {}", e.message()))?;
        kind.validate().map_err(|e| format!("check {id}: {e}"))?;
        Ok(Self {
            id,
            points,
            text,
            kind,
        })
    }
}

impl CheckKind {
    /// Rules serde cannot say.
    fn validate(&self) -> Result<(), String> {
        match self {
            CheckKind::Container { name, image, .. } if name.is_none() && image.is_none() => {
                Err("a container check needs `name` or `image`".to_string())
            }
            CheckKind::Command { pattern, .. } => regex::Regex::new(pattern)
                .map(|_| ())
                .map_err(|e| format!("`pattern` is not a regular expression: {e}")),
            CheckKind::Answer { source, .. } => {
                let known = [
                    "container.pid:",
                    "container.ip:",
                    "container.id:",
                    "inspect:",
                ];
                if known.iter().any(|p| source.starts_with(p)) {
                    Ok(())
                } else {
                    Err(format!("unknown answer source `{source}`"))
                }
            }
            _ => Ok(()),
        }
    }

    /// The kind's TOML name (`container`, `http`, …).
    pub fn name(&self) -> &'static str {
        match self {
            CheckKind::Container { .. } => "container",
            CheckKind::Image { .. } => "image",
            CheckKind::Http { .. } => "http",
            CheckKind::Ping { .. } => "ping",
            CheckKind::Dns { .. } => "dns",
            CheckKind::Network { .. } => "network",
            CheckKind::Env { .. } => "env",
            CheckKind::Mount { .. } => "mount",
            CheckKind::File { .. } => "file",
            CheckKind::Logs { .. } => "logs",
            CheckKind::Limit { .. } => "limit",
            CheckKind::RestartPolicy { .. } => "restart_policy",
            CheckKind::Port { .. } => "port",
            CheckKind::Archive { .. } => "archive",
            CheckKind::Command { .. } => "command",
            CheckKind::Answer { .. } => "answer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Result<CheckSpec, String> {
        CheckSpec::from_table(&text.parse::<toml::Table>().unwrap())
    }

    #[test]
    fn typed_from_toml_with_defaults() {
        let c = spec("id = \"web\"\nkind = \"container\"\nname = \"web\"").unwrap();
        assert_eq!(c.points, 1);
        assert_eq!(
            c.kind,
            CheckKind::Container {
                name: Some("web".into()),
                image: None,
                state: ContainerState::Running,
                exit_code: None,
                count: None
            }
        );
        let p = spec("id = \"p\"\npoints = 5\nkind = \"ping\"\nfrom = \"a\"\nto = \"b\"").unwrap();
        assert_eq!(p.points, 5);
        assert!(matches!(
            p.kind,
            CheckKind::Ping {
                reachable: true,
                ..
            }
        ));
        let m = spec("id = \"m\"\nkind = \"mount\"\ncontainer = \"c\"\ndestination = \"/d\"\ntype = \"bind\"")
            .unwrap();
        assert_eq!(m.kind.name(), "mount");
    }

    #[test]
    fn authoring_mistakes_are_errors() {
        let typo = spec("id = \"x\"\nkind = \"container\"\nnmae = \"web\"").unwrap_err();
        assert!(typo.starts_with("check x: unknown field `nmae`"), "{typo}");
        let kind = spec("id = \"x\"\nkind = \"contianer\"").unwrap_err();
        assert!(kind.contains("unknown variant `contianer`"), "{kind}");
        assert_eq!(
            spec("kind = \"image\"\nname = \"a\"").unwrap_err(),
            "every check needs a string `id`"
        );
        assert_eq!(
            spec("id = \"x\"\nkind = \"container\"").unwrap_err(),
            "check x: a container check needs `name` or `image`"
        );
        let re = spec("id = \"x\"\nkind = \"command\"\npattern = \"(\"").unwrap_err();
        assert!(
            re.starts_with("check x: `pattern` is not a regular expression"),
            "{re}"
        );
        let state =
            spec("id = \"x\"\nkind = \"container\"\nname = \"w\"\nstate = \"up\"").unwrap_err();
        assert!(state.contains("unknown variant `up`"), "{state}");
    }
}

/// Parsing failures as an author meets them: each names the check and what is wrong.
#[cfg(test)]
mod parse_failures {
    use super::*;

    fn spec(text: &str) -> Result<CheckSpec, String> {
        CheckSpec::from_table(&text.parse::<toml::Table>().unwrap())
    }

    #[test]
    fn unknown_kind_names_it_and_the_known_ones() {
        let e = spec("id = \"k\"\nkind = \"volume\"\nname = \"v\"").unwrap_err();
        assert!(e.starts_with("check k: unknown variant `volume`"), "{e}");
        assert!(
            e.contains("`restart_policy`") && e.contains("`answer`"),
            "{e}"
        );
        let e = spec("id = \"k\"\nname = \"web\"").unwrap_err();
        assert_eq!(e, "check k: missing field `kind`");
        let e = spec("id = \"k\"\nkind = 3").unwrap_err();
        assert!(e.starts_with("check k: "), "{e}");
    }

    #[test]
    fn unknown_field_names_it_for_every_kind() {
        let minimal = [
            "kind = \"container\"\nname = \"w\"",
            "kind = \"image\"\nname = \"i\"",
            "kind = \"http\"\nurl = \"http://127.0.0.1/\"",
            "kind = \"ping\"\nfrom = \"a\"\nto = \"b\"",
            "kind = \"dns\"\ncontainer = \"a\"\nname = \"b\"",
            "kind = \"network\"\nname = \"n\"",
            "kind = \"env\"\ncontainer = \"a\"\nname = \"V\"",
            "kind = \"mount\"\ncontainer = \"a\"\ndestination = \"/d\"",
            "kind = \"file\"\ncontainer = \"a\"\npath = \"/f\"",
            "kind = \"logs\"\ncontainer = \"a\"\ncontains = \"x\"",
            "kind = \"limit\"\ncontainer = \"a\"",
            "kind = \"restart_policy\"\ncontainer = \"a\"\npolicy = \"always\"",
            "kind = \"port\"\ncontainer = \"a\"\ncontainer_port = \"80\"",
            "kind = \"archive\"\npath = \"a.tar\"\ncontains = \"busybox\"",
            "kind = \"command\"\npattern = \"docker ps\"",
            "kind = \"answer\"\nquestion = \"q\"\nsource = \"container.ip:web\"",
        ];
        assert_eq!(minimal.len(), 16);
        for body in minimal {
            let kind = spec(&format!("id = \"ok\"\n{body}"))
                .unwrap_or_else(|e| panic!("{body}: {e}"))
                .kind;
            assert_eq!(
                format!("kind = \"{}\"", kind.name()),
                body.lines().next().unwrap()
            );
            let e = spec(&format!("id = \"u\"\n{body}\ncolour = \"red\"")).unwrap_err();
            assert!(
                e.starts_with("check u: unknown field `colour`"),
                "{body}: {e}"
            );
        }
        // A field of another kind is unknown here, even when it is a real field elsewhere.
        let e = spec("id = \"u\"\nkind = \"env\"\ncontainer = \"a\"\nname = \"V\"\nexit_code = 0")
            .unwrap_err();
        assert!(e.starts_with("check u: unknown field `exit_code`"), "{e}");
        // The TOML key of `mount`'s type is `type`, not the Rust name.
        let e = spec("id = \"u\"\nkind = \"mount\"\ncontainer = \"a\"\ndestination = \"/d\"\nmount_type = \"bind\"")
            .unwrap_err();
        assert!(e.starts_with("check u: unknown field `mount_type`"), "{e}");
    }

    #[test]
    fn missing_or_mistyped_fields_are_named() {
        assert_eq!(
            spec("id = \"m\"\nkind = \"http\"").unwrap_err(),
            "check m: missing field `url`"
        );
        assert_eq!(
            spec("id = \"m\"\nkind = \"ping\"\nfrom = \"a\"").unwrap_err(),
            "check m: missing field `to`"
        );
        let e = spec("id = \"m\"\nkind = \"http\"\nurl = \"u\"\nstatus = \"ok\"").unwrap_err();
        assert!(e.starts_with("check m: invalid type: string \"ok\""), "{e}");
        assert_eq!(
            spec("id = \"m\"\nkind = \"answer\"\nquestion = \"q\"\nsource = \"ps:web\"")
                .unwrap_err(),
            "check m: unknown answer source `ps:web`"
        );
    }

    #[test]
    fn missing_or_bad_id_points_and_text() {
        let no_id = "every check needs a string `id`";
        assert_eq!(
            spec("kind = \"command\"\npattern = \"x\"").unwrap_err(),
            no_id
        );
        assert_eq!(
            spec("id = \"\"\nkind = \"command\"\npattern = \"x\"").unwrap_err(),
            no_id
        );
        assert_eq!(
            spec("id = 7\nkind = \"command\"\npattern = \"x\"").unwrap_err(),
            no_id
        );
        assert_eq!(
            spec("id = \"p\"\npoints = 1001\nkind = \"command\"\npattern = \"x\"").unwrap_err(),
            "check p: `points` must be 0..=1000"
        );
        assert_eq!(
            spec("id = \"p\"\npoints = -1\nkind = \"command\"\npattern = \"x\"").unwrap_err(),
            "check p: `points` must be 0..=1000"
        );
        assert_eq!(
            spec("id = \"p\"\ntext = 1\nkind = \"command\"\npattern = \"x\"").unwrap_err(),
            "check p: `text` must be a string"
        );
        let ok = spec(
            "id = \"p\"\npoints = 0\ntext = \"typed ps\"\nkind = \"command\"\npattern = \"x\"",
        )
        .unwrap();
        assert_eq!((ok.points, ok.text.as_deref()), (0, Some("typed ps")));
    }
}
