//! Lifecycle tests on the real runtime (root only): containers started through supervisors,
//! their output, exit codes, stop/kill/pause, restart policies, crash recovery, and that
//! nothing — mount, cgroup, process — is left behind.
//!
//! A `harness = false` target: the test binary doubles as the supervisor executable
//! (`<this binary> __supervise <id>`), so the tests need no app binary.

mod exec;
mod fixture;
mod scenarios;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(dockerlings_runtime::shim::SUBCOMMAND) {
        let code = dockerlings_runtime::shim::supervise(
            dockerlings_runtime::Paths::from_env(),
            &args[2..],
        );
        return ExitCode::from(code as u8);
    }
    let filter: Vec<&String> = args
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !nix::unistd::Uid::effective().is_root() {
        if std::env::var_os("CI").is_some() {
            eprintln!("lifecycle tests need root (CI is set): failing");
            return ExitCode::FAILURE;
        }
        println!("skipping lifecycle tests: they need root (namespaces, mounts, cgroups)");
        println!("0 passed, 0 failed");
        return ExitCode::SUCCESS;
    }
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in scenarios::ALL.iter().chain(exec::ALL) {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        print!("test {name} ... ");
        let _ = std::io::Write::flush(&mut std::io::stdout());
        let result = std::panic::catch_unwind(test);
        match result {
            Ok(()) => {
                println!("ok");
                passed += 1;
            }
            Err(_) => {
                println!("FAILED");
                failed += 1;
            }
        }
    }
    println!(
        "\ntest result: {}. {passed} passed; {failed} failed",
        if failed == 0 { "ok" } else { "FAILED" }
    );
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
