//! Networks: the records (`model`), and — inside one network namespace the engine owns, the
//! "lab host" — the bridges, veths and addresses that make them real. See design.md,
//! "Networks".

pub mod dns;
pub mod endpoints;
mod engine_api;
mod error;
pub mod inspect;
pub mod ipam;
pub mod labhost;
pub mod link;
pub mod mac;
pub mod model;
pub mod netns;
pub mod plumbing;
pub mod ports;
pub mod prepared;
pub mod proxy;
pub mod store;

pub use engine_api::{NetworkCreateRequest, NetworkSummary};
pub use error::{conflict, NetworkError};
pub use model::{Endpoint, IpamPool, NetworkRecord};
