//! `diamol-web`: the web app of `diamol/ch02-hello-diamol-web` — an Apache-style server on
//! port 80 (the original image is `diamol/apache` plus a page), serving
//! `/usr/local/apache2/htdocs`. When the image carries no index page there, it serves its
//! own chapter 2 greeting.

use std::ffi::OsString;

use crate::web::server::BuiltinPage;

const PAGE: &str = "<!DOCTYPE html>
<html>
  <head>
    <title>Hello from Chapter 2</title>
  </head>
  <body style=\"font-family: sans-serif; background-color: #f4f1ea\">
    <h1>Hello from Chapter 2!</h1>
    <p>This page comes from a container: a web server running in
       <code>diamol/ch02-hello-diamol-web</code>, reached through the port you published.</p>
    <p>(Served by the dockerlings lab build of the image.)</p>
  </body>
</html>
";

pub fn main(args: Vec<OsString>) -> i32 {
    let mut with = vec![OsString::from("httpd"), OsString::from("-DFOREGROUND")];
    with.extend(args.into_iter().skip(1));
    crate::web::httpd::serve(
        with,
        Some(BuiltinPage {
            html: PAGE.to_string(),
        }),
    )
}
