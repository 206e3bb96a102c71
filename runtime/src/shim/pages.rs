//! Giving back the pages a supervisor only needed to start its container.
//!
//! The supervisor is the whole dockerlings binary; starting a container touches a good part
//! of its code and read-only data (argument parsing, the image store, libcontainer). Once the
//! container runs, [`release_startup_pages`] drops those pages from the supervisor's
//! mappings: a later use faults them in again from the page cache, so nothing changes but
//! the memory a running container costs (what stays is the heap, the stack, relocated data
//! and the code the idle loop really runs).
//!
//! Which pages may go is decided page by page from `/proc/self/pagemap`: in a read-only
//! private file mapping, a page that is present but not a file page was copied on write
//! (relocated data, made read-only again after relocation) and holds the only copy of its
//! content, so the ranges given back never contain one. A whole mapping was the unit before,
//! which kept the 450–500 KB of read-only data that share a mapping with 32 KB of relocated
//! pages.

use std::fs::File;
use std::os::unix::fs::FileExt;

const PAGE: usize = 4096;
/// pagemap: the page is present in memory.
const PRESENT: u64 = 1 << 63;
/// pagemap: the page is a file page (or shared anonymous memory), not a private copy.
const FILE_PAGE: u64 = 1 << 61;

/// Drops the resident pages of this process's read-only file mappings, except copied-on-write
/// ones (see the module docs). Does nothing where `/proc/self/maps` or `pagemap` cannot be
/// read.
pub fn release_startup_pages() {
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return;
    };
    let Ok(pagemap) = File::open("/proc/self/pagemap") else {
        return;
    };
    // Every range is found before any is given back: code that runs after the release
    // faults its pages in again, each fault bringing its neighbours (fault-around, 64 KB),
    // so as little as possible runs between the first `madvise` and the idle loop.
    let mut runs = Vec::new();
    for (start, end) in read_only_file_mappings(&maps) {
        if let Some(entries) = pagemap_entries(&pagemap, start, end) {
            runs.extend(releasable_runs(start, &entries));
        }
    }
    for (from, to) in runs {
        // SAFETY: [from, to) lies inside one read-only private mapping of a file and holds
        // no page copied on write (checked just above, and such a page cannot appear since
        // nothing writes to a read-only mapping); dropping file pages changes no content,
        // as the next access reads the same file pages back.
        let _ = unsafe {
            nix::sys::mman::madvise(
                std::ptr::NonNull::new(from as *mut std::ffi::c_void)
                    .expect("mappings start above zero"),
                to - from,
                nix::sys::mman::MmapAdvise::MADV_DONTNEED,
            )
        };
    }
}

/// The address ranges in `/proc/self/maps` text of file mappings that are not writable.
fn read_only_file_mappings(maps: &str) -> Vec<(usize, usize)> {
    maps.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (from, to) = fields.next()?.split_once('-')?;
            let (from, to) = (
                usize::from_str_radix(from, 16).ok()?,
                usize::from_str_radix(to, 16).ok()?,
            );
            let perms = fields.next()?;
            let inode = fields.nth(2)?;
            (inode != "0" && from != 0 && !perms.contains('w')).then_some((from, to))
        })
        .collect()
}

/// The pagemap entries of the pages in `[start, end)`.
fn pagemap_entries(pagemap: &File, start: usize, end: usize) -> Option<Vec<u64>> {
    let pages = (end - start) / PAGE;
    let mut bytes = vec![0u8; pages * 8];
    pagemap
        .read_exact_at(&mut bytes, (start / PAGE * 8) as u64)
        .ok()?;
    Some(
        bytes
            .chunks_exact(8)
            .map(|b| u64::from_ne_bytes(b.try_into().expect("8 bytes")))
            .collect(),
    )
}

/// The maximal ranges of pages (from `start`, one pagemap entry per page) that contain no
/// present page that is not a file page.
fn releasable_runs(start: usize, entries: &[u64]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut run_from = None;
    for (i, entry) in entries.iter().enumerate() {
        let copied = entry & PRESENT != 0 && entry & FILE_PAGE == 0;
        let at = start + i * PAGE;
        match (copied, run_from) {
            (false, None) => run_from = Some(at),
            (true, Some(from)) => {
                runs.push((from, at));
                run_from = None;
            }
            _ => {}
        }
    }
    if let Some(from) = run_from {
        runs.push((from, start + entries.len() * PAGE));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_read_only_file_mappings_are_looked_at() {
        let maps = "\
561d97393000-561d97c72000 r-xp 01199000 fe:00 1234 /usr/bin/dockerlings
561d97c72000-561d97d04000 r--p 01a78000 fe:00 1234 /usr/bin/dockerlings
561d97d04000-561d97d08000 rw-p 01b09000 fe:00 1234 /usr/bin/dockerlings
561db514a000-561db516b000 rw-p 00000000 00:00 0 [heap]
7fb832e60000-7fb832fb6000 r-xp 00028000 fe:00 99 /usr/lib/x86_64-linux-gnu/libc.so.6
7fb83302d000-7fb83302f000 r-xp 00000000 00:00 0 [vdso]
";
        assert_eq!(
            read_only_file_mappings(maps),
            vec![
                (0x561d97393000, 0x561d97c72000),
                (0x561d97c72000, 0x561d97d04000),
                (0x7fb832e60000, 0x7fb832fb6000)
            ]
        );
    }

    #[test]
    fn runs_stop_at_every_copied_page() {
        let (file, copied, absent) = (PRESENT | FILE_PAGE, PRESENT, 0);
        let start = 0x10000;
        assert_eq!(
            releasable_runs(start, &[file, absent, copied, file, copied, copied, absent]),
            vec![
                (start, start + 2 * PAGE),
                (start + 3 * PAGE, start + 4 * PAGE),
                (start + 6 * PAGE, start + 7 * PAGE)
            ]
        );
        assert_eq!(releasable_runs(start, &[copied]), vec![]);
        assert_eq!(
            releasable_runs(start, &[file, file]),
            vec![(start, start + 2 * PAGE)]
        );
    }

    /// A private file mapping with one page written (copied on write) and then made
    /// read-only, as relocated data is: after the release the file pages are no longer
    /// resident, and the written page still holds what was written.
    #[test]
    fn a_release_drops_file_pages_and_keeps_copied_ones() {
        use std::io::Write;
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&vec![b'f'; 8 * PAGE]).unwrap();
        let len = std::num::NonZeroUsize::new(8 * PAGE).unwrap();
        // SAFETY: a fresh private mapping of a file this test owns, unmapped at the end.
        let base = unsafe {
            nix::sys::mman::mmap(
                None,
                len,
                nix::sys::mman::ProtFlags::PROT_READ | nix::sys::mman::ProtFlags::PROT_WRITE,
                nix::sys::mman::MapFlags::MAP_PRIVATE,
                &file,
                0,
            )
        }
        .unwrap();
        let bytes = base.as_ptr() as *mut u8;
        // SAFETY: every offset used is inside the 8-page mapping.
        unsafe {
            for page in 0..8 {
                std::ptr::read_volatile(bytes.add(page * PAGE));
            }
            *bytes.add(3 * PAGE) = b'w';
            nix::sys::mman::mprotect(base, 8 * PAGE, nix::sys::mman::ProtFlags::PROT_READ).unwrap();
        }
        let resident = || {
            let pagemap = File::open("/proc/self/pagemap").unwrap();
            let start = base.as_ptr() as usize;
            pagemap_entries(&pagemap, start, start + 8 * PAGE)
                .unwrap()
                .iter()
                .map(|e| (e & PRESENT != 0, e & FILE_PAGE != 0))
                .collect::<Vec<_>>()
        };
        let before = resident();
        assert!(before.iter().all(|(present, _)| *present), "{before:?}");
        assert_eq!(
            before[3],
            (true, false),
            "the written page is a private copy"
        );
        release_startup_pages();
        let after = resident();
        for (page, state) in after.iter().enumerate() {
            let want = if page == 3 {
                (true, false)
            } else {
                (false, false)
            };
            assert_eq!(*state, want, "page {page}: {after:?}");
        }
        // SAFETY: inside the mapping; read-only access.
        unsafe {
            assert_eq!(*bytes.add(3 * PAGE), b'w');
            assert_eq!(*bytes.add(4 * PAGE), b'f');
            nix::sys::mman::munmap(base, 8 * PAGE).unwrap();
        }
    }
}
