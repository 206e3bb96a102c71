//! dockerlings: learn Docker by doing.
#![forbid(unsafe_code)]

fn main() {
    println!("dockerlings {}", dockerlings_runtime::VERSION);
}
