//! User and group lookups without NSS.
//!
//! glibc answers `getpwuid`, `getgrgid` and friends through NSS, which loads
//! `libnss_files.so` with `dlopen` at run time. The toolbox is linked statically and
//! runs in images that carry no shared libraries, so those calls would always fail:
//! `whoami` would say "cannot find name for user ID 0", `ls -l` would show numeric
//! owners and the shell's `\u` prompt escape would error.
//!
//! This module defines those C functions itself, reading `/etc/passwd` and `/etc/group`
//! directly (the "files" source, which is all a container image has). A definition in
//! the executable takes precedence over libc's: in the static link, the archive members
//! holding glibc's versions are never pulled in; in a dynamic (test) build, the
//! executable's symbols come first in symbol lookup. Every library in the program —
//! uutils, brush, std — therefore sees the same answers.
//!
//! `getgrouplist` is left to glibc: its archive member also holds `initgroups`, which the
//! program links, so defining it here would clash (and `id` reads the process's own
//! supplementary groups anyway).

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr};

use libc::{gid_t, group, passwd, size_t, uid_t};

/// One `/etc/passwd` record with the fields `struct passwd` carries.
struct PwRecord {
    fields: [Vec<u8>; 5], // name, passwd, gecos, dir, shell
    uid: uid_t,
    gid: gid_t,
}

/// One `/etc/group` record.
struct GrRecord {
    name: Vec<u8>,
    passwd: Vec<u8>,
    gid: gid_t,
    members: Vec<Vec<u8>>,
}

fn read_passwd() -> Vec<PwRecord> {
    // An image without the file still has a root user in practice; answer for it.
    let text = std::fs::read("/etc/passwd")
        .unwrap_or_else(|_| b"root:x:0:0:root:/root:/bin/sh\n".to_vec());
    text.split(|&b| b == b'\n')
        .filter_map(|line| {
            let f: Vec<&[u8]> = line.split(|&b| b == b':').collect();
            if f.len() < 7 {
                return None;
            }
            let num = |b: &[u8]| std::str::from_utf8(b).ok()?.trim().parse().ok();
            Some(PwRecord {
                fields: [
                    f[0].to_vec(),
                    f[1].to_vec(),
                    f[4].to_vec(),
                    f[5].to_vec(),
                    f[6].to_vec(),
                ],
                uid: num(f[2])?,
                gid: num(f[3])?,
            })
        })
        .collect()
}

fn read_group() -> Vec<GrRecord> {
    let text = std::fs::read("/etc/group").unwrap_or_else(|_| b"root:x:0:\n".to_vec());
    text.split(|&b| b == b'\n')
        .filter_map(|line| {
            let f: Vec<&[u8]> = line.split(|&b| b == b':').collect();
            if f.len() < 4 {
                return None;
            }
            let gid = std::str::from_utf8(f[2]).ok()?.trim().parse().ok()?;
            let members = f[3]
                .split(|&b| b == b',')
                .filter(|m| !m.is_empty())
                .map(<[u8]>::to_vec)
                .collect();
            Some(GrRecord {
                name: f[0].to_vec(),
                passwd: f[1].to_vec(),
                gid,
                members,
            })
        })
        .collect()
}

/// Copies `bytes` plus a NUL into `buf` at `*used`, returning the C string's address.
fn push_str(buf: &mut [u8], used: &mut usize, bytes: &[u8]) -> Option<*mut c_char> {
    let end = used.checked_add(bytes.len() + 1)?;
    if end > buf.len() {
        return None;
    }
    buf[*used..*used + bytes.len()].copy_from_slice(bytes);
    buf[*used + bytes.len()] = 0;
    let ptr = buf[*used..].as_mut_ptr().cast::<c_char>();
    *used = end;
    Some(ptr)
}

/// Fills `pwd` from `rec`, with its strings stored in `buf`. `None` when `buf` is too small.
fn fill_passwd(rec: &PwRecord, pwd: &mut passwd, buf: &mut [u8]) -> Option<()> {
    let mut used = 0;
    pwd.pw_name = push_str(buf, &mut used, &rec.fields[0])?;
    pwd.pw_passwd = push_str(buf, &mut used, &rec.fields[1])?;
    pwd.pw_gecos = push_str(buf, &mut used, &rec.fields[2])?;
    pwd.pw_dir = push_str(buf, &mut used, &rec.fields[3])?;
    pwd.pw_shell = push_str(buf, &mut used, &rec.fields[4])?;
    pwd.pw_uid = rec.uid;
    pwd.pw_gid = rec.gid;
    Some(())
}

/// Fills `grp` from `rec`; the member pointer array and strings live in `buf`.
fn fill_group(rec: &GrRecord, grp: &mut group, buf: &mut [u8]) -> Option<()> {
    let ptr_size = std::mem::size_of::<*mut c_char>();
    let align = buf.as_ptr().align_offset(ptr_size);
    let array_bytes = ptr_size * (rec.members.len() + 1);
    if align + array_bytes > buf.len() {
        return None;
    }
    let (head, rest) = buf.split_at_mut(align + array_bytes);
    let mut used = 0;
    let mut ptrs = Vec::with_capacity(rec.members.len() + 1);
    for m in &rec.members {
        ptrs.push(push_str(rest, &mut used, m)?);
    }
    ptrs.push(std::ptr::null_mut());
    grp.gr_name = push_str(rest, &mut used, &rec.name)?;
    grp.gr_passwd = push_str(rest, &mut used, &rec.passwd)?;
    grp.gr_gid = rec.gid;
    let array = head[align..].as_mut_ptr().cast::<*mut c_char>();
    for (i, p) in ptrs.into_iter().enumerate() {
        // SAFETY: `array` is aligned for pointers and has room for members + 1 entries,
        // checked above against the length of `head`.
        unsafe { array.add(i).write(p) };
    }
    grp.gr_mem = array;
    Some(())
}

/// Shared tail of the `_r` functions: fill the caller's struct or report ERANGE/not found.
///
/// # Safety
/// The pointers must be valid as the C contract of `getpwuid_r` requires.
unsafe fn answer_pw(
    rec: Option<&PwRecord>,
    pwd: *mut passwd,
    buf: *mut c_char,
    buflen: size_t,
    result: *mut *mut passwd,
) -> c_int {
    // SAFETY: the caller passes a writable `result` pointer per the C contract.
    unsafe { *result = std::ptr::null_mut() };
    let Some(rec) = rec else { return 0 };
    // SAFETY: the caller owns `buflen` writable bytes at `buf` and a writable `pwd`.
    let (buf, pwd) = unsafe {
        (
            std::slice::from_raw_parts_mut(buf.cast::<u8>(), buflen),
            &mut *pwd,
        )
    };
    if fill_passwd(rec, pwd, buf).is_none() {
        return libc::ERANGE;
    }
    // SAFETY: as above.
    unsafe { *result = pwd };
    0
}

/// # Safety
/// The pointers must be valid as the C contract of `getgrgid_r` requires.
unsafe fn answer_gr(
    rec: Option<&GrRecord>,
    grp: *mut group,
    buf: *mut c_char,
    buflen: size_t,
    result: *mut *mut group,
) -> c_int {
    // SAFETY: the caller passes a writable `result` pointer per the C contract.
    unsafe { *result = std::ptr::null_mut() };
    let Some(rec) = rec else { return 0 };
    // SAFETY: the caller owns `buflen` writable bytes at `buf` and a writable `grp`.
    let (buf, grp) = unsafe {
        (
            std::slice::from_raw_parts_mut(buf.cast::<u8>(), buflen),
            &mut *grp,
        )
    };
    if fill_group(rec, grp, buf).is_none() {
        return libc::ERANGE;
    }
    // SAFETY: as above.
    unsafe { *result = grp };
    0
}

/// Storage for the non-reentrant functions, one per thread (glibc keeps one per process;
/// per thread is at least as safe).
struct Static {
    pw: passwd,
    gr: group,
    buf: Vec<u8>,
}

thread_local! {
    static STATIC: RefCell<Static> = RefCell::new(Static {
        // SAFETY: all-zero is a valid value for these plain C structs (null pointers).
        pw: unsafe { std::mem::zeroed() },
        // SAFETY: as above.
        gr: unsafe { std::mem::zeroed() },
        buf: vec![0; 16384],
    });
}

fn static_pw(rec: Option<PwRecord>) -> *mut passwd {
    let Some(rec) = rec else {
        return std::ptr::null_mut();
    };
    STATIC.with(|s| {
        let mut s = s.borrow_mut();
        let s = &mut *s;
        match fill_passwd(&rec, &mut s.pw, &mut s.buf) {
            Some(()) => &mut s.pw as *mut passwd,
            None => std::ptr::null_mut(),
        }
    })
}

fn static_gr(rec: Option<GrRecord>) -> *mut group {
    let Some(rec) = rec else {
        return std::ptr::null_mut();
    };
    STATIC.with(|s| {
        let mut s = s.borrow_mut();
        let s = &mut *s;
        match fill_group(&rec, &mut s.gr, &mut s.buf) {
            Some(()) => &mut s.gr as *mut group,
            None => std::ptr::null_mut(),
        }
    })
}

/// # Safety
/// `name` must be a valid C string.
unsafe fn c_bytes<'a>(name: *const c_char) -> &'a [u8] {
    // SAFETY: per the function contract.
    unsafe { CStr::from_ptr(name) }.to_bytes()
}

/// # Safety
/// C ABI: pointers as for glibc's `getpwuid_r`.
#[no_mangle]
pub unsafe extern "C" fn getpwuid_r(
    uid: uid_t,
    pwd: *mut passwd,
    buf: *mut c_char,
    buflen: size_t,
    result: *mut *mut passwd,
) -> c_int {
    let all = read_passwd();
    // SAFETY: forwarded C contract.
    unsafe { answer_pw(all.iter().find(|r| r.uid == uid), pwd, buf, buflen, result) }
}

/// # Safety
/// C ABI: pointers as for glibc's `getpwnam_r`.
#[no_mangle]
pub unsafe extern "C" fn getpwnam_r(
    name: *const c_char,
    pwd: *mut passwd,
    buf: *mut c_char,
    buflen: size_t,
    result: *mut *mut passwd,
) -> c_int {
    // SAFETY: `name` is a C string per the contract.
    let name = unsafe { c_bytes(name) };
    let all = read_passwd();
    // SAFETY: forwarded C contract.
    unsafe {
        answer_pw(
            all.iter().find(|r| r.fields[0] == name),
            pwd,
            buf,
            buflen,
            result,
        )
    }
}

/// # Safety
/// C ABI as glibc's `getpwuid`.
#[no_mangle]
pub unsafe extern "C" fn getpwuid(uid: uid_t) -> *mut passwd {
    static_pw(read_passwd().into_iter().find(|r| r.uid == uid))
}

/// # Safety
/// C ABI as glibc's `getpwnam`; `name` must be a C string.
#[no_mangle]
pub unsafe extern "C" fn getpwnam(name: *const c_char) -> *mut passwd {
    // SAFETY: per the contract.
    let name = unsafe { c_bytes(name) };
    static_pw(read_passwd().into_iter().find(|r| r.fields[0] == name))
}

/// # Safety
/// C ABI: pointers as for glibc's `getgrgid_r`.
#[no_mangle]
pub unsafe extern "C" fn getgrgid_r(
    gid: gid_t,
    grp: *mut group,
    buf: *mut c_char,
    buflen: size_t,
    result: *mut *mut group,
) -> c_int {
    let all = read_group();
    // SAFETY: forwarded C contract.
    unsafe { answer_gr(all.iter().find(|r| r.gid == gid), grp, buf, buflen, result) }
}

/// # Safety
/// C ABI: pointers as for glibc's `getgrnam_r`.
#[no_mangle]
pub unsafe extern "C" fn getgrnam_r(
    name: *const c_char,
    grp: *mut group,
    buf: *mut c_char,
    buflen: size_t,
    result: *mut *mut group,
) -> c_int {
    // SAFETY: `name` is a C string per the contract.
    let name = unsafe { c_bytes(name) };
    let all = read_group();
    // SAFETY: forwarded C contract.
    unsafe {
        answer_gr(
            all.iter().find(|r| r.name == name),
            grp,
            buf,
            buflen,
            result,
        )
    }
}

/// # Safety
/// C ABI as glibc's `getgrgid`.
#[no_mangle]
pub unsafe extern "C" fn getgrgid(gid: gid_t) -> *mut group {
    static_gr(read_group().into_iter().find(|r| r.gid == gid))
}

/// # Safety
/// C ABI as glibc's `getgrnam`; `name` must be a C string.
#[no_mangle]
pub unsafe extern "C" fn getgrnam(name: *const c_char) -> *mut group {
    // SAFETY: per the contract.
    let name = unsafe { c_bytes(name) };
    static_gr(read_group().into_iter().find(|r| r.name == name))
}
