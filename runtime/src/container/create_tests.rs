use super::*;
use serde_json::json;

fn host() -> HostFacts {
    HostFacts {
        nofile_hard: 1 << 20,
        swap_limit: true,
        cgroup_v2: false,
        cgroup_v1_hierarchies: Vec::new(),
    }
}

fn nginx_config() -> Value {
    json!({
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NGINX_VERSION=1.25.3"],
        "Entrypoint": ["/docker-entrypoint.sh"],
        "Cmd": ["nginx", "-g", "daemon off;"],
        "ExposedPorts": {"80/tcp": {}},
        "Labels": {"maintainer": "lab"},
        "StopSignal": "SIGQUIT",
        "WorkingDir": ""
    })
}

const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn plan_with(opts: &CreateOptions, config: &Value) -> Result<Planned, ContainerError> {
    plan(
        ID,
        "/web",
        opts,
        "sha256:feed",
        config,
        Path::new("/var/lib/dockerlings/containers/x"),
        Path::new("/var/lib/dockerlings/volumes"),
        &host(),
        DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc),
    )
}

fn opts(image: &str) -> CreateOptions {
    CreateOptions {
        image: image.to_string(),
        attach_stdout: true,
        attach_stderr: true,
        ..CreateOptions::default()
    }
}

#[test]
fn image_defaults_make_the_command() {
    let p = plan_with(&opts("nginx"), &nginx_config()).unwrap();
    let r = &p.record;
    assert_eq!(r.path, "/docker-entrypoint.sh");
    assert_eq!(r.args, ["nginx", "-g", "daemon off;"]);
    assert_eq!(
        r.command_line(),
        "/docker-entrypoint.sh nginx -g daemon off;"
    );
    assert_eq!(r.config.hostname, "0123456789ab");
    assert_eq!(r.config.image, "nginx");
    assert_eq!(r.image, "sha256:feed");
    assert_eq!(r.config.stop_signal.as_deref(), Some("SIGQUIT"));
    assert!(r
        .config
        .exposed_ports
        .as_ref()
        .unwrap()
        .contains_key("80/tcp"));
    assert_eq!(r.config.labels["maintainer"], "lab");
    assert_eq!(
        r.log_path,
        format!("/var/lib/dockerlings/containers/x/{ID}-json.log")
    );
    assert_eq!(r.host_config.network_mode, "default");
    assert_eq!(r.host_config.cgroupns_mode, "host");
}

#[test]
fn run_args_replace_cmd_and_entrypoint_clears_it() {
    let mut o = opts("nginx");
    o.cmd = vec!["ls".into(), "/usr/share/nginx/html".into()];
    let r = plan_with(&o, &nginx_config()).unwrap().record;
    assert_eq!(r.path, "/docker-entrypoint.sh");
    assert_eq!(r.args, ["ls", "/usr/share/nginx/html"]);
    assert_eq!(
        r.config.cmd.as_deref(),
        Some(&["ls".to_string(), "/usr/share/nginx/html".to_string()][..])
    );

    let mut o = opts("nginx");
    o.entrypoint = Some("/bin/sh".into());
    let r = plan_with(&o, &nginx_config()).unwrap().record;
    assert_eq!((r.path.as_str(), r.args.len()), ("/bin/sh", 0));
    assert_eq!(r.config.cmd, None);

    let mut o = opts("nginx");
    o.entrypoint = Some(String::new());
    let r = plan_with(&o, &nginx_config()).unwrap().record;
    assert_eq!(r.path, "nginx");
    assert_eq!(r.config.entrypoint, Some(vec![]));

    let err = plan_with(&opts("scratchy"), &json!({})).unwrap_err();
    assert_eq!(err.to_string(), "No command specified");
}

#[test]
fn env_user_first_then_image_keys_not_overridden() {
    let mut o = opts("nginx");
    o.env = vec!["NGINX_VERSION=custom".into(), "MODE=dev".into()];
    let r = plan_with(&o, &nginx_config()).unwrap().record;
    assert_eq!(
        r.config.env,
        [
            "NGINX_VERSION=custom",
            "MODE=dev",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        ]
    );
}

#[test]
fn limits_follow_docker_defaults() {
    let mut o = opts("nginx");
    o.memory = 256 * 1024 * 1024;
    o.nano_cpus = 500_000_000;
    o.cpu_shares = 512;
    o.pids_limit = Some(100);
    let r = plan_with(&o, &nginx_config()).unwrap();
    let hc = &r.record.host_config;
    assert_eq!(hc.memory, 268_435_456);
    assert_eq!(
        hc.memory_swap, 536_870_912,
        "twice the memory, as Docker sets it"
    );
    assert_eq!(hc.nano_cpus, 500_000_000);
    assert_eq!(hc.cpu_shares, 512);
    assert_eq!(hc.pids_limit, Some(100));
    assert!(r.warnings.is_empty());

    o.memory = 1024;
    assert_eq!(
        plan_with(&o, &nginx_config()).unwrap_err().to_string(),
        "Minimum memory limit allowed is 6MB"
    );
    let mut o = opts("nginx");
    o.nano_cpus = 100_000 * 1_000_000_000;
    assert!(plan_with(&o, &nginx_config())
        .unwrap_err()
        .to_string()
        .starts_with("Range of CPUs is from 0.01 to "));
    let mut o = opts("nginx");
    o.auto_remove = true;
    o.restart = super::super::options::RestartPolicy::parse("always").unwrap();
    assert!(plan_with(&o, &nginx_config()).is_err());
}

#[test]
fn no_swap_accounting_warns_like_docker() {
    let mut o = opts("nginx");
    o.memory = 64 * 1024 * 1024;
    let p = plan(
        ID,
        "/web",
        &o,
        "sha256:feed",
        &nginx_config(),
        Path::new("/c"),
        Path::new("/v"),
        &HostFacts {
            swap_limit: false,
            ..host()
        },
        Utc::now(),
    )
    .unwrap();
    assert_eq!(p.record.host_config.memory_swap, -1);
    assert_eq!(
        p.warnings,
        ["Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap."]
    );
}

#[test]
fn volumes_binds_named_and_anonymous() {
    let mut o = opts("nginx");
    o.volumes = vec![
        "/srv/site:/usr/share/nginx/html:ro".into(),
        "logs:/var/log/nginx".into(),
        "/cache".into(),
    ];
    let mut config = nginx_config();
    config["Volumes"] = json!({"/data": {}});
    let p = plan_with(&o, &config).unwrap();
    let r = &p.record;
    assert_eq!(
        r.host_config.binds.as_deref().unwrap(),
        ["/srv/site:/usr/share/nginx/html:ro", "logs:/var/log/nginx"]
    );
    let by_dest = |d: &str| r.mounts.iter().find(|m| m.destination == d).unwrap();
    let site = by_dest("/usr/share/nginx/html");
    assert_eq!(
        (site.kind.as_str(), site.rw, site.source.as_str()),
        ("bind", false, "/srv/site")
    );
    let logs = by_dest("/var/log/nginx");
    assert_eq!(logs.kind, "volume");
    assert_eq!(logs.source, "/var/lib/dockerlings/volumes/logs/_data");
    assert!(logs.rw);
    let anon = by_dest("/cache");
    assert_eq!(anon.name.len(), 64);
    assert!(by_dest("/data").name.len() == 64);
    assert_eq!(p.bind_sources, ["/srv/site"]);
    assert_eq!(p.volumes.iter().filter(|v| v.anonymous).count(), 2);
    assert!(p.volumes.contains(&VolumeNeed {
        name: "logs".into(),
        anonymous: false
    }));
    let vols = r.config.volumes.as_ref().unwrap();
    assert!(vols.contains_key("/cache") && vols.contains_key("/data"));

    let mut o = opts("nginx");
    o.volumes = vec!["/a:/x".into(), "b1:/x".into()];
    assert_eq!(
        plan_with(&o, &nginx_config()).unwrap_err().to_string(),
        "Duplicate mount point: /x"
    );
}

#[test]
fn hostname_workdir_user_ports_and_labels() {
    let mut o = opts("nginx");
    o.hostname = Some("box".into());
    o.workdir = Some("/app".into());
    o.user = Some("1000:1000".into());
    o.labels.insert("tier".into(), "web".into());
    o.publish = vec!["8080:80".into(), "127.0.0.1:5353:53/udp".into()];
    o.expose = vec!["9000".into()];
    o.mac_address = Some("02:42:ac:11:00:99".into());
    let r = plan_with(&o, &nginx_config()).unwrap().record;
    assert_eq!(r.config.hostname, "box");
    assert_eq!(r.config.working_dir, "/app");
    assert_eq!(r.config.user, "1000:1000");
    assert_eq!(r.config.labels["tier"], "web");
    assert_eq!(r.config.labels["maintainer"], "lab");
    let ports: Vec<&String> = r.config.exposed_ports.as_ref().unwrap().keys().collect();
    assert_eq!(ports, ["53/udp", "80/tcp", "9000/tcp"]);
    assert!(r.host_config.port_bindings.contains_key("53/udp"));
    assert_eq!(r.mac_address, "02:42:ac:11:00:99");
    let mut o = opts("nginx");
    o.workdir = Some("relative".into());
    assert!(plan_with(&o, &nginx_config()).is_err());
}
