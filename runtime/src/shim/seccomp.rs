//! Docker's default seccomp profile, compiled to BPF and installed in the container's init
//! process right before it executes the container's program.
//!
//! Why here and not in libcontainer: libcontainer applies `linux.seccomp` only when built with
//! libseccomp, a C library a fresh Debian/Ubuntu lacks. `seccompiler` (rust-vmm, pure Rust)
//! compiles the same rules instead, so the build needs nothing but a C toolchain. The filter is
//! installed after capabilities are dropped, which the kernel allows because the init process
//! runs with `no_new_privs` (set by libcontainer from the spec; seccompiler sets it again).
//!
//! Two filters are stacked: the allow-list (everything else: `EPERM`, as Docker), then one that
//! answers `clone3` with `ENOSYS`. When several filters give the same kind of answer the most
//! recently installed one wins, so `clone3` gets `ENOSYS` and C libraries fall back to `clone`.

use std::collections::BTreeMap;
use std::str::FromStr;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

use super::seccomp_profile::{
    AF_VSOCK, ALLOWED, CLONE_NAMESPACE_FLAGS, ENOSYS_INSTEAD, PERSONALITIES,
};

/// The spec annotation that says which profile the init process installs: `default`
/// (Docker's), or `unconfined` (`--security-opt seccomp=unconfined`, `--privileged`).
pub const ANNOTATION: &str = "org.dockerlings.seccomp";

/// Why the profile could not be built or installed.
#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    #[error("seccomp is not supported on {0}")]
    Architecture(String),
    #[error("building the seccomp filter: {0}")]
    Build(String),
    #[error("installing the seccomp filter: {0}")]
    Install(String),
}

/// The host's number for a system call name, `None` when it is not one on this architecture.
fn number(name: &str) -> Option<i64> {
    syscalls::Sysno::from_str(name)
        .ok()
        .map(|s| i64::from(s.id()))
}

fn arch() -> Result<TargetArch, SeccompError> {
    TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|_| SeccompError::Architecture(std::env::consts::ARCH.to_string()))
}

fn condition(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, SeccompError> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Qword, op, value)
        .map_err(|e| SeccompError::Build(e.to_string()))
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, SeccompError> {
    SeccompRule::new(conditions).map_err(|e| SeccompError::Build(e.to_string()))
}

/// The rules of the allow-list filter: system call number → the argument patterns it is
/// allowed with (an empty list: any arguments).
fn allow_rules() -> Result<BTreeMap<i64, Vec<SeccompRule>>, SeccompError> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = ALLOWED
        .iter()
        .filter_map(|name| number(name))
        .map(|nr| (nr, Vec::new()))
        .collect();
    if let Some(nr) = number("personality") {
        let personas = PERSONALITIES
            .iter()
            .map(|&p| rule(vec![condition(0, SeccompCmpOp::Eq, p)?]))
            .collect::<Result<Vec<_>, _>>()?;
        rules.insert(nr, personas);
    }
    if let Some(nr) = number("clone") {
        // On s390x the flags are the second argument; everywhere this runs they are the first.
        let flags = condition(0, SeccompCmpOp::MaskedEq(CLONE_NAMESPACE_FLAGS), 0)?;
        rules.insert(nr, vec![rule(vec![flags])?]);
    }
    if let Some(nr) = number("socket") {
        let family = condition(0, SeccompCmpOp::Ne, AF_VSOCK)?;
        rules.insert(nr, vec![rule(vec![family])?]);
    }
    Ok(rules)
}

fn compile(
    rules: BTreeMap<i64, Vec<SeccompRule>>,
    mismatch: SeccompAction,
    matched: SeccompAction,
) -> Result<BpfProgram, SeccompError> {
    let filter = SeccompFilter::new(rules, mismatch, matched, arch()?)
        .map_err(|e| SeccompError::Build(e.to_string()))?;
    BpfProgram::try_from(filter).map_err(|e| SeccompError::Build(e.to_string()))
}

/// Docker's default profile as BPF programs, in installation order.
pub fn default_profile() -> Result<Vec<BpfProgram>, SeccompError> {
    let allow_list = compile(
        allow_rules()?,
        SeccompAction::Errno(libc::EPERM as u32),
        SeccompAction::Allow,
    )?;
    let enosys: BTreeMap<i64, Vec<SeccompRule>> = ENOSYS_INSTEAD
        .iter()
        .filter_map(|name| number(name))
        .map(|nr| (nr, Vec::new()))
        .collect();
    let mut programs = vec![allow_list];
    if !enosys.is_empty() {
        programs.push(compile(
            enosys,
            SeccompAction::Allow,
            SeccompAction::Errno(libc::ENOSYS as u32),
        )?);
    }
    Ok(programs)
}

/// Installs Docker's default profile on the calling process. Everything it does after this
/// must be allowed by the profile (`execve` is).
pub fn install_default() -> Result<(), SeccompError> {
    for program in default_profile()? {
        seccompiler::apply_filter(&program).map_err(|e| SeccompError::Install(e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_compiles_for_this_host() {
        let programs = default_profile().unwrap();
        assert_eq!(programs.len(), 2);
        // A few hundred allowed calls make a program of several hundred instructions, well
        // under the kernel's 4096 limit.
        assert!(programs[0].len() > 300, "{}", programs[0].len());
        assert!(programs[0].len() < 4096, "{}", programs[0].len());
    }

    #[test]
    fn privileged_calls_are_left_out() {
        let rules = allow_rules().unwrap();
        for name in [
            "mount",
            "umount2",
            "unshare",
            "setns",
            "pivot_root",
            "init_module",
            "finit_module",
            "delete_module",
            "reboot",
            "kexec_load",
            "keyctl",
            "add_key",
            "request_key",
            "sethostname",
            "setdomainname",
            "swapon",
            "bpf",
            "io_uring_setup",
            "userfaultfd",
            "open_by_handle_at",
            "clock_settime",
            "acct",
        ] {
            if let Some(nr) = number(name) {
                assert!(!rules.contains_key(&nr), "{name} must not be allowed");
            }
        }
        for name in ["read", "execve", "clone", "socket", "personality", "chroot"] {
            assert!(rules.contains_key(&number(name).unwrap()), "{name}");
        }
    }

    /// Every name in the profile is a system call on some architecture the profile covers,
    /// so a typo cannot silently drop a call.
    #[test]
    fn every_name_is_a_real_system_call() {
        use syscalls::{aarch64, arm, mips, powerpc, riscv64, s390x, x86, x86_64};
        let unknown: Vec<&str> = ALLOWED
            .iter()
            .chain(ENOSYS_INSTEAD)
            .copied()
            .filter(|name| {
                x86_64::Sysno::from_str(name).is_err()
                    && x86::Sysno::from_str(name).is_err()
                    && aarch64::Sysno::from_str(name).is_err()
                    && arm::Sysno::from_str(name).is_err()
                    && riscv64::Sysno::from_str(name).is_err()
                    && s390x::Sysno::from_str(name).is_err()
                    && powerpc::Sysno::from_str(name).is_err()
                    && mips::Sysno::from_str(name).is_err()
            })
            .collect();
        assert!(unknown.is_empty(), "not system calls anywhere: {unknown:?}");
    }
}
