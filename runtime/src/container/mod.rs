//! Containers: the Docker-level record (what `docker create` asked for), the OCI bundle the
//! runtime executes, and the runtime state the supervisor keeps current.
//!
//! On disk, one directory per container: `$DOCKERLINGS_ROOT/containers/<64-hex id>/`
//! - `container.json` — the Docker-level record (name, image, config, host config, created);
//!   written by the engine on create/rename/update, atomically.
//! - `bundle/config.json` — the OCI runtime spec generated from the image config and the
//!   run flags (`oci-spec`), shown by x-ray.
//! - `state.json` — [`state::RuntimeState`]: status, pids, start/finish times, exit code;
//!   written atomically by whoever changes it, under the container's lock (`lock`).
//! - `<id>-json.log` — the json-file log (`{"log":…,"stream":…,"time":…}` per line).
//! - `rootfs/` — mount point of the overlay (lower = image layers, upper/work below).
//! - `upper/`, `work/` — the container's own writable layer.
//! Runtime files (sockets, pid files) live in `$DOCKERLINGS_RUN/containers/<id>/`.

pub mod state;
