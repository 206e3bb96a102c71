//! Process and system applets, read from `/proc` the way procps and busybox do.

pub mod cal;
pub mod clear;
pub mod free;
pub mod hostname;
pub mod procfs;
pub mod ps;
pub mod top;
pub mod uptime;
