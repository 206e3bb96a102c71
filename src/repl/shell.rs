//! Running what the learner types: `/bin/sh -c <line>` with a private bin directory first on
//! `PATH`, where `docker` is a two-line script that runs dockerlings' own front-end. So
//! `docker stop $(docker ps -q)`, pipes, `grep` and `curl` work as in the course, and a real
//! `docker` elsewhere on the machine is never shadowed outside the lab.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

/// Makes (or refreshes) `<data dir>/bin/docker` pointing at this executable; returns the dir.
pub fn lab_bin_dir(data_dir: &Path) -> anyhow::Result<PathBuf> {
    let dir = data_dir.join("bin");
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    let exe = std::env::current_exe().context("find the dockerlings executable")?;
    let script = format!(
        "#!/bin/sh\n# dockerlings' lab: `docker` runs on dockerlings' embedded engine.\nexec '{}' docker \"$@\"\n",
        exe.display().to_string().replace('\'', "'\\''")
    );
    let path = dir.join("docker");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(script.as_str()) {
        dockerlings_runtime::fsutil::atomic_write(&path, script.as_bytes())
            .with_context(|| format!("write {}", path.display()))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    for owned in [data_dir, &dir, &path] {
        crate::home::hand_back(owned);
    }
    Ok(dir)
}

/// `PATH` with the lab's bin dir first.
pub fn lab_path(bin_dir: &Path) -> String {
    let rest = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_string());
    format!("{}:{rest}", bin_dir.display())
}

/// Runs one line in `/bin/sh -c` on the REPL's terminal; returns its exit code.
pub fn run_line(line: &str, bin_dir: &Path) -> anyhow::Result<i32> {
    let status = sh(line, bin_dir).status().context("run /bin/sh")?;
    Ok(status.code().unwrap_or(128 + 2))
}

/// Runs one line like [`run_line`], its output discarded (a lab's setup).
pub fn run_quiet(line: &str, bin_dir: &Path) -> anyhow::Result<i32> {
    let status = sh(line, bin_dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .context("run /bin/sh")?;
    Ok(status.code().unwrap_or(128 + 2))
}

/// Runs one line and returns what it printed on stdout (`answer $(…)`).
pub fn capture(line: &str, bin_dir: &Path) -> anyhow::Result<String> {
    let out = sh(line, bin_dir)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("run /bin/sh")?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn sh(line: &str, bin_dir: &Path) -> Command {
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(line)
        .env("PATH", lab_path(bin_dir))
        // The docker script's re-runs are already root: no second sudo question.
        .env("DOCKERLINGS_ELEVATED", "1");
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lab_docker_runs_this_program() {
        let dir = tempfile::tempdir().unwrap();
        let bin = lab_bin_dir(dir.path()).unwrap();
        let script = std::fs::read_to_string(bin.join("docker")).unwrap();
        let exe = std::env::current_exe().unwrap();
        assert!(script.contains(&format!("exec '{}' docker \"$@\"", exe.display())));
        let mode = std::fs::metadata(bin.join("docker"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111);
        assert!(lab_path(&bin).starts_with(&format!("{}:", bin.display())));
    }
}
