//! Integration tests: run the built toolbox through argv[0] links in a temp directory,
//! as the images do.

mod common;
mod dispatch;
mod net;
mod shell;
mod utils;
mod web;
