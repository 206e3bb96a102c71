//! The real [`ImageUsers`]: which containers were created from an image, read from the
//! container store, so `docker rmi` and `image prune` refuse images containers still use.

use std::path::PathBuf;

use super::record::ContainerRecord;
use super::state::{RuntimeState, Status};
use crate::image::users::{ImageUser, ImageUsers};

/// Answers from the records under `$DOCKERLINGS_ROOT/containers` (read without locks:
/// every file there is replaced atomically, so a reader sees a consistent record).
#[derive(Debug, Clone)]
pub struct ContainerImageUsers {
    dir: PathBuf,
}

impl ContainerImageUsers {
    pub fn new(paths: &crate::Paths) -> Self {
        Self {
            dir: super::containers_dir(paths),
        }
    }
}

/// Whether a state counts as "running" for image removal (Docker: running, paused and
/// restarting containers all hold their image).
pub fn holds_image_running(state: &RuntimeState) -> bool {
    matches!(
        state.status,
        Status::Running | Status::Paused | Status::Restarting
    )
}

impl ImageUsers for ContainerImageUsers {
    fn users(&self, image_id: &str) -> Vec<ImageUser> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut users = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !super::id::is_full_id(&name) {
                continue;
            }
            let Ok(record) = ContainerRecord::load(&entry.path()) else {
                continue;
            };
            if record.image != image_id {
                continue;
            }
            let running = std::fs::read(entry.path().join(super::store::STATE_FILE))
                .ok()
                .and_then(|b| serde_json::from_slice::<RuntimeState>(&b).ok())
                .is_some_and(|s| holds_image_running(&s));
            users.push(ImageUser {
                container_id: record.id,
                running,
            });
        }
        // Newest first is what Docker reports; IDs are random, so order by creation.
        users.sort_by(|a, b| a.container_id.cmp(&b.container_id));
        users
    }
}
