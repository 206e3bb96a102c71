//! `clear`: home the cursor, erase the screen and the scroll-back (as ncurses' clear does
//! for xterm-like terminals).

use std::ffi::OsString;
use std::io::Write;

pub fn main(_args: Vec<OsString>) -> i32 {
    let mut out = std::io::stdout();
    let _ = out.write_all(b"\x1b[H\x1b[2J\x1b[3J");
    let _ = out.flush();
    0
}
