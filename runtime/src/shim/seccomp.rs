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

use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, SeccompRule, TargetArch};

use super::seccomp_bpf::{self, Check};

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

/// The allow-list: system call number → when it is allowed.
fn allow_checks() -> BTreeMap<u32, Check> {
    let number = |name| number(name).and_then(|nr| u32::try_from(nr).ok());
    let mut checks: BTreeMap<u32, Check> = ALLOWED
        .iter()
        .filter_map(|name| number(name))
        .map(|nr| (nr, Check::Any))
        .collect();
    if let Some(nr) = number("personality") {
        checks.insert(nr, Check::FirstArgIn(PERSONALITIES.to_vec()));
    }
    if let Some(nr) = number("clone") {
        // On s390x the flags are the second argument; everywhere this runs they are the first.
        checks.insert(nr, Check::FirstArgWithout(CLONE_NAMESPACE_FLAGS));
    }
    if let Some(nr) = number("socket") {
        checks.insert(nr, Check::FirstArgNot(AF_VSOCK));
    }
    checks
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

/// The allow-list as a program (see `seccomp_bpf` on why not seccompiler's own).
fn allow_list() -> Result<BpfProgram, SeccompError> {
    let deny = SeccompAction::Errno(libc::EPERM as u32);
    // seccompiler's program for no rules: its architecture check (3 instructions: load,
    // compare, kill), then the answer for every call.
    let empty = compile(BTreeMap::new(), deny.clone(), SeccompAction::Allow)?;
    let prologue = &empty[..empty.len() - 1];
    Ok(seccomp_bpf::allow_list(
        prologue,
        &allow_checks(),
        SeccompAction::Allow.into(),
        deny.into(),
    ))
}

/// Docker's default profile as BPF programs, in installation order.
pub fn default_profile() -> Result<Vec<BpfProgram>, SeccompError> {
    let enosys: BTreeMap<i64, Vec<SeccompRule>> = ENOSYS_INSTEAD
        .iter()
        .filter_map(|name| number(name))
        .map(|nr| (nr, Vec::new()))
        .collect();
    let mut programs = vec![allow_list()?];
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
    use seccompiler::{SeccompCmpArgLen, SeccompCmpOp, SeccompCondition};

    fn condition(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, SeccompError> {
        SeccompCondition::new(arg, SeccompCmpArgLen::Qword, op, value)
            .map_err(|e| SeccompError::Build(e.to_string()))
    }

    fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, SeccompError> {
        SeccompRule::new(conditions).map_err(|e| SeccompError::Build(e.to_string()))
    }

    /// seccompiler's own program for the allow-list: what `allow_list` must answer like.
    fn reference_allow_list() -> BpfProgram {
        let mut rules: BTreeMap<i64, Vec<SeccompRule>> = ALLOWED
            .iter()
            .filter_map(|name| number(name))
            .map(|nr| (nr, Vec::new()))
            .collect();
        let personality = number("personality").unwrap();
        let personas = PERSONALITIES
            .iter()
            .map(|&p| rule(vec![condition(0, SeccompCmpOp::Eq, p).unwrap()]).unwrap())
            .collect();
        rules.insert(personality, personas);
        let flags = condition(0, SeccompCmpOp::MaskedEq(CLONE_NAMESPACE_FLAGS), 0).unwrap();
        rules.insert(number("clone").unwrap(), vec![rule(vec![flags]).unwrap()]);
        let family = condition(0, SeccompCmpOp::Ne, AF_VSOCK).unwrap();
        rules.insert(number("socket").unwrap(), vec![rule(vec![family]).unwrap()]);
        compile(
            rules,
            SeccompAction::Errno(libc::EPERM as u32),
            SeccompAction::Allow,
        )
        .unwrap()
    }

    #[test]
    fn the_short_allow_list_answers_every_call_as_seccompilers_does() {
        use super::super::seccomp_bpf::interpreter::{run, Call};
        let ours = allow_list().unwrap();
        let reference = reference_allow_list();
        assert!(
            ours.len() * 3 < reference.len(),
            "{} vs {}",
            ours.len(),
            reference.len()
        );
        let arch = reference[1].k;
        let mut args: Vec<u64> = vec![
            0,
            1,
            2,
            0x8,
            0x11,
            AF_VSOCK,
            AF_VSOCK | 1 << 32,
            0x0120_0011,
            0x1_0000_0000,
            0xffff_ffff,
            0xffff_ffff_ffff_ffff,
            CLONE_NAMESPACE_FLAGS,
            CLONE_NAMESPACE_FLAGS << 32,
        ];
        args.extend(PERSONALITIES.iter().flat_map(|&p| [p, p | 1 << 32, p ^ 1]));
        args.extend((0..64).map(|bit| 1u64 << bit));
        let numbers = (0..1200).chain([0x4000_0000, 0x4000_0001, 0x7fff_ffff, u32::MAX]);
        for nr in numbers {
            for &arg in &args {
                for arch in [arch, arch ^ 1] {
                    let call = Call {
                        nr,
                        arch,
                        args: [arg, arg, 0, 0, 0, 0],
                    };
                    assert_eq!(
                        run(&ours, &call),
                        run(&reference, &call),
                        "call {nr} with {arg:#x} on arch {arch:#x}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_profile_compiles_for_this_host() {
        let programs = default_profile().unwrap();
        assert_eq!(programs.len(), 2);
        // A few hundred allowed calls, most of them neighbours: a few dozen runs of numbers,
        // a few instructions each (seccompiler's own program has ~800).
        assert!(programs[0].len() > 50, "{}", programs[0].len());
        assert!(programs[0].len() < 300, "{}", programs[0].len());
    }

    #[test]
    fn privileged_calls_are_left_out() {
        let rules = allow_checks();
        let number = |name| number(name).map(|nr| u32::try_from(nr).unwrap());
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
