//! Content digests: `sha256:<64 hex>` strings, streaming hashing, and layer chain IDs.
//!
//! Everything in the store is named by the sha256 of its bytes, so a name is also a proof:
//! reading a blob back and hashing it tells whether it is intact.

use std::io::{self, Read, Write};

use sha2::{Digest as _, Sha256};

pub const SHA256_PREFIX: &str = "sha256:";

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("{SHA256_PREFIX}{}", hex::encode(Sha256::digest(bytes)))
}

/// The 64-hex part of a `sha256:` digest (or the input itself when it has no prefix).
pub fn hex_part(digest: &str) -> &str {
    digest.strip_prefix(SHA256_PREFIX).unwrap_or(digest)
}

/// True for a well-formed `sha256:<64 lowercase hex>` digest.
pub fn is_sha256_digest(digest: &str) -> bool {
    digest.strip_prefix(SHA256_PREFIX).is_some_and(is_full_hex)
}

/// True for exactly 64 lowercase hex digits.
pub fn is_full_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The 12-hex short form Docker prints (`sha256:` dropped).
pub fn short(digest: &str) -> String {
    hex_part(digest).chars().take(12).collect()
}

/// The chain IDs of a layer stack: `chain[0] = diff[0]`, `chain[n] = sha256(chain[n-1] + " " +
/// diff[n])`. Docker names its layer store (and the `Deleted:` lines of `rmi`) by these.
pub fn chain_ids(diff_ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(diff_ids.len());
    for diff in diff_ids {
        let next = match out.last() {
            None => diff.clone(),
            Some(parent) => sha256_digest(format!("{parent} {diff}").as_bytes()),
        };
        out.push(next);
    }
    out
}

/// A writer that hashes and counts what passes through it.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    written: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            written: 0,
        }
    }

    /// The digest and byte count so far, and the inner writer.
    pub fn finish(self) -> (String, u64, W) {
        (
            format!("{SHA256_PREFIX}{}", hex::encode(self.hasher.finalize())),
            self.written,
            self.inner,
        )
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that hashes what is read through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    read: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            read: 0,
        }
    }

    pub fn finish(self) -> (String, u64) {
        (
            format!("{SHA256_PREFIX}{}", hex::encode(self.hasher.finalize())),
            self.read,
        )
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_empty_input_is_the_well_known_one() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(is_sha256_digest(&sha256_digest(b"x")));
        assert!(!is_sha256_digest("sha256:abc"));
        assert_eq!(short(&sha256_digest(b"")), "e3b0c44298fc");
    }

    #[test]
    fn chain_ids_follow_the_oci_rule() {
        let a = sha256_digest(b"a");
        let b = sha256_digest(b"b");
        let chain = chain_ids(&[a.clone(), b.clone()]);
        assert_eq!(chain[0], a);
        assert_eq!(chain[1], sha256_digest(format!("{a} {b}").as_bytes()));
    }

    #[test]
    fn hashing_writer_matches_one_shot_digest() {
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"hello ").unwrap();
        w.write_all(b"world").unwrap();
        let (digest, n, inner) = w.finish();
        assert_eq!(digest, sha256_digest(b"hello world"));
        assert_eq!(n, 11);
        assert_eq!(inner, b"hello world");
    }
}
