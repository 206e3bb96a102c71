//! The toolbox executable embedded in this build: a static multi-call program that the
//! built-in images carry as their `sh`, `ls`, `nginx`, … (see `runtime/toolbox/`).

/// The bytes of the static toolbox executable, built by `build.rs` for this target.
pub static TOOLBOX: &[u8] = include_bytes!(env!("DOCKERLINGS_TOOLBOX_PATH"));
