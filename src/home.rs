//! The learner's own data directory (progress, REPL history), kept in the learner's home
//! even when dockerlings re-runs itself as root through sudo.

use std::path::PathBuf;

/// Set by dockerlings for the elevated process: the data directory of the user who ran it.
pub const HOME_VAR: &str = "DOCKERLINGS_HOME";

/// `DOCKERLINGS_HOME`, else `$XDG_DATA_HOME/dockerlings`, else `~/.local/share/dockerlings`.
pub fn data_dir() -> PathBuf {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var(HOME_VAR) {
        return dir;
    }
    if let Some(xdg) = var("XDG_DATA_HOME") {
        return xdg.join("dockerlings");
    }
    var("HOME")
        .unwrap_or_else(|| PathBuf::from("/root"))
        .join(".local/share/dockerlings")
}

/// Gives a file or directory of the data directory back to the user who ran dockerlings
/// through sudo (`SUDO_UID`/`SUDO_GID`), so their own later runs (`progress --reset`, an
/// editor) can change it. Nothing happens without sudo; failures are ignored (the file
/// stays usable by root).
pub fn hand_back(path: &std::path::Path) {
    let id = |name: &str| std::env::var(name).ok()?.parse::<u32>().ok();
    let (Some(uid), Some(gid)) = (id("SUDO_UID"), id("SUDO_GID")) else {
        return;
    };
    if !nix::unistd::Uid::effective().is_root() || uid == 0 {
        return;
    }
    let _ = nix::unistd::chown(
        path,
        Some(nix::unistd::Uid::from_raw(uid)),
        Some(nix::unistd::Gid::from_raw(gid)),
    );
}
