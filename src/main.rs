//! dockerlings: learn Docker by doing.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    dockerlings::cli::main()
}
