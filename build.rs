//! The lessons (and, later, labs) are embedded with `include_dir!`, which stable Rust cannot
//! make cargo track: rebuild when anything under them changes.

fn main() {
    // A position-dependent executable: its relocated data (vtables, string tables: some
    // 760 KB) stays clean, file-backed and shared between processes instead of being
    // copied into every process at start — the CLI and each container's supervisor start
    // faster, and running supervisors share those pages. Only the `dockerlings` binary is
    // linked so; the code itself stays position-independent.
    println!("cargo:rustc-link-arg-bins=-no-pie");
    for dir in ["lessons", "labs"] {
        if std::path::Path::new(dir).exists() {
            println!("cargo:rerun-if-changed={dir}");
        }
    }
}
