//! The allow-list filter as a short BPF program.
//!
//! seccompiler emits one comparison per allowed system call (about 370 of them), so Docker's
//! allow-list becomes a program of ~800 instructions that the kernel converts and JIT-compiles
//! when the container's init installs it (~0.65 ms of every container start and `docker
//! exec` on the project's machine), and that every system call in the container then walks
//! until its number turns up. Most allowed numbers are neighbours, so this module cuts the
//! number line into runs that get the same answer (allowed, denied, or allowed depending on
//! the first argument) and tests each run's upper end in turn: ~60 runs, ~150 instructions.
//!
//! What the program answers is exactly what seccompiler's would: the tests run both through
//! a small BPF interpreter for every system call number and a range of arguments.

use std::collections::BTreeMap;

use seccompiler::{sock_filter, BpfProgram};

/// When one allowed system call is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Check {
    /// Whatever its arguments.
    Any,
    /// When its first argument is one of these values.
    FirstArgIn(Vec<u64>),
    /// When its first argument has none of these bits set.
    FirstArgWithout(u64),
    /// Unless its first argument is this value.
    FirstArgNot(u64),
}

const LD_ABS_W: u16 = 0x20; // BPF_LD (0) | BPF_W (0) | BPF_ABS
const JEQ_K: u16 = 0x05 | 0x10; // BPF_JMP | BPF_JEQ | BPF_K
const JGT_K: u16 = 0x05 | 0x20; // BPF_JMP | BPF_JGT | BPF_K
const JSET_K: u16 = 0x05 | 0x40; // BPF_JMP | BPF_JSET | BPF_K
const RET_K: u16 = 0x06; // BPF_RET | BPF_K

/// Offsets in `struct seccomp_data`: the call's number, then its first argument's halves.
const NR: u32 = 0;
const ARG0: u32 = 16;
#[cfg(target_endian = "little")]
const ARG0_LOW: u32 = ARG0;
#[cfg(target_endian = "little")]
const ARG0_HIGH: u32 = ARG0 + 4;
#[cfg(target_endian = "big")]
const ARG0_LOW: u32 = ARG0 + 4;
#[cfg(target_endian = "big")]
const ARG0_HIGH: u32 = ARG0;

fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: usize, jf: usize) -> sock_filter {
    // Every jump here skips a few instructions of one run's block; none comes near 255.
    sock_filter {
        code,
        jt: u8::try_from(jt).expect("a short forward jump"),
        jf: u8::try_from(jf).expect("a short forward jump"),
        k,
    }
}

fn high(value: u64) -> u32 {
    (value >> 32) as u32
}

fn low(value: u64) -> u32 {
    value as u32
}

/// Loads each half of the first argument and tests it against `value`'s half with `code`;
/// `(jt, jf)` for each test.
fn first_arg(
    code: u16,
    value: u64,
    high_jumps: (usize, usize),
    low_jumps: (usize, usize),
) -> [sock_filter; 4] {
    [
        stmt(LD_ABS_W, ARG0_HIGH),
        jump(code, high(value), high_jumps.0, high_jumps.1),
        stmt(LD_ABS_W, ARG0_LOW),
        jump(code, low(value), low_jumps.0, low_jumps.1),
    ]
}

/// The instructions that answer for one run of numbers; every path ends in a return.
fn block(answer: Answer<'_>, allow: u32, deny: u32) -> Vec<sock_filter> {
    let (allow, deny) = (stmt(RET_K, allow), stmt(RET_K, deny));
    match answer {
        Answer::Allow | Answer::Check(Check::Any) => vec![allow],
        Answer::Deny => vec![deny],
        Answer::Check(Check::FirstArgIn(values)) => {
            // For each value: both halves equal → allow; otherwise try the next value.
            let mut code = Vec::with_capacity(values.len() * 4 + 2);
            for (i, &value) in values.iter().enumerate() {
                let to_allow = (values.len() - i) * 4 - 3;
                code.extend(first_arg(JEQ_K, value, (0, 2), (to_allow, 0)));
            }
            code.extend([deny, allow]);
            code
        }
        // Any of the bits set in either half → deny.
        Answer::Check(Check::FirstArgWithout(mask)) => {
            let mut code = first_arg(JSET_K, *mask, (3, 0), (1, 0)).to_vec();
            code.extend([allow, deny]);
            code
        }
        // Both halves equal → deny.
        Answer::Check(Check::FirstArgNot(value)) => {
            let mut code = first_arg(JEQ_K, *value, (0, 2), (1, 0)).to_vec();
            code.extend([allow, deny]);
            code
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Answer<'a> {
    Allow,
    Deny,
    Check(&'a Check),
}

/// Cuts the numbers 0..=u32::MAX into runs with one answer each: `(last number, answer)`,
/// in ascending order, neighbouring runs of the same plain answer merged.
fn runs(checks: &BTreeMap<u32, Check>) -> Vec<(u32, Answer<'_>)> {
    fn push<'a>(runs: &mut Vec<(u32, Answer<'a>)>, last: u32, answer: Answer<'a>) {
        match (runs.last_mut(), answer) {
            (Some((end, Answer::Allow)), Answer::Allow)
            | (Some((end, Answer::Deny)), Answer::Deny) => *end = last,
            _ => runs.push((last, answer)),
        }
    }
    let mut runs = Vec::new();
    let mut next = 0u32;
    for (&nr, check) in checks {
        if nr > next {
            push(&mut runs, nr - 1, Answer::Deny);
        }
        let answer = match check {
            Check::Any => Answer::Allow,
            other => Answer::Check(other),
        };
        push(&mut runs, nr, answer);
        match nr.checked_add(1) {
            Some(n) => next = n,
            None => return runs,
        }
    }
    push(&mut runs, u32::MAX, Answer::Deny);
    runs
}

/// The allow-list as a program: `prologue` (seccompiler's architecture check) first, then
/// the number's run; `allow` and `deny` are the return values (`SECCOMP_RET_*`).
pub(super) fn allow_list(
    prologue: &[sock_filter],
    checks: &BTreeMap<u32, Check>,
    allow: u32,
    deny: u32,
) -> BpfProgram {
    let runs = runs(checks);
    let mut program = prologue.to_vec();
    program.push(stmt(LD_ABS_W, NR));
    let count = runs.len();
    for (i, (last, answer)) in runs.into_iter().enumerate() {
        let code = block(answer, allow, deny);
        if i + 1 < count {
            // Numbers up to `last` that got here belong to this run; larger ones skip it.
            program.push(jump(JGT_K, last, code.len(), 0));
        }
        program.extend(code);
    }
    program
}

#[cfg(test)]
pub(super) mod interpreter {
    //! Just enough of classic BPF to run seccomp filters in tests.
    use seccompiler::sock_filter;

    /// `struct seccomp_data` for one call.
    pub struct Call {
        pub nr: u32,
        pub arch: u32,
        pub args: [u64; 6],
    }

    impl Call {
        fn word(&self, offset: u32) -> u32 {
            let mut bytes = Vec::with_capacity(64);
            bytes.extend(self.nr.to_ne_bytes());
            bytes.extend(self.arch.to_ne_bytes());
            bytes.extend(0u64.to_ne_bytes());
            for arg in self.args {
                bytes.extend(arg.to_ne_bytes());
            }
            let at = offset as usize;
            u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap())
        }
    }

    /// What the program returns for `call`.
    pub fn run(program: &[sock_filter], call: &Call) -> u32 {
        let (mut a, mut pc) = (0u32, 0usize);
        loop {
            let insn = &program[pc];
            pc += 1;
            let taken = |t: bool| {
                if t {
                    insn.jt as usize
                } else {
                    insn.jf as usize
                }
            };
            match insn.code {
                0x20 => a = call.word(insn.k),        // ld [k]
                0x54 => a &= insn.k,                  // and #k
                0x05 => pc += insn.k as usize,        // ja
                0x15 => pc += taken(a == insn.k),     // jeq #k
                0x25 => pc += taken(a > insn.k),      // jgt #k
                0x35 => pc += taken(a >= insn.k),     // jge #k
                0x45 => pc += taken(a & insn.k != 0), // jset #k
                0x06 => return insn.k,                // ret #k
                code => panic!("instruction {code:#x} is not interpreted"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::interpreter::{run, Call};
    use super::*;

    const ALLOW: u32 = 0x7fff_0000;
    const DENY: u32 = 0x0005_0001;

    fn checks() -> BTreeMap<u32, Check> {
        BTreeMap::from([
            (0, Check::Any),
            (1, Check::Any),
            (2, Check::FirstArgIn(vec![0, 8, 0xffff_ffff, 0x1_0000_0000])),
            (3, Check::Any),
            (7, Check::FirstArgWithout(0x7E02_0000)),
            (8, Check::Any),
            (9, Check::FirstArgNot(40)),
            (10, Check::Any),
            (u32::MAX, Check::Any),
        ])
    }

    fn call(nr: u32, arg: u64) -> Call {
        Call {
            nr,
            arch: 0,
            args: [arg, 0, 0, 0, 0, 0],
        }
    }

    #[test]
    fn neighbours_with_one_answer_share_a_run() {
        let checks = checks();
        let runs: Vec<u32> = runs(&checks).into_iter().map(|(last, _)| last).collect();
        // 0–1 allowed, 2 checked, 3 allowed, 4–6 denied, 7 checked, 8 allowed, 9 checked,
        // 10 allowed, 11–(MAX-1) denied, MAX allowed.
        assert_eq!(runs, [1, 2, 3, 6, 7, 8, 9, 10, u32::MAX - 1, u32::MAX]);
    }

    #[test]
    fn each_number_and_argument_gets_its_answer() {
        let program = allow_list(&[], &checks(), ALLOW, DENY);
        let answer = |nr, arg| run(&program, &call(nr, arg));
        for nr in [0, 1, 3, 8, 10, u32::MAX] {
            assert_eq!(answer(nr, 12345), ALLOW, "{nr}");
        }
        for nr in [4, 5, 6, 11, 400, 0x4000_0000, u32::MAX - 1] {
            assert_eq!(answer(nr, 0), DENY, "{nr}");
        }
        for arg in [0, 8, 0xffff_ffff, 0x1_0000_0000] {
            assert_eq!(answer(2, arg), ALLOW, "{arg:#x}");
        }
        for arg in [1, 0x1_0000_0008, 0x1_ffff_ffff, 0xffff_ffff_0000_0000] {
            assert_eq!(answer(2, arg), DENY, "{arg:#x}");
        }
        assert_eq!(answer(7, 0x0120_0011), ALLOW);
        assert_eq!(answer(7, 0xff00_0000_0000_0011), ALLOW);
        assert_eq!(answer(7, 0x1000_0000), DENY);
        assert_eq!(answer(7, 0x0002_0000), DENY);
        assert_eq!(answer(9, 2), ALLOW);
        assert_eq!(answer(9, 40 | 1 << 32), ALLOW);
        assert_eq!(answer(9, 40), DENY);
    }
}
