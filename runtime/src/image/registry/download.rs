//! Downloading one blob to a file while hashing it: nothing downloaded is used unless its
//! sha256 and size are exactly what the manifest's descriptor promised.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::client::RegistryClient;
use super::manifest::Descriptor;
use super::RegistryError;
use crate::image::digest::HashingWriter;

const CHUNK: usize = 64 * 1024;

/// Why a download stopped.
#[derive(Debug)]
pub enum DownloadError {
    /// Another part of the pull failed; this download was abandoned.
    Cancelled,
    Failed(crate::Error),
}

impl From<RegistryError> for DownloadError {
    fn from(e: RegistryError) -> Self {
        Self::Failed(e.into())
    }
}

/// Downloads the blob `desc` into `dest`, verifying its digest and size. `progress` is
/// told the byte count whenever it crosses another percent (and at the end); `cancel`
/// stops the transfer between chunks.
pub fn download_blob(
    client: &RegistryClient,
    desc: &Descriptor,
    dest: &Path,
    progress: &mut dyn FnMut(u64),
    cancel: &AtomicBool,
) -> Result<(), DownloadError> {
    let url_for_errors = client.blob_url(&desc.digest);
    let fetched = client.blob(&desc.digest)?;
    let mut body = fetched.into_reader();
    let file = File::create(dest).map_err(|e| local_error("create download file", e))?;
    let mut out = HashingWriter::new(BufWriter::new(file));
    let mut buf = vec![0u8; CHUNK];
    let mut done: u64 = 0;
    let mut last_percent = None;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(DownloadError::Cancelled);
        }
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(RegistryError::Transport {
                    url: url_for_errors,
                    cause: transfer_text(&e),
                }
                .into())
            }
        };
        out.write_all(&buf[..n])
            .map_err(|e| local_error("write download file", e))?;
        done += n as u64;
        if done > desc.size {
            // More than promised: no need to read the rest.
            return Err(RegistryError::LayerVerification(desc.digest.clone()).into());
        }
        let percent = percent(done, desc.size);
        if last_percent != Some(percent) {
            last_percent = Some(percent);
            progress(done);
        }
    }
    let (digest, size, writer) = out.finish();
    writer
        .into_inner()
        .map_err(|e| local_error("write download file", e.into_error()))?
        .sync_all()
        .map_err(|e| local_error("write download file", e))?;
    if digest != desc.digest || size != desc.size {
        return Err(RegistryError::LayerVerification(desc.digest.clone()).into());
    }
    Ok(())
}

/// Whole percent of `done` out of `total`.
pub fn percent(done: u64, total: u64) -> u64 {
    done.saturating_mul(100).checked_div(total).unwrap_or(100)
}

fn transfer_text(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        "unexpected EOF".to_string()
    } else {
        e.to_string()
    }
}

fn local_error(what: &str, e: io::Error) -> DownloadError {
    DownloadError::Failed(crate::image::ImageError::io(what, e).into())
}
