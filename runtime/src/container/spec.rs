//! The OCI runtime spec (`bundle/config.json`) of a container, generated the way Docker's
//! daemon generates it from the image config and the run flags (moby's `oci` defaults plus
//! `daemon/oci_linux.go`).
//!
//! What each part is for:
//! - **process**: the program (`Entrypoint` + `Cmd`), its environment (Docker adds `PATH`,
//!   `HOSTNAME` and, with `-t`, `TERM=xterm`), working directory, user, and the 14
//!   capabilities Docker grants by default — enough to run a typical service as root inside
//!   the container, not enough to load kernel modules, mount, or change the host's clock.
//! - **mounts**: a fresh `/proc` (the container's own PID namespace), a tmpfs `/dev` that
//!   the runtime fills with the harmless devices (null, zero, tty, …), `/dev/pts` for
//!   terminals, a 64 MiB `/dev/shm`, `/dev/mqueue`, and a read-only `/sys` and cgroup view;
//!   then `/etc/resolv.conf`, `/etc/hostname`, `/etc/hosts` from the container directory,
//!   then the user's `-v` mounts, parents before children.
//! - **masked/read-only paths**: `/proc` files that leak host information (`kcore`,
//!   `keys`, timers) are hidden; `/proc/sys` and friends are read-only, so a container
//!   cannot retune the host kernel.
//! - **namespaces**: pid, mount, uts, ipc and network (a new network namespace holds only
//!   loopback until networking attaches the container), plus cgroup on cgroup v2 hosts.
//! - **resources**: `-m` → memory limit (swap twice that, as Docker defaults), `--cpus` →
//!   CFS quota over a 100 ms period, `-c` → CPU shares; the device cgroup allows only the
//!   standard devices. `--pids-limit` is not in the spec: libcontainer would apply it
//!   while its own two set-up processes are in the cgroup, so `--pids-limit 1` could never
//!   start; the supervisor sets it once they are gone and before the program runs, as runc
//!   does (`shim::cgroup::set_pids_limit`).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use oci_spec::runtime::{
    Capability, LinuxBuilder, LinuxCapabilitiesBuilder, LinuxCpuBuilder, LinuxDeviceCgroup,
    LinuxDeviceCgroupBuilder, LinuxDeviceType, LinuxMemoryBuilder, LinuxNamespaceBuilder,
    LinuxNamespaceType, LinuxResourcesBuilder, Mount, MountBuilder, PosixRlimitBuilder,
    PosixRlimitType, ProcessBuilder, RootBuilder, Spec, SpecBuilder, UserBuilder,
};

use super::record::{ContainerRecord, HostConfig};
use super::ContainerError;

/// Paths Docker masks in every container (moby `oci.DefaultSpec`, Docker 25).
pub const MASKED_PATHS: &[&str] = &[
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
];

/// Paths Docker makes read-only in every container.
pub const READONLY_PATHS: &[&str] = &[
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// Docker's default capability set.
pub const DEFAULT_CAPABILITIES: &[Capability] = &[
    Capability::Chown,
    Capability::DacOverride,
    Capability::Fsetid,
    Capability::Fowner,
    Capability::Mknod,
    Capability::NetRaw,
    Capability::Setgid,
    Capability::Setuid,
    Capability::Setfcap,
    Capability::Setpcap,
    Capability::NetBindService,
    Capability::SysChroot,
    Capability::Kill,
    Capability::AuditWrite,
];

/// The `PATH` Docker gives a container whose image sets none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The open-files limit Docker's containers get (clamped to what the host allows).
pub const DEFAULT_NOFILE: u64 = 1_048_576;

/// The CFS period `--cpus` is expressed over (100 ms).
pub const CPU_PERIOD: u64 = 100_000;

/// Facts about the host that shape the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    /// The hard `RLIMIT_NOFILE` this process may grant (no CAP_SYS_RESOURCE to exceed it).
    pub nofile_hard: u64,
    /// Whether the memory cgroup can limit swap (`memory.memsw.*` on v1, `memory.swap.max`
    /// on v2); Docker warns and drops the swap limit otherwise.
    pub swap_limit: bool,
    pub cgroup_v2: bool,
    /// The v1 hierarchies mounted below `/sys/fs/cgroup` (`memory`, `cpu,cpuacct`,
    /// `systemd`, …); none on a v2-only host.
    pub cgroup_v1_hierarchies: Vec<String>,
}

impl HostFacts {
    /// Looks at this host.
    pub fn probe() -> Self {
        let nofile_hard =
            nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
                .map(|(_, hard)| hard)
                .unwrap_or(DEFAULT_NOFILE);
        let cgroup = Path::new("/sys/fs/cgroup");
        let cgroup_v2 = cgroup.join("cgroup.controllers").exists();
        let swap_limit = if cgroup_v2 {
            // The root has no memory.swap.max; any child with the memory controller does.
            std::fs::read_to_string(cgroup.join("cgroup.subtree_control"))
                .map(|s| s.split_whitespace().any(|c| c == "memory"))
                .unwrap_or(false)
        } else {
            cgroup.join("memory/memory.memsw.limit_in_bytes").exists()
        };
        Self {
            nofile_hard,
            swap_limit,
            cgroup_v2,
            cgroup_v1_hierarchies: cgroup_v1_hierarchies(
                &std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default(),
            ),
        }
    }
}

/// The names of the v1 cgroup hierarchies mounted below `/sys/fs/cgroup`, from a
/// `/proc/self/mountinfo` text (mount point is the 5th field, the type follows ` - `).
pub fn cgroup_v1_hierarchies(mountinfo: &str) -> Vec<String> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (mount, fs) = line.split_once(" - ")?;
            let point = mount.split(' ').nth(4)?;
            let name = point.strip_prefix("/sys/fs/cgroup/")?;
            (fs.split(' ').next() == Some("cgroup") && !name.contains('/'))
                .then(|| name.to_string())
        })
        .collect()
}

/// A user resolved to numbers (Docker's `GetExecUser`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResolvedUser {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
}

struct PasswdEntry<'a> {
    name: &'a str,
    uid: u32,
    gid: u32,
}

fn passwd_entries(text: &str) -> impl Iterator<Item = PasswdEntry<'_>> {
    text.lines().filter_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 4).then_some(()).and_then(|_| {
            Some(PasswdEntry {
                name: f[0],
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
            })
        })
    })
}

struct GroupEntry<'a> {
    name: &'a str,
    gid: u32,
    members: Vec<&'a str>,
}

fn group_entries(text: &str) -> impl Iterator<Item = GroupEntry<'_>> {
    text.lines().filter_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 3 {
            return None;
        }
        Some(GroupEntry {
            name: f[0],
            gid: f[2].parse().ok()?,
            members: f
                .get(3)
                .map(|m| m.split(',').filter(|s| !s.is_empty()).collect())
                .unwrap_or_default(),
        })
    })
}

/// Resolves `-u`/the image's `User` (`name`, `uid`, `name:group`, `uid:gid`) against the
/// container's `/etc/passwd` and `/etc/group` (either may be missing), as Docker does.
pub fn resolve_user(
    user: &str,
    passwd: Option<&str>,
    group: Option<&str>,
) -> Result<ResolvedUser, ContainerError> {
    let (user_part, group_part) = match user.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (user, None),
    };
    let user_part = if user_part.is_empty() {
        "root"
    } else {
        user_part
    };
    let numeric_uid = user_part.parse::<u32>().ok();
    let entry = passwd.and_then(|p| {
        passwd_entries(p).find(|e| match numeric_uid {
            Some(uid) => e.uid == uid,
            None => e.name == user_part,
        })
    });
    let (uid, mut gid, name) = match (entry, numeric_uid) {
        (Some(e), _) => (e.uid, e.gid, Some(e.name.to_string())),
        (None, Some(uid)) => (uid, 0, None),
        (None, None) if user_part == "root" => (0, 0, Some("root".to_string())),
        (None, None) => return Err(ContainerError::UserNotFound(user_part.to_string())),
    };
    if let Some(g) = group_part.filter(|g| !g.is_empty()) {
        gid = match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => group
                .and_then(|t| group_entries(t).find(|e| e.name == g).map(|e| e.gid))
                .ok_or_else(|| ContainerError::GroupNotFound(g.to_string()))?,
        };
    }
    let mut additional_gids = Vec::new();
    if group_part.is_none() {
        if let (Some(name), Some(text)) = (name.as_deref(), group) {
            for e in group_entries(text) {
                if e.members.contains(&name) && e.gid != gid && !additional_gids.contains(&e.gid) {
                    additional_gids.push(e.gid);
                }
            }
        }
    }
    Ok(ResolvedUser {
        uid,
        gid,
        additional_gids,
    })
}

/// The process environment: Docker's `PATH`, `HOSTNAME` and (with a TTY) `TERM=xterm`,
/// replaced or extended by the container's `Config.Env`.
pub fn process_env(record: &ContainerRecord) -> Vec<String> {
    let mut env = vec![
        format!("PATH={DEFAULT_PATH}"),
        format!("HOSTNAME={}", record.config.hostname),
    ];
    if record.config.tty {
        env.push("TERM=xterm".to_string());
    }
    for entry in &record.config.env {
        let key = entry.split('=').next().unwrap_or(entry);
        match env.iter().position(|e| e.split('=').next() == Some(key)) {
            Some(i) => env[i] = entry.clone(),
            None => env.push(entry.clone()),
        }
    }
    env
}

fn mount(
    destination: &str,
    kind: &str,
    source: &str,
    options: &[&str],
) -> Result<Mount, ContainerError> {
    MountBuilder::default()
        .destination(destination)
        .typ(kind)
        .source(source)
        .options(options.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .build()
        .map_err(spec_error)
}

fn spec_error(e: impl std::fmt::Display) -> ContainerError {
    ContainerError::Spec(e.to_string())
}

/// The filesystems every container gets (moby's default mounts, Docker's `/dev/shm`).
pub fn default_mounts(shm_size: i64) -> Result<Vec<Mount>, ContainerError> {
    let shm = format!("size={shm_size}");
    Ok(vec![
        mount("/proc", "proc", "proc", &["nosuid", "noexec", "nodev"])?,
        mount(
            "/dev",
            "tmpfs",
            "tmpfs",
            &["nosuid", "strictatime", "mode=755", "size=65536k"],
        )?,
        mount(
            "/dev/pts",
            "devpts",
            "devpts",
            &[
                "nosuid",
                "noexec",
                "newinstance",
                "ptmxmode=0666",
                "mode=0620",
                "gid=5",
            ],
        )?,
        mount(
            "/sys",
            "sysfs",
            "sysfs",
            &["nosuid", "noexec", "nodev", "ro"],
        )?,
        mount(
            "/sys/fs/cgroup",
            "cgroup",
            "cgroup",
            &["ro", "nosuid", "noexec", "nodev"],
        )?,
        mount(
            "/dev/mqueue",
            "mqueue",
            "mqueue",
            &["nosuid", "noexec", "nodev"],
        )?,
        mount(
            "/dev/shm",
            "tmpfs",
            "shm",
            &["nosuid", "noexec", "nodev", "mode=1777", &shm],
        )?,
    ])
}

/// The device cgroup rules: deny everything, then allow `mknod` of any device node and use
/// of the standard ones (null, zero, full, random, urandom, tty, console, ptmx, pts, tun).
fn device_rules() -> Result<Vec<LinuxDeviceCgroup>, ContainerError> {
    let rule = |allow: bool,
                typ: Option<LinuxDeviceType>,
                major: Option<i64>,
                minor: Option<i64>,
                access: &str| {
        let mut b = LinuxDeviceCgroupBuilder::default()
            .allow(allow)
            .access(access);
        if let Some(t) = typ {
            b = b.typ(t);
        }
        if let Some(m) = major {
            b = b.major(m);
        }
        if let Some(m) = minor {
            b = b.minor(m);
        }
        b.build().map_err(spec_error)
    };
    let c = Some(LinuxDeviceType::C);
    Ok(vec![
        rule(false, None, None, None, "rwm")?,
        rule(true, c, None, None, "m")?,
        rule(true, Some(LinuxDeviceType::B), None, None, "m")?,
        rule(true, c, Some(1), Some(3), "rwm")?,
        rule(true, c, Some(1), Some(5), "rwm")?,
        rule(true, c, Some(1), Some(7), "rwm")?,
        rule(true, c, Some(1), Some(8), "rwm")?,
        rule(true, c, Some(1), Some(9), "rwm")?,
        rule(true, c, Some(5), Some(0), "rwm")?,
        rule(true, c, Some(5), Some(1), "rwm")?,
        rule(true, c, Some(5), Some(2), "rwm")?,
        rule(true, c, Some(136), None, "rwm")?,
        rule(true, c, Some(10), Some(200), "rwm")?,
    ])
}

/// Everything spec generation needs besides the record.
#[derive(Debug, Clone)]
pub struct SpecInput<'a> {
    pub record: &'a ContainerRecord,
    /// The container directory (holds `rootfs/`).
    pub container_dir: &'a Path,
    pub host: &'a HostFacts,
    pub user: ResolvedUser,
    /// The file the container's own network namespace is joined from (made and plumbed by
    /// the supervisor before the create); `None` lets libcontainer make a new one.
    pub netns_file: Option<&'a Path>,
}

/// The cgroup every container lives in, below the hierarchy root(s).
pub fn cgroup_path(id: &str) -> String {
    format!("/dockerlings/{id}")
}

/// Generates the OCI runtime spec for a container.
pub fn generate(input: &SpecInput<'_>) -> Result<Spec, ContainerError> {
    let record = input.record;
    let hc = &record.host_config;
    let caps: HashSet<Capability> = DEFAULT_CAPABILITIES.iter().copied().collect();
    let capabilities = LinuxCapabilitiesBuilder::default()
        .bounding(caps.clone())
        .effective(caps.clone())
        .permitted(caps)
        // Set explicitly: the builder would fill unset sets with oci-spec's defaults.
        // Docker grants no inheritable or ambient capabilities (CVE-2022-24769).
        .inheritable(HashSet::new())
        .ambient(HashSet::new())
        .build()
        .map_err(spec_error)?;
    let nofile = DEFAULT_NOFILE.min(input.host.nofile_hard);
    let rlimit = PosixRlimitBuilder::default()
        .typ(PosixRlimitType::RlimitNofile)
        .soft(nofile)
        .hard(nofile)
        .build()
        .map_err(spec_error)?;
    let mut user = UserBuilder::default()
        .uid(input.user.uid)
        .gid(input.user.gid);
    if !input.user.additional_gids.is_empty() {
        user = user.additional_gids(input.user.additional_gids.clone());
    }
    let mut args = vec![record.path.clone()];
    args.extend(record.args.iter().cloned());
    let cwd = if record.config.working_dir.is_empty() {
        "/".to_string()
    } else {
        record.config.working_dir.clone()
    };
    let process = ProcessBuilder::default()
        .terminal(record.config.tty)
        .user(user.build().map_err(spec_error)?)
        .args(args)
        .env(process_env(record))
        .cwd(cwd)
        .capabilities(capabilities)
        .rlimits(vec![rlimit])
        // The seccomp filter is installed after capabilities are dropped, which the kernel
        // allows only with no_new_privs: confined containers always run with it.
        .no_new_privileges(
            seccomp_profile(hc) == "default"
                || hc.security_opt.iter().flatten().any(|o| {
                    o == "no-new-privileges"
                        || o == "no-new-privileges:true"
                        || o == "no-new-privileges=true"
                }),
        )
        .oom_score_adj(hc.oom_score_adj as i32)
        .build()
        .map_err(spec_error)?;

    let root = RootBuilder::default()
        .path(input.container_dir.join("rootfs"))
        .readonly(hc.readonly_rootfs)
        .build()
        .map_err(spec_error)?;

    let mut mounts = default_mounts(hc.shm_size)?;
    for (dest, source) in [
        ("/etc/resolv.conf", &record.resolv_conf_path),
        ("/etc/hostname", &record.hostname_path),
        ("/etc/hosts", &record.hosts_path),
    ] {
        if !source.is_empty() {
            mounts.push(mount(dest, "bind", source, &["rbind", "rprivate"])?);
        }
    }
    let mut user_mounts: Vec<_> = record.mounts.iter().collect();
    // Parents before children (moby sorts mounts by the depth of their destination).
    user_mounts.sort_by_key(|m| m.destination.split('/').filter(|p| !p.is_empty()).count());
    for m in user_mounts {
        let mut options = vec!["rbind"];
        if !m.rw {
            options.push("ro");
        }
        options.push(if m.propagation.is_empty() {
            "rprivate"
        } else {
            m.propagation.as_str()
        });
        mounts.push(mount(&m.destination, "bind", &m.source, &options)?);
    }

    let mut namespaces = Vec::new();
    let mut kinds = vec![
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Mount,
        LinuxNamespaceType::Uts,
        LinuxNamespaceType::Ipc,
    ];
    let own_network = hc.network_mode != "host";
    if own_network {
        kinds.push(LinuxNamespaceType::Network);
    }
    if hc.cgroupns_mode == "private" {
        kinds.push(LinuxNamespaceType::Cgroup);
    }
    for kind in kinds {
        let mut ns = LinuxNamespaceBuilder::default().typ(kind);
        if let Some(file) = input
            .netns_file
            .filter(|_| kind == LinuxNamespaceType::Network)
        {
            ns = ns.path(file.to_path_buf());
        }
        namespaces.push(ns.build().map_err(spec_error)?);
    }

    let mut resources = LinuxResourcesBuilder::default().devices(device_rules()?);
    if hc.memory > 0 {
        let mut memory = LinuxMemoryBuilder::default().limit(hc.memory);
        if input.host.swap_limit && hc.memory_swap != 0 {
            memory = memory.swap(hc.memory_swap);
        }
        resources = resources.memory(memory.build().map_err(spec_error)?);
    }
    if hc.nano_cpus > 0 || hc.cpu_shares > 0 {
        let mut cpu = LinuxCpuBuilder::default();
        if hc.cpu_shares > 0 {
            cpu = cpu.shares(hc.cpu_shares as u64);
        }
        if hc.nano_cpus > 0 {
            cpu = cpu
                .period(CPU_PERIOD)
                .quota(hc.nano_cpus * CPU_PERIOD as i64 / 1_000_000_000);
        }
        resources = resources.cpu(cpu.build().map_err(spec_error)?);
    }

    let mut sysctl = HashMap::new();
    if own_network {
        // Docker's defaults for a container with its own network namespace: any port may be
        // bound without CAP_NET_BIND_SERVICE, and unprivileged ICMP sockets work (ping).
        sysctl.insert(
            "net.ipv4.ip_unprivileged_port_start".to_string(),
            "0".to_string(),
        );
        sysctl.insert(
            "net.ipv4.ping_group_range".to_string(),
            "0 2147483647".to_string(),
        );
    }
    let linux = LinuxBuilder::default()
        .cgroups_path(PathBuf::from(cgroup_path(&record.id)))
        .namespaces(namespaces)
        .resources(resources.build().map_err(spec_error)?)
        .masked_paths(hc.masked_paths.clone())
        .readonly_paths(readonly_paths(hc, input.host))
        .sysctl(sysctl)
        .build()
        .map_err(spec_error)?;

    let mut spec = SpecBuilder::default()
        .version("1.0.2-dev")
        .process(process)
        .root(root)
        .hostname(record.config.hostname.clone())
        .mounts(mounts)
        .linux(linux);
    if !record.config.domainname.is_empty() {
        spec = spec.domainname(record.config.domainname.clone());
    }
    let annotations = HashMap::from([(
        crate::shim::seccomp::ANNOTATION.to_string(),
        seccomp_profile(hc).to_string(),
    )]);
    spec.annotations(annotations).build().map_err(spec_error)
}

/// Docker's read-only paths, and on a cgroup v1 host the container's cgroup view: its
/// mount is read-only in the spec, but libcontainer binds each v1 hierarchy read-write
/// whatever the options say, which would let a container lift its own memory and pids
/// limits. Read-only paths are applied after every mount, each one's top mount only, so
/// `/sys/fs/cgroup` and each hierarchy below it are listed.
fn readonly_paths(hc: &HostConfig, host: &HostFacts) -> Vec<String> {
    let mut paths = hc.readonly_paths.clone();
    if !host.cgroup_v2 && !host.cgroup_v1_hierarchies.is_empty() {
        paths.push("/sys/fs/cgroup".to_string());
        paths.extend(
            host.cgroup_v1_hierarchies
                .iter()
                .map(|name| format!("/sys/fs/cgroup/{name}")),
        );
    }
    paths
}

/// Which seccomp profile the container runs under: Docker's `default`, or `unconfined` for
/// `--security-opt seccomp=unconfined`.
pub fn seccomp_profile(hc: &HostConfig) -> &'static str {
    // `--privileged` is recorded but not granted (see CreateOptions), so it stays confined.
    let unconfined = hc
        .security_opt
        .iter()
        .flatten()
        .any(|o| o == "seccomp=unconfined" || o == "seccomp:unconfined");
    if unconfined {
        "unconfined"
    } else {
        "default"
    }
}

/// Writes `spec` to `<staging dir>/bundle/config.json` of a container being created (the
/// store syncs the directory and renames it into place whole).
pub fn write(spec: &Spec, staging_dir: &Path) -> Result<PathBuf, ContainerError> {
    save(spec, staging_dir, crate::fsutil::write_new)
}

/// Replaces `<container dir>/bundle/config.json` of an existing container, atomically.
pub fn rewrite(spec: &Spec, container_dir: &Path) -> Result<PathBuf, ContainerError> {
    save(spec, container_dir, crate::fsutil::atomic_write)
}

fn save(
    spec: &Spec,
    dir: &Path,
    put: fn(&Path, &[u8]) -> std::io::Result<()>,
) -> Result<PathBuf, ContainerError> {
    let path = dir.join("bundle").join("config.json");
    let bytes = serde_json::to_vec_pretty(spec).map_err(spec_error)?;
    put(&path, &bytes).map_err(|e| ContainerError::io(format!("write {}", path.display()), e))?;
    Ok(path)
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
