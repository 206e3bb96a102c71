//! Who uses an image: the seam between the image store and containers.
//!
//! `docker rmi` and `image prune` refuse (or need `-f`) when a container uses an image. The
//! container store answers that question through [`ImageUsers`]; until containers exist the
//! engine uses [`NoContainers`].

/// A container that uses an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUser {
    /// The container's full ID (64 hex).
    pub container_id: String,
    pub running: bool,
}

/// Answers "which containers use this image?".
pub trait ImageUsers: Send + Sync + std::fmt::Debug {
    /// The containers created from the image with ID `image_id` (`sha256:…`).
    fn users(&self, image_id: &str) -> Vec<ImageUser>;
}

/// No containers exist (yet).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoContainers;

impl ImageUsers for NoContainers {
    fn users(&self, _image_id: &str) -> Vec<ImageUser> {
        Vec::new()
    }
}
