//! `hello`: what the `hello-world` image runs — a message, in our own words, that says the
//! container ran and what happened to make that so.

use std::ffi::OsString;

pub const MESSAGE: &str = "
Hello from Docker (as run by dockerlings)!
This message shows that your installation appears to be working correctly.

This container came from dockerlings' built-in image catalogue: a lab build of
hello-world, made offline from the dockerlings toolbox. To show you this
message, these steps happened:
 1. The docker client (the command you typed) asked the engine to run a
    container from the \"hello-world\" image.
 2. The engine looked for the image in its local store; if it was not there,
    it took it from dockerlings' built-in catalogue (real Docker would pull it
    from Docker Hub).
 3. The engine created a new container from that image: its own root
    filesystem, process, hostname and network, and started this program in it.
 4. The engine streamed this program's output to the docker client, which
    printed it to your terminal. Then the program exited, and so did the
    container.

To try something more ambitious, run an Ubuntu container with:
 $ docker run -it ubuntu bash

For more examples and ideas, follow the lessons in dockerlings, or visit
 https://docs.docker.com/get-started/
";

pub fn main(_args: Vec<OsString>) -> i32 {
    print!("{MESSAGE}");
    0
}
