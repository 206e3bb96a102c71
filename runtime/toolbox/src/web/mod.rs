//! The web servers: `nginx`, `httpd` (Apache) and the `diamol-web` app. They share one
//! static-file server (`server.rs`); each flavour supplies its configuration reader, its
//! headers, error pages and log lines (`flavor.rs`).

pub mod config;
pub mod flavor;
pub mod httpd;
pub mod mime;
pub mod nginx;
pub mod server;
pub mod signals;
