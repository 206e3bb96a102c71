//! The built-in offline catalogue: the images the course uses, built by dockerlings itself
//! from its toolbox, reproducibly (same build → same digests on every machine).

/// Why a built-in image could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("catalogue: {0}")]
    Invalid(String),
}
