//! Helpers shared by the CLI tests.

use std::process::Command;

/// The dockerlings binary under test, with a scrubbed environment: no colour, English, and
/// a temporary state root so tests never touch /var/lib/dockerlings.
pub fn dockerlings(state: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockerlings"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("LANG", "C.UTF-8")
        .env("DOCKERLINGS_ROOT", state.join("root"))
        .env("DOCKERLINGS_RUN", state.join("run"))
        .env("DOCKERLINGS_HOME", state.join("home"))
        .stdin(std::process::Stdio::null());
    cmd
}

/// True when the tests may use root. Under CI (`CI` set) a missing root is a failure, not a
/// skip; elsewhere the caller skips with the printed reason.
pub fn have_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: needs root, and CI must run it as root"
    );
    eprintln!("skipping {test}: needs root");
    false
}

/// Runs `script` in `sh` inside `dir`, where `docker` is a function calling dockerlings on a
/// state root inside `dir`.
pub fn shell(dir: &std::path::Path, script: &str) -> std::process::Output {
    let program = env!("CARGO_BIN_EXE_dockerlings");
    dockerlings(dir)
        .get_envs()
        .fold(std::process::Command::new("sh"), |mut cmd, (k, v)| {
            if let Some(v) = v {
                cmd.env(k, v);
            }
            cmd
        })
        .arg("-c")
        .arg(format!(
            "docker() {{ '{program}' docker \"$@\"; }}\n{script}"
        ))
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run sh")
}
