//! `docker export`: a tar of a container's flattened filesystem (`GET /containers/{id}/export`).
//!
//! The archive is made from the container's own overlay (image layers + writable layer),
//! mounted on demand in a private mount namespace (see [`super::copy`]), so it holds what
//! the container's files are — merged, without whiteouts — and none of the mounts a
//! running container has on top (`/proc`, `/sys`, `/dev`, volumes).

use std::io::Write;

use super::ContainerError;
use crate::{Engine, Result};

impl Engine {
    /// Writes the tar of a container's filesystem to `out`.
    pub fn container_export(&self, reference: &str, out: &mut dyn Write) -> Result<()> {
        let (record, _state) = self.container(reference)?;
        let root = self.container_overlay(&record)?;
        root.archive_contents("/", out)
            .map_err(|e| ContainerError::io("export container filesystem", e))?;
        Ok(())
    }
}
