//! Stop signals for the servers. A container's main process is PID 1, for which the
//! kernel ignores every signal that has no handler — so the servers must install one to
//! be stoppable by `docker stop` (SIGQUIT for nginx, SIGWINCH for httpd, SIGTERM always).

use std::sync::atomic::{AtomicI32, Ordering};

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};

static RECEIVED: AtomicI32 = AtomicI32::new(0);

extern "C" fn record(sig: i32) {
    RECEIVED.store(sig, Ordering::SeqCst);
}

/// Installs the recording handler for each of `signals`.
pub fn install(signals: &[Signal]) {
    let action = SigAction::new(
        SigHandler::Handler(record),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for s in signals {
        // SAFETY: the handler only stores into an atomic, which is async-signal-safe.
        let _ = unsafe { sigaction(*s, &action) };
    }
}

/// The last stop signal received, if any.
pub fn received() -> Option<Signal> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        n => Signal::try_from(n).ok(),
    }
}
