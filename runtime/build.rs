//! Builds the toolbox (the program inside the built-in images) as a static executable for
//! the target platform and hands its path to the crate, which embeds it. A static binary
//! runs in an otherwise empty root filesystem, and embedding it makes one dockerlings build
//! produce the same image digests on every machine.
//!
//! Set `DOCKERLINGS_TOOLBOX=/path/to/static/toolbox` to embed a prebuilt one instead.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=DOCKERLINGS_TOOLBOX");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dest = out_dir.join("toolbox");

    if let Some(prebuilt) = env::var_os("DOCKERLINGS_TOOLBOX").filter(|p| !p.is_empty()) {
        println!("cargo:rerun-if-changed={}", Path::new(&prebuilt).display());
        std::fs::copy(&prebuilt, &dest).expect("copy DOCKERLINGS_TOOLBOX");
        println!(
            "cargo:rustc-env=DOCKERLINGS_TOOLBOX_PATH={}",
            dest.display()
        );
        return;
    }

    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let toolbox_dir = manifest_dir.join("toolbox");
    let workspace = manifest_dir.parent().unwrap().to_path_buf();
    // Only paths that exist: cargo re-runs a build script on every build when one is missing.
    for input in [
        toolbox_dir.join("src"),
        toolbox_dir.join("applets.txt"),
        toolbox_dir.join("Cargo.toml"),
        toolbox_dir.join("vendor"),
        workspace.join("Cargo.toml"),
        workspace.join("Cargo.lock"),
    ] {
        println!("cargo:rerun-if-changed={}", input.display());
    }

    let target = env::var("TARGET").unwrap();
    let target_dir = target_root(&out_dir).join("toolbox");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    let mut cmd = Command::new(cargo);
    cmd.current_dir(&workspace)
        .args([
            "build",
            "--profile",
            "toolbox",
            "-p",
            "dockerlings-toolbox",
            "--target",
        ])
        .arg(&target)
        .arg("--target-dir")
        .arg(&target_dir)
        // crt-static links glibc statically on *-linux-gnu (and is the default on musl).
        // Position-dependent: a static-pie toolbox applies 54,000 relocations (1 MB of
        // pointer-holding data) at every start of every `sh`, `ls` or `nginx` in a
        // container; this one maps that data as it is on disk (1.7 ms less CPU and 260
        // fewer page faults per shell). `--target` keeps both flags off build scripts and
        // proc-macros.
        .env(
            "CARGO_ENCODED_RUSTFLAGS",
            "-Ctarget-feature=+crt-static\x1f-Crelocation-model=static",
        );
    for var in [
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("run cargo to build the toolbox");
    assert!(status.success(), "building the static toolbox failed");

    let built = target_dir
        .join(&target)
        .join("toolbox")
        .join("dockerlings-toolbox");
    std::fs::copy(&built, &dest).expect("copy the built toolbox");
    println!(
        "cargo:rustc-env=DOCKERLINGS_TOOLBOX_PATH={}",
        dest.display()
    );
}

/// The `target/` directory of the outer build: the first ancestor of OUT_DIR holding
/// cargo's CACHEDIR.TAG.
fn target_root(out_dir: &Path) -> PathBuf {
    out_dir
        .ancestors()
        .find(|p| p.join("CACHEDIR.TAG").exists())
        .unwrap_or(out_dir)
        .to_path_buf()
}
