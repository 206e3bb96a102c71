//! Integration tests of the `dockerlings` binary: its own command line, and the image
//! workflows of the course run through a real shell, pipes and all.

mod dev_check;
mod greet;
mod images_workflow;
mod labs;
mod privilege;
mod reference;
mod support;
