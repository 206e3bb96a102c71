//! The container's root filesystem: an overlayfs of its image's layers (read-only lower
//! dirs, top layer first) and its own `upper/` and `work/` directories.

use std::path::{Path, PathBuf};

use nix::mount::{mount, umount2, MntFlags, MsFlags};

use super::ShimError;

/// Mounts the overlay at `target`.
pub fn mount_overlay(
    lower: &[PathBuf],
    upper: &Path,
    work: &Path,
    target: &Path,
) -> Result<(), ShimError> {
    mount_with(lower, upper, work, target, "")
}

/// Mounts the overlay of a container whose upper layer is thrown away when it ends (`--rm`)
/// with overlayfs's `volatile` option (Linux 5.10): its upper layer is never synced to disk,
/// not even at unmount, where a normal overlay syncs the whole filesystem below it — on a
/// busy disk most of a short container's teardown. Podman mounts `--rm` containers the same
/// way. A kernel without the option gets a normal mount.
pub fn mount_volatile_overlay(
    lower: &[PathBuf],
    upper: &Path,
    work: &Path,
    target: &Path,
) -> Result<(), ShimError> {
    // A volatile mount leaves `work/work/incompat/volatile` behind until the work dir is
    // reused, and overlayfs refuses that work dir while it is there (the upper layer may be
    // incomplete after a crash, which does not matter for a layer about to be deleted).
    let _ = std::fs::remove_dir_all(work.join("work").join("incompat"));
    match mount_with(lower, upper, work, target, ",volatile") {
        Err(ShimError::Io { source, .. }) if source.raw_os_error() == Some(nix::libc::EINVAL) => {
            mount_with(lower, upper, work, target, "")
        }
        other => other,
    }
}

fn mount_with(
    lower: &[PathBuf],
    upper: &Path,
    work: &Path,
    target: &Path,
    extra_options: &str,
) -> Result<(), ShimError> {
    for dir in [upper, work, target] {
        std::fs::create_dir_all(dir)
            .map_err(|e| ShimError::io(format!("create {}", dir.display()), e))?;
    }
    if lower.is_empty() {
        return Err(ShimError::Start("image has no layers".to_string()));
    }
    let lowerdir: Vec<String> = lower.iter().map(|p| p.display().to_string()).collect();
    let options = format!(
        "lowerdir={},upperdir={},workdir={}{extra_options}",
        lowerdir.join(":"),
        upper.display(),
        work.display()
    );
    mount(
        Some("overlay"),
        target,
        Some("overlay"),
        MsFlags::empty(),
        Some(options.as_str()),
    )
    .map_err(|e| ShimError::io(format!("mount overlay on {}", target.display()), e.into()))
}

/// Unmounts `target` (lazily, so a process that still has it open cannot keep it busy).
pub fn unmount(target: &Path) {
    let _ = umount2(target, MntFlags::MNT_DETACH);
}

/// Whether a mount in this process's mount namespace has a mount point at or below `path`.
pub fn mounted_below(path: &Path) -> bool {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let wanted = path.display().to_string();
    text.lines()
        .filter_map(|l| l.split(' ').nth(4))
        .any(|mount_point| mount_point.starts_with(&wanted))
}
