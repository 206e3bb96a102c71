use super::*;
use crate::container::create::plan;
use crate::container::options::CreateOptions;
use serde_json::{json, Value};

const ID: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

fn host() -> HostFacts {
    HostFacts {
        nofile_hard: 524_288,
        swap_limit: true,
        cgroup_v2: true,
        cgroup_v1_hierarchies: Vec::new(),
    }
}

fn record(opts: &CreateOptions) -> ContainerRecord {
    let config = json!({
        "Env": ["PATH=/custom/bin:/bin", "LANG=C.UTF-8"],
        "Cmd": ["bash"],
        "WorkingDir": "/srv",
    });
    plan(
        ID,
        "/shell",
        opts,
        "sha256:feed",
        &config,
        Path::new("/lib/containers/c"),
        Path::new("/lib/volumes"),
        &host(),
        chrono::Utc::now(),
    )
    .unwrap()
    .record
}

fn spec_json(opts: &CreateOptions, user: ResolvedUser) -> Value {
    let r = record(opts);
    let spec = generate(&SpecInput {
        record: &r,
        container_dir: Path::new("/lib/containers/c"),
        host: &host(),
        user,
        netns_file: None,
    })
    .unwrap();
    serde_json::to_value(&spec).unwrap()
}

fn base() -> CreateOptions {
    CreateOptions {
        image: "ubuntu".into(),
        ..CreateOptions::default()
    }
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn process_args_env_cwd_and_terminal() {
    let s = spec_json(&base(), ResolvedUser::default());
    assert_eq!(strs(&s["process"]["args"]), ["bash"]);
    assert_eq!(s["process"]["cwd"], "/srv");
    assert_eq!(s["process"]["terminal"], false);
    assert_eq!(
        strs(&s["process"]["env"]),
        [
            "PATH=/custom/bin:/bin",
            "HOSTNAME=fedcba987654",
            "LANG=C.UTF-8"
        ]
    );
    assert_eq!(s["hostname"], "fedcba987654");
    assert_eq!(s["root"]["path"], "/lib/containers/c/rootfs");
    assert_eq!(s["root"]["readonly"], false);

    let mut o = base();
    o.tty = true;
    o.cmd = vec!["ls".into(), "-l".into(), "/".into()];
    o.workdir = Some("/tmp".into());
    o.env = vec!["TERM=vt100".into()];
    o.hostname = Some("box".into());
    let s = spec_json(&o, ResolvedUser::default());
    assert_eq!(strs(&s["process"]["args"]), ["ls", "-l", "/"]);
    assert_eq!(s["process"]["terminal"], true);
    assert_eq!(s["process"]["cwd"], "/tmp");
    let env = strs(&s["process"]["env"]);
    assert!(
        env.contains(&"TERM=vt100".to_string()),
        "-e wins over TERM=xterm: {env:?}"
    );
    assert!(env.contains(&"HOSTNAME=box".to_string()));
    assert_eq!(s["hostname"], "box");

    let mut o = base();
    o.tty = true;
    let s = spec_json(&o, ResolvedUser::default());
    assert!(strs(&s["process"]["env"]).contains(&"TERM=xterm".to_string()));
}

#[test]
fn cwd_defaults_to_root_without_image_workdir() {
    let config = json!({"Cmd": ["sh"]});
    let r = plan(
        ID,
        "/x",
        &base(),
        "sha256:feed",
        &config,
        Path::new("/c"),
        Path::new("/v"),
        &host(),
        chrono::Utc::now(),
    )
    .unwrap()
    .record;
    let spec = generate(&SpecInput {
        record: &r,
        container_dir: Path::new("/c"),
        host: &host(),
        user: ResolvedUser::default(),
        netns_file: None,
    })
    .unwrap();
    let s = serde_json::to_value(&spec).unwrap();
    assert_eq!(s["process"]["cwd"], "/");
    let env = strs(&s["process"]["env"]);
    assert_eq!(env[0], format!("PATH={DEFAULT_PATH}"));
}

#[test]
fn user_is_resolved_numerically() {
    let s = spec_json(
        &base(),
        ResolvedUser {
            uid: 1000,
            gid: 100,
            additional_gids: vec![27],
        },
    );
    assert_eq!(s["process"]["user"]["uid"], 1000);
    assert_eq!(s["process"]["user"]["gid"], 100);
    assert_eq!(s["process"]["user"]["additionalGids"], json!([27]));
}

#[test]
fn resolve_user_like_docker() {
    let passwd = "root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101:nginx:/nonexistent:/bin/false\nbob:x:1000:1000::/home/bob:/bin/sh\n";
    let group = "root:x:0:\nsudo:x:27:bob\nnginx:x:101:\nstaff:x:50:bob,nginx\n";
    let r = |u: &str| resolve_user(u, Some(passwd), Some(group));
    assert_eq!(r("").unwrap(), ResolvedUser::default());
    assert_eq!(
        r("nginx").unwrap(),
        ResolvedUser {
            uid: 101,
            gid: 101,
            additional_gids: vec![50]
        }
    );
    assert_eq!(
        r("bob").unwrap(),
        ResolvedUser {
            uid: 1000,
            gid: 1000,
            additional_gids: vec![27, 50]
        }
    );
    assert_eq!(
        r("1000").unwrap().gid,
        1000,
        "a known uid takes its passwd gid"
    );
    assert_eq!(
        r("4242").unwrap(),
        ResolvedUser {
            uid: 4242,
            gid: 0,
            additional_gids: vec![]
        }
    );
    assert_eq!(r("4242:4243").unwrap().gid, 4243);
    assert_eq!(
        r("bob:staff").unwrap(),
        ResolvedUser {
            uid: 1000,
            gid: 50,
            additional_gids: vec![]
        }
    );
    assert_eq!(
        r("alice").unwrap_err().to_string(),
        "unable to find user alice: no matching entries in passwd file"
    );
    assert_eq!(
        r("bob:nogroup").unwrap_err().to_string(),
        "unable to find group nogroup: no matching entries in group file"
    );
    assert_eq!(
        resolve_user("root", None, None).unwrap(),
        ResolvedUser::default()
    );
    assert_eq!(resolve_user("33", None, None).unwrap().uid, 33);
    assert!(resolve_user("www-data", None, None).is_err());
}

#[test]
fn default_mounts_then_etc_files_then_volumes_by_depth() {
    let mut o = base();
    o.volumes = vec!["/host/deep:/data/sub:ro".into(), "vol1:/data".into()];
    let s = spec_json(&o, ResolvedUser::default());
    let mounts = s["mounts"].as_array().unwrap();
    let dests: Vec<&str> = mounts
        .iter()
        .map(|m| m["destination"].as_str().unwrap())
        .collect();
    assert_eq!(
        dests,
        [
            "/proc",
            "/dev",
            "/dev/pts",
            "/sys",
            "/sys/fs/cgroup",
            "/dev/mqueue",
            "/dev/shm",
            "/etc/resolv.conf",
            "/etc/hostname",
            "/etc/hosts",
            "/data",
            "/data/sub"
        ]
    );
    let by = |d: &str| mounts.iter().find(|m| m["destination"] == d).unwrap();
    assert_eq!(by("/proc")["type"], "proc");
    assert!(strs(&by("/sys")["options"]).contains(&"ro".to_string()));
    assert!(strs(&by("/sys/fs/cgroup")["options"]).contains(&"ro".to_string()));
    assert!(strs(&by("/dev/shm")["options"]).contains(&"size=67108864".to_string()));
    assert_eq!(by("/etc/hosts")["source"], "/lib/containers/c/hosts");
    assert_eq!(by("/data")["source"], "/lib/volumes/vol1/_data");
    assert_eq!(strs(&by("/data")["options"]), ["rbind", "rprivate"]);
    assert_eq!(by("/data/sub")["source"], "/host/deep");
    assert_eq!(
        strs(&by("/data/sub")["options"]),
        ["rbind", "ro", "rprivate"]
    );
}

#[test]
fn namespaces_caps_paths_and_rlimits() {
    let s = spec_json(&base(), ResolvedUser::default());
    let ns: Vec<&str> = s["linux"]["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(ns, ["pid", "mount", "uts", "ipc", "network", "cgroup"]);
    let mut caps = strs(&s["process"]["capabilities"]["bounding"]);
    caps.sort();
    assert_eq!(
        caps,
        [
            "CAP_AUDIT_WRITE",
            "CAP_CHOWN",
            "CAP_DAC_OVERRIDE",
            "CAP_FOWNER",
            "CAP_FSETID",
            "CAP_KILL",
            "CAP_MKNOD",
            "CAP_NET_BIND_SERVICE",
            "CAP_NET_RAW",
            "CAP_SETFCAP",
            "CAP_SETGID",
            "CAP_SETPCAP",
            "CAP_SETUID",
            "CAP_SYS_CHROOT"
        ]
    );
    assert_eq!(
        s["process"]["capabilities"]["effective"]
            .as_array()
            .unwrap()
            .len(),
        14
    );
    assert_eq!(s["process"]["capabilities"]["inheritable"], json!([]));
    assert_eq!(s["process"]["capabilities"]["ambient"], json!([]));
    assert!(!caps.contains(&"CAP_SYS_ADMIN".to_string()));
    assert_eq!(strs(&s["linux"]["maskedPaths"]), MASKED_PATHS);
    assert_eq!(strs(&s["linux"]["readonlyPaths"]), READONLY_PATHS);
    assert!(strs(&s["linux"]["maskedPaths"]).contains(&"/proc/kcore".to_string()));
    // Docker's default seccomp profile is installed after the capabilities are dropped,
    // which needs no_new_privs; it is off only for unconfined containers.
    assert_eq!(s["process"]["noNewPrivileges"], true);
    assert_eq!(s["annotations"]["org.dockerlings.seccomp"], "default");
    let rl = &s["process"]["rlimits"][0];
    assert_eq!(rl["type"], "RLIMIT_NOFILE");
    assert_eq!(
        (rl["soft"].clone(), rl["hard"].clone()),
        (json!(524_288), json!(524_288)),
        "clamped to the host"
    );
    assert_eq!(s["linux"]["cgroupsPath"], format!("/dockerlings/{ID}"));
    assert_eq!(
        s["linux"]["sysctl"]["net.ipv4.ping_group_range"],
        "0 2147483647"
    );
    let devices = s["linux"]["resources"]["devices"].as_array().unwrap();
    assert_eq!(devices[0], json!({"allow": false, "access": "rwm"}));
    assert!(devices
        .iter()
        .any(|d| d["major"] == 1 && d["minor"] == 3 && d["allow"] == true));
}

#[test]
fn resources_and_read_only() {
    let mut o = base();
    o.memory = 256 * 1024 * 1024;
    o.nano_cpus = 500_000_000;
    o.cpu_shares = 512;
    o.pids_limit = Some(50);
    o.read_only = true;
    let s = spec_json(&o, ResolvedUser::default());
    let res = &s["linux"]["resources"];
    assert_eq!(res["memory"]["limit"], 268_435_456);
    assert_eq!(res["memory"]["swap"], 536_870_912);
    assert_eq!(res["cpu"]["quota"], 50_000);
    assert_eq!(res["cpu"]["period"], 100_000);
    assert_eq!(res["cpu"]["shares"], 512);
    // Set by the supervisor after libcontainer's create (see the module docs).
    assert!(res.get("pids").is_none());
    assert_eq!(s["root"]["readonly"], true);

    let s = spec_json(&base(), ResolvedUser::default());
    let res = &s["linux"]["resources"];
    assert!(res.get("memory").is_none() && res.get("cpu").is_none() && res.get("pids").is_none());

    let mut o = base();
    o.pids_limit = Some(-1);
    let s = spec_json(&o, ResolvedUser::default());
    assert!(
        s["linux"]["resources"].get("pids").is_none(),
        "-1 is unlimited"
    );
}

#[test]
fn host_network_shares_the_namespace() {
    let mut o = base();
    o.network = Some("host".into());
    let s = spec_json(&o, ResolvedUser::default());
    let ns: Vec<&str> = s["linux"]["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert!(!ns.contains(&"network"));
    assert!(s["linux"]
        .get("sysctl")
        .is_none_or(|v| v.as_object().unwrap().is_empty()));
}

#[test]
fn written_into_a_new_bundle_and_rewritten_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let r = record(&base());
    let spec = generate(&SpecInput {
        record: &r,
        container_dir: dir.path(),
        host: &host(),
        user: ResolvedUser::default(),
        netns_file: None,
    })
    .unwrap();
    // `write` fills the bundle directory the store made in a new container's staging dir.
    std::fs::create_dir(dir.path().join("bundle")).unwrap();
    let path = write(&spec, dir.path()).unwrap();
    assert_eq!(path, dir.path().join("bundle/config.json"));
    assert_eq!(Spec::load(&path).unwrap(), spec);

    // `rewrite` replaces it in an existing container (temp file and rename: nothing left).
    let mut changed = spec.clone();
    changed.set_hostname(Some("changed".to_string()));
    assert_eq!(rewrite(&changed, dir.path()).unwrap(), path);
    assert_eq!(Spec::load(&path).unwrap(), changed);
    let names: Vec<_> = std::fs::read_dir(dir.path().join("bundle"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["config.json"]);
}

#[test]
fn cgroup_v1_hierarchies_are_read_only_paths() {
    let mountinfo = "\
35 24 0:31 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
36 35 0:32 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
37 35 0:33 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids
38 35 0:34 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw
39 35 0:35 / /sys/fs/cgroup/systemd rw,nosuid - cgroup cgroup rw,name=systemd
40 24 0:36 / /srv/cgroup/memory rw - cgroup cgroup rw,memory";
    let hierarchies = cgroup_v1_hierarchies(mountinfo);
    assert_eq!(hierarchies, ["cpu,cpuacct", "pids", "systemd"]);
    let r = record(&base());
    let v1 = HostFacts {
        cgroup_v2: false,
        cgroup_v1_hierarchies: hierarchies,
        ..host()
    };
    let paths = readonly_paths(&r.host_config, &v1);
    assert_eq!(paths[..READONLY_PATHS.len()], *READONLY_PATHS);
    assert_eq!(
        paths[READONLY_PATHS.len()..],
        [
            "/sys/fs/cgroup",
            "/sys/fs/cgroup/cpu,cpuacct",
            "/sys/fs/cgroup/pids",
            "/sys/fs/cgroup/systemd"
        ]
    );
    // What Docker records (and inspect shows) stays Docker's list.
    assert_eq!(r.host_config.readonly_paths, READONLY_PATHS);
}

#[test]
fn seccomp_unconfined_and_invalid_security_opts() {
    let opts = CreateOptions {
        security_opt: vec!["seccomp=unconfined".into()],
        ..base()
    };
    let s = spec_json(&opts, ResolvedUser::default());
    assert_eq!(s["annotations"]["org.dockerlings.seccomp"], "unconfined");
    assert_eq!(s["process"]["noNewPrivileges"], false);
    let bad = CreateOptions {
        security_opt: vec!["foo".into()],
        ..base()
    };
    let err = plan(
        ID,
        "/x",
        &bad,
        "sha256:feed",
        &json!({}),
        Path::new("/lib/containers/c"),
        Path::new("/lib/volumes"),
        &host(),
        chrono::Utc::now(),
    )
    .err()
    .unwrap();
    assert_eq!(err.to_string(), "invalid --security-opt 1: \"foo\"");
}

#[test]
fn the_network_namespace_is_joined_from_the_prepared_file_when_there_is_one() {
    let joined = |opts: &CreateOptions, file: Option<&Path>| {
        let r = record(opts);
        let spec = generate(&SpecInput {
            record: &r,
            container_dir: Path::new("/lib/containers/c"),
            host: &host(),
            user: ResolvedUser::default(),
            netns_file: file,
        })
        .unwrap();
        let s = serde_json::to_value(&spec).unwrap();
        s["linux"]["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| (n["type"].as_str().unwrap().to_string(), n["path"].clone()))
            .collect::<Vec<_>>()
    };
    let file = Path::new("/run/dockerlings/containers/c/netns");
    let with = joined(&base(), Some(file));
    assert!(with.contains(&("network".into(), json!(file))), "{with:?}");
    // Only the network namespace is joined; the others are new.
    assert_eq!(with.iter().filter(|(_, p)| !p.is_null()).count(), 1);
    let without = joined(&base(), None);
    assert!(
        without.contains(&("network".into(), Value::Null)),
        "{without:?}"
    );
}
