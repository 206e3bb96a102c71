//! The lessons (and, later, labs) are embedded with `include_dir!`, which stable Rust cannot
//! make cargo track: rebuild when anything under them changes.

fn main() {
    for dir in ["lessons", "labs"] {
        if std::path::Path::new(dir).exists() {
            println!("cargo:rerun-if-changed={dir}");
        }
    }
}
