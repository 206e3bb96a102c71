//! Integration tests of the image store through the Engine API, on temporary roots.

mod common;
mod concurrency;
mod crash;
mod fake_registry;
mod import_list;
mod pull;
mod registry;
mod remove_prune;
mod save_load;
