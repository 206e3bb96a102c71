//! The programs particular built-in images run: hello-world's `/hello`, and the two
//! `diamol/ch02-*` images of the course's chapter 2.

pub mod diamol_web;
pub mod hello;
pub mod hello_diamol;
