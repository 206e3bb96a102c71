//! Network clients: `ping`, `curl`, `wget`, and the name resolution they share.

pub mod curl;
pub mod http;
pub mod ping;
pub mod resolve;
pub mod wget;
