//! `docker save` / `docker load`: the docker-archive tar format.

mod load;
mod save;

pub use load::load;
pub use save::save;
