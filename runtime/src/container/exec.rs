//! `docker exec`: one more process in a running container's namespaces and cgroup.
//!
//! The engine checks the container's state (Docker's "is not running" / "is paused"
//! errors), prepares the OCI `process.json` of the new process from the container's own
//! process (env + `-e`, cwd or `-w`, user or `-u`, capabilities, no-new-privileges), and
//! starts the exec helper (`__supervise --exec`, see `crate::shim::exec`) with the client's
//! stdio, because libcontainer must run in a single-threaded process. The exit code of the
//! process is the helper's.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use libcontainer::oci_spec::runtime::{Process, Spec, UserBuilder};

use super::state::Status;
use crate::shim::layout::Layout;
use crate::shim::{launch, ShimError, EXEC_FLAG};
use crate::{Engine, Result};

/// `docker exec` options.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    /// The command and its arguments (not empty).
    pub cmd: Vec<String>,
    /// `-e KEY=VALUE` (or `KEY`, taken from the caller's environment as Docker does).
    pub env: Vec<String>,
    /// `-w`.
    pub workdir: Option<String>,
    /// `-u user[:group]` (names or numbers).
    pub user: Option<String>,
    /// `-t`.
    pub tty: bool,
    /// `-i`.
    pub stdin: bool,
    /// `-d`.
    pub detach: bool,
    /// `--privileged`: every capability this host lets us grant.
    pub privileged: bool,
}

/// The client's ends of the exec'd process's stdio (inherited by the helper).
pub struct ExecStdio {
    pub stdin: Stdio,
    pub stdout: Stdio,
    pub stderr: Stdio,
}

impl ExecStdio {
    /// This process's own stdin, stdout and stderr.
    pub fn inherit() -> Self {
        Self {
            stdin: Stdio::inherit(),
            stdout: Stdio::inherit(),
            stderr: Stdio::inherit(),
        }
    }
}

/// Linux capabilities by number (`capability.h`).
const CAPABILITY_NAMES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// The names of the capabilities in a `CapBnd:` mask (hex).
pub fn capability_names(mask: u64) -> Vec<String> {
    CAPABILITY_NAMES
        .iter()
        .enumerate()
        .filter(|(bit, _)| mask & (1u64 << bit) != 0)
        .map(|(_, name)| name.to_string())
        .collect()
}

/// What `--privileged` grants: Docker gives every capability; we give every one in our own
/// bounding set (a capability we lack cannot be granted, and asking would fail the exec).
fn grantable_capabilities() -> Vec<String> {
    let mask = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("CapBnd:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .unwrap_or(0);
    capability_names(mask)
}

/// Merges `KEY=VALUE` entries over `base` (a later key replaces an earlier one in place).
pub fn merge_env(base: &[String], extra: &[String]) -> Vec<String> {
    let mut out: Vec<String> = base.to_vec();
    for entry in extra {
        let entry = if entry.contains('=') {
            entry.clone()
        } else {
            match std::env::var(entry) {
                Ok(v) => format!("{entry}={v}"),
                Err(_) => continue,
            }
        };
        let key = entry.split('=').next().unwrap_or_default();
        match out.iter_mut().find(|e| e.split('=').next() == Some(key)) {
            Some(slot) => *slot = entry,
            None => out.push(entry),
        }
    }
    out
}

/// Looks `name` up in a passwd- or group-style file: field 3 (the id) and field 4.
fn lookup(file: &Path, name: &str) -> Option<(u32, Option<u32>)> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.first() == Some(&name))
            .then(|| {
                Some((
                    f.get(2)?.parse().ok()?,
                    f.get(3).and_then(|g| g.parse().ok()),
                ))
            })
            .flatten()
    })
}

/// Resolves `-u user[:group]` against the container's `/etc/passwd` and `/etc/group`
/// (read through `/proc/<pid>/root`). A number needs no entry, as in Docker.
pub fn resolve_user(root: &Path, spec: &str) -> std::result::Result<(u32, u32), ShimError> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let passwd = root.join("etc/passwd");
    let (uid, mut gid) = match user.parse::<u32>() {
        Ok(uid) => (
            uid,
            std::fs::read_to_string(&passwd)
                .ok()
                .and_then(|t| {
                    t.lines().find_map(|l| {
                        let f: Vec<&str> = l.split(':').collect();
                        (f.get(2) == Some(&user))
                            .then(|| f.get(3)?.parse().ok())
                            .flatten()
                    })
                })
                .unwrap_or(0),
        ),
        Err(_) => match lookup(&passwd, user) {
            Some((uid, gid)) => (uid, gid.unwrap_or(0)),
            None => {
                return Err(ShimError::Exec {
                    code: 126,
                    message: format!(
                        "unable to find user {user}: no matching entries in passwd file"
                    ),
                })
            }
        },
    };
    if let Some(group) = group {
        gid = match group.parse::<u32>() {
            Ok(g) => g,
            Err(_) => match lookup(&root.join("etc/group"), group) {
                Some((g, _)) => g,
                None => {
                    return Err(ShimError::Exec {
                        code: 126,
                        message: format!(
                            "unable to find group {group}: no matching entries in group file"
                        ),
                    })
                }
            },
        };
    }
    Ok((uid, gid))
}

impl Engine {
    /// `POST /containers/{id}/exec` + start: runs `options.cmd` in the running container
    /// and returns its exit code (0 at once with `detach`). Start failures come back as
    /// [`ShimError::Exec`] with Docker's text (127: not found, 126: not executable).
    pub fn container_exec(
        &self,
        reference: &str,
        options: &ExecOptions,
        stdio: ExecStdio,
    ) -> Result<i32> {
        self.container_exec_spawn(reference, options, stdio)?.wait()
    }

    /// [`Engine::container_exec`] without waiting: the helper runs, the caller streams its
    /// pipes and then calls [`ExecChild::wait`].
    pub fn container_exec_spawn(
        &self,
        reference: &str,
        options: &ExecOptions,
        stdio: ExecStdio,
    ) -> Result<ExecChild> {
        let (record, state) = self.container(reference)?;
        match state.status {
            Status::Running => {}
            Status::Paused => return Err(ShimError::ExecPaused(record.id).into()),
            _ => return Err(ShimError::ExecNotRunning(record.id).into()),
        }
        if options.cmd.is_empty() {
            return Err(ShimError::Start("no command specified".to_string()).into());
        }
        let layout = Layout::new(&self.paths, &record.id);
        let spec = Spec::load(layout.bundle().join("config.json"))
            .map_err(|e| ShimError::Start(format!("load runtime spec: {e}")))?;
        let mut process: Process = spec.process().clone().unwrap_or_default();
        let mut env = process.env().clone().unwrap_or_default();
        if options.tty && !env.iter().any(|e| e.starts_with("TERM=")) {
            env.push("TERM=xterm".to_string());
        }
        process
            .set_args(Some(options.cmd.clone()))
            .set_env(Some(merge_env(&env, &options.env)))
            .set_terminal(Some(options.tty))
            .set_console_size(None);
        if let Some(dir) = options.workdir.as_deref().filter(|d| !d.is_empty()) {
            process.set_cwd(PathBuf::from(dir));
        }
        if let Some(user) = options.user.as_deref().filter(|u| !u.is_empty()) {
            let root = PathBuf::from(format!("/proc/{}/root", state.pid));
            let (uid, gid) = resolve_user(&root, user)?;
            let user = UserBuilder::default()
                .uid(uid)
                .gid(gid)
                .build()
                .map_err(|e| ShimError::Start(e.to_string()))?;
            process.set_user(user);
        }
        let exec_id = super::id::generate();
        let dir = layout.run_dir.join("exec");
        std::fs::create_dir_all(&dir).map_err(|e| ShimError::io("create exec dir", e))?;
        let file = dir.join(format!("{exec_id}.json"));
        let mut value = serde_json::to_value(&process)
            .map_err(|e| ShimError::Start(format!("encode exec process: {e}")))?;
        if options.privileged {
            let all = serde_json::Value::from(grantable_capabilities());
            if let Some(caps) = value
                .get_mut("capabilities")
                .and_then(|c| c.as_object_mut())
            {
                for set in ["bounding", "effective", "permitted"] {
                    caps.insert(set.to_string(), all.clone());
                }
            }
        }
        let json = serde_json::to_vec(&value)
            .map_err(|e| ShimError::Start(format!("encode exec process: {e}")))?;
        std::fs::write(&file, json).map_err(|e| ShimError::io("write exec process", e))?;
        match self.spawn_exec_helper(&record.id, &file, options, stdio) {
            Ok(child) => Ok(ExecChild { child, file }),
            Err(e) => {
                let _ = std::fs::remove_file(&file);
                Err(e)
            }
        }
    }

    fn spawn_exec_helper(
        &self,
        id: &str,
        file: &Path,
        options: &ExecOptions,
        stdio: ExecStdio,
    ) -> Result<Child> {
        let helper = launch::supervisor_command()?;
        let mut cmd = Command::new(&helper.program);
        cmd.args(&helper.args)
            .arg(EXEC_FLAG)
            .arg(id)
            .arg(file)
            .env("DOCKERLINGS_ROOT", self.paths.root())
            .env("DOCKERLINGS_RUN", self.paths.run())
            .stdin(stdio.stdin)
            .stdout(stdio.stdout)
            .stderr(stdio.stderr);
        for (on, flag) in [
            (options.tty, "--tty"),
            (options.detach, "--detach"),
            (options.stdin, "--stdin"),
        ] {
            if on {
                cmd.arg(flag);
            }
        }
        Ok(cmd.spawn().map_err(|e| {
            ShimError::io(format!("start exec helper {}", helper.program.display()), e)
        })?)
    }
}

/// A running exec helper.
#[derive(Debug)]
pub struct ExecChild {
    child: Child,
    file: PathBuf,
}

impl ExecChild {
    /// Waits for the exec'd process; its exit code, or the start failure.
    pub fn wait(mut self) -> Result<i32> {
        let status = self
            .child
            .wait()
            .map_err(|e| ShimError::io("wait for exec helper", e))?;
        let error_file = crate::shim::exec_error_file(&self.file);
        let failure = std::fs::read_to_string(&error_file).ok();
        let _ = std::fs::remove_file(&self.file);
        let _ = std::fs::remove_file(&error_file);
        if let Some(text) = failure {
            let (code, message) = text.split_once(' ').unwrap_or(("126", &text));
            let code = code.parse().unwrap_or(126);
            return Err(if code == 126 || code == 127 {
                ShimError::Exec {
                    code,
                    message: message.to_string(),
                }
            } else {
                ShimError::Start(message.to_string())
            }
            .into());
        }
        Ok(status.code().unwrap_or_else(|| {
            128 + std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_masks_name_their_bits() {
        assert_eq!(
            capability_names(0b101),
            ["CAP_CHOWN", "CAP_DAC_READ_SEARCH"]
        );
        assert_eq!(capability_names(1 << 21), ["CAP_SYS_ADMIN"]);
        assert_eq!(capability_names(u64::MAX).len(), CAPABILITY_NAMES.len());
    }

    #[test]
    fn env_merges_by_key() {
        let base = vec!["PATH=/bin".to_string(), "A=1".to_string()];
        let merged = merge_env(&base, &["A=2".to_string(), "B=3".to_string()]);
        assert_eq!(merged, vec!["PATH=/bin", "A=2", "B=3"]);
    }

    #[test]
    fn users_resolve_from_the_container_files() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("etc")).unwrap();
        std::fs::write(
            root.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65533:nobody:/:/bin/false\n",
        )
        .unwrap();
        std::fs::write(root.path().join("etc/group"), "root:x:0:\nstaff:x:50:\n").unwrap();
        assert_eq!(resolve_user(root.path(), "nobody").unwrap(), (65534, 65533));
        assert_eq!(resolve_user(root.path(), "65534").unwrap(), (65534, 65533));
        assert_eq!(resolve_user(root.path(), "1000:staff").unwrap(), (1000, 50));
        assert!(resolve_user(root.path(), "ghost")
            .unwrap_err()
            .to_string()
            .contains("unable to find user ghost"));
    }
}
