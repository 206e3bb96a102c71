//! What runs in the container's init process right before the program is executed:
//! finding the program as Docker does (so a missing one fails `create` with exit 127 and a
//! non-executable one with 126, before the container counts as started), installing Docker's
//! default seccomp profile, then `execve`.

use std::ffi::CString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use libcontainer::oci_spec::runtime::Spec;
use libcontainer::workload::{Executor, ExecutorError, ExecutorValidationError};

/// Markers the init process sends back in its error text; the supervisor maps them to
/// Docker's messages and exit codes.
pub const NOT_FOUND: &str = "dockerlings-exec-not-found:";
pub const NOT_EXECUTABLE: &str = "dockerlings-exec-permission:";
pub const IS_DIRECTORY: &str = "dockerlings-exec-directory:";

#[derive(Debug, Clone, Default)]
pub struct ContainerExecutor;

fn args(spec: &Spec) -> Option<&Vec<String>> {
    spec.process()
        .as_ref()?
        .args()
        .as_ref()
        .filter(|a| !a.is_empty())
}

fn path_var(spec: &Spec) -> String {
    spec.process()
        .as_ref()
        .and_then(|p| p.env().as_ref())
        .and_then(|env| env.iter().find_map(|e| e.strip_prefix("PATH=")))
        .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        .to_string()
}

/// Go's `exec.LookPath` as runc uses it: a name with a `/` is taken as is, otherwise the
/// first executable regular file of that name on `PATH`.
pub fn look_path(name: &str, path: &str) -> Result<PathBuf, String> {
    let check = |candidate: &Path| -> Result<(), String> {
        let meta = std::fs::metadata(candidate).map_err(|_| NOT_FOUND.to_string())?;
        if meta.is_dir() {
            return Err(IS_DIRECTORY.to_string());
        }
        if meta.permissions().mode() & 0o111 == 0 {
            return Err(NOT_EXECUTABLE.to_string());
        }
        Ok(())
    };
    if name.contains('/') {
        return check(Path::new(name))
            .map(|_| PathBuf::from(name))
            .map_err(|marker| format!("{marker}{name}"));
    }
    for dir in path.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let candidate = Path::new(dir).join(name);
        if check(&candidate).is_ok() {
            return Ok(candidate);
        }
    }
    Err(format!("{NOT_FOUND}{name}"))
}

/// Whether the spec asks for Docker's default seccomp profile (the annotation is absent
/// only in specs written before profiles existed: those run confined too).
fn confined(spec: &Spec) -> bool {
    spec.annotations()
        .as_ref()
        .and_then(|a| a.get(super::seccomp::ANNOTATION))
        .is_none_or(|profile| profile != "unconfined")
}

impl Executor for ContainerExecutor {
    fn exec(&self, spec: &Spec) -> Result<(), ExecutorError> {
        let args = args(spec).ok_or(ExecutorError::InvalidArg)?;
        let program = look_path(&args[0], &path_var(spec)).map_err(ExecutorError::Other)?;
        let program = CString::new(program.as_os_str().as_encoded_bytes())
            .map_err(|_| ExecutorError::InvalidArg)?;
        let argv: Vec<CString> = args
            .iter()
            .map(|a| CString::new(a.as_bytes()).unwrap_or_default())
            .collect();
        // Last before exec: from here on only what the profile allows may run.
        if confined(spec) {
            super::seccomp::install_default().map_err(|e| ExecutorError::Other(e.to_string()))?;
        }
        // The environment was set from the spec by `setup_envs` before this point.
        let err = nix::unistd::execv(&program, &argv).unwrap_err();
        Err(ExecutorError::Other(format!(
            "exec {}: {err}",
            program.to_string_lossy()
        )))
    }

    fn validate(&self, spec: &Spec) -> Result<(), ExecutorValidationError> {
        let args = args(spec).ok_or_else(|| {
            ExecutorValidationError::ArgValidationError("args must not be empty".to_string())
        })?;
        look_path(&args[0], &path_var(spec))
            .map(|_| ())
            .map_err(ExecutorValidationError::ArgValidationError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_path_classifies_like_runc() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("tool");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let plain = dir.path().join("data");
        std::fs::write(&plain, "x").unwrap();
        let path = format!("/nonexistent:{}", dir.path().display());
        assert_eq!(look_path("tool", &path).unwrap(), exe);
        assert!(look_path("nosuch", &path)
            .unwrap_err()
            .starts_with(NOT_FOUND));
        assert!(look_path("data", &path).unwrap_err().starts_with(NOT_FOUND));
        let direct = look_path(plain.to_str().unwrap(), &path).unwrap_err();
        assert!(direct.starts_with(NOT_EXECUTABLE), "{direct}");
        let d = look_path(dir.path().to_str().unwrap(), &path).unwrap_err();
        assert!(d.starts_with(IS_DIRECTORY), "{d}");
    }
}
