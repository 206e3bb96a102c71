//! One pull from a registry, start to finish, with Docker's progress events.
//!
//! Order of work (and of the lines Docker prints): resolve the manifest (`<tag>: Pulling
//! from <path>`), fetch the config, list the layers (`Already exists` for those the store
//! has, else `Pulling fs layer`, and `Waiting` for those beyond the three downloads that run
//! at once), download (`Downloading`, `Verifying Checksum`, `Download complete`), extract in
//! layer order (`Extracting`, `Pull complete`), commit, then `Digest:` and `Status:`.
//!
//! Downloads run on worker threads; everything touching the staging area and the progress
//! callback stays on the calling thread, fed by a channel.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use super::client::RegistryClient;
use super::download::{download_blob, percent, DownloadError};
use super::manifest::{self, Descriptor, Document, MAX_MANIFEST_SIZE};
use super::{decompress, platform, RegistryError};
use crate::engine::PullEvent;
use crate::image::digest::{self, sha256_digest};
use crate::image::reference::{Reference, DEFAULT_TAG};
use crate::image::staging::Staging;
use crate::image::store::ImageStore;
use crate::image::ImageError;

/// Docker's default number of concurrent layer downloads.
const MAX_CONCURRENT_DOWNLOADS: usize = 3;
/// The largest image config accepted.
const MAX_CONFIG_SIZE: u64 = 32 << 20;

/// What a registry pull did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// The registry's digest of what the reference names (a manifest or a manifest list).
    pub manifest_digest: String,
    /// The store already had exactly this image under this name.
    pub up_to_date: bool,
}

/// A layer to download and extract.
struct Job {
    desc: Descriptor,
    diff_id: String,
    path: PathBuf,
}

impl Job {
    fn id(&self) -> String {
        digest::short(&self.desc.digest)
    }
}

/// Pulls `wanted` (tag or digest filled in) from its registry into `store`.
pub fn pull(
    store: &ImageStore,
    wanted: &Reference,
    progress: &mut dyn FnMut(PullEvent),
) -> crate::Result<Pulled> {
    let client = RegistryClient::new(wanted);
    client.ping()?;
    let tag_or_digest = wanted.digest().or(wanted.tag()).unwrap_or(DEFAULT_TAG);
    let (top, top_type) = fetch_manifest(&client, tag_or_digest, wanted.digest(), wanted)?;
    let top_digest = sha256_digest(&top);
    let (platform_manifest, config, layers) =
        match manifest::parse(top_type.as_deref(), &top, &wanted.familiar())? {
            Document::Manifest { config, layers } => (None, config, layers),
            Document::Index(entries) => {
                let chosen = platform::select(entries.iter().map(|e| e.platform.as_ref()))
                    .ok_or_else(|| RegistryError::NoMatchingPlatform(platform::host_string()))?;
                let entry = &entries[chosen];
                let (bytes, media_type) =
                    fetch_manifest(&client, &entry.digest, Some(&entry.digest), wanted)?;
                match manifest::parse(media_type.as_deref(), &bytes, &wanted.familiar())? {
                    Document::Manifest { config, layers } => (Some(bytes), config, layers),
                    Document::Index(_) => {
                        return Err(RegistryError::Invalid(format!(
                            "manifest list {top_digest} of {} names another list",
                            wanted.familiar()
                        ))
                        .into())
                    }
                }
            }
        };
    progress(PullEvent::PullingFrom {
        tag: tag_or_digest.to_string(),
        repository: wanted.path().to_string(),
    });

    let snapshot = store.snapshot()?;
    if snapshot
        .by_reference(wanted)
        .is_some_and(|i| i.manifest_digest == top_digest)
    {
        progress(PullEvent::Digest(top_digest.clone()));
        progress(PullEvent::Status(format!(
            "Image is up to date for {}",
            wanted.familiar()
        )));
        return Ok(Pulled {
            manifest_digest: top_digest,
            up_to_date: true,
        });
    }

    let mut staging = Staging::new(store)?;
    let config_bytes = fetch_config(&client, &config)?;
    let config_digest = staging.add_blob(&config_bytes)?;
    let diff_ids = read_diff_ids(&config_bytes)?;
    if diff_ids.len() != layers.len() {
        return Err(RegistryError::DiffIdMismatch.into());
    }

    let mut jobs = Vec::new();
    let mut seen = HashSet::new();
    for (desc, diff_id) in layers.iter().zip(&diff_ids) {
        if !seen.insert(desc.digest.clone()) {
            continue;
        }
        let id = digest::short(&desc.digest);
        if store.has_layer(diff_id) && store.blob_path(diff_id).is_file() {
            progress(layer_event(&id, "Already exists"));
            continue;
        }
        progress(layer_event(&id, "Pulling fs layer"));
        jobs.push(Job {
            desc: desc.clone(),
            diff_id: diff_id.clone(),
            path: staging.scratch_path("download"),
        });
    }
    for job in jobs.iter().skip(MAX_CONCURRENT_DOWNLOADS) {
        progress(layer_event(&job.id(), "Waiting"));
    }
    download_and_extract(&client, &mut staging, &jobs, progress)?;

    let mut names = Vec::new();
    if wanted.tag().is_some() {
        names.push(wanted.clone());
    }
    names.push(Reference::parse(&format!(
        "{}@{top_digest}",
        wanted.full_name()
    ))?);
    let prepared =
        staging.prepare_pulled(&top, platform_manifest.as_deref(), &config_digest, names)?;
    let outcome = staging.commit(&[prepared])?.remove(0);
    progress(PullEvent::Digest(outcome.manifest_digest.clone()));
    progress(PullEvent::Status(format!(
        "Downloaded newer image for {}",
        wanted.familiar()
    )));
    Ok(Pulled {
        manifest_digest: outcome.manifest_digest,
        up_to_date: false,
    })
}

fn layer_event(id: &str, status: &str) -> PullEvent {
    PullEvent::Layer {
        id: id.to_string(),
        status: status.to_string(),
    }
}

/// Fetches a manifest and checks its digest: against `expected` when the reference or the
/// list named one, and against the registry's `Docker-Content-Digest` header when sent.
fn fetch_manifest(
    client: &RegistryClient,
    tag_or_digest: &str,
    expected: Option<&str>,
    wanted: &Reference,
) -> crate::Result<(Vec<u8>, Option<String>)> {
    let fetched = client.manifest(tag_or_digest, wanted)?;
    let media_type = fetched.header("content-type");
    let claimed = fetched.header("docker-content-digest");
    let bytes = fetched.bytes(MAX_MANIFEST_SIZE)?;
    let actual = sha256_digest(&bytes);
    for promised in expected.into_iter().chain(claimed.as_deref()) {
        if promised != actual {
            return Err(RegistryError::ManifestVerification(promised.to_string()).into());
        }
    }
    Ok((bytes, media_type))
}

/// Fetches the image config and checks its digest and size.
fn fetch_config(client: &RegistryClient, desc: &Descriptor) -> crate::Result<Vec<u8>> {
    let wrap = |e: RegistryError| RegistryError::Config(Box::new(e));
    if desc.size > MAX_CONFIG_SIZE {
        return Err(wrap(RegistryError::Invalid(format!(
            "config of {} bytes is too large",
            desc.size
        )))
        .into());
    }
    let fetched = client.blob(&desc.digest).map_err(wrap)?;
    let bytes = fetched.bytes(desc.size + 1).map_err(wrap)?;
    if sha256_digest(&bytes) != desc.digest || bytes.len() as u64 != desc.size {
        return Err(RegistryError::ConfigVerification(desc.digest.clone()).into());
    }
    Ok(bytes)
}

/// The config's `rootfs.diff_ids`, after checking it is a Linux image.
fn read_diff_ids(config: &[u8]) -> crate::Result<Vec<String>> {
    let doc: serde_json::Value = serde_json::from_slice(config)
        .map_err(|e| RegistryError::Invalid(format!("invalid image config: {e}")))?;
    let os = doc.get("os").and_then(|o| o.as_str()).unwrap_or("linux");
    if os != "linux" {
        return Err(RegistryError::WrongOs(os.to_string()).into());
    }
    let diff_ids: Vec<String> = doc
        .pointer("/rootfs/diff_ids")
        .and_then(|d| d.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if diff_ids.iter().any(|d| !digest::is_sha256_digest(d)) {
        return Err(RegistryError::Invalid("invalid diff ID in image config".into()).into());
    }
    Ok(diff_ids)
}

enum Message {
    Event(PullEvent),
    Done(usize, Result<(), DownloadError>),
}

/// Downloads `jobs` (at most three at once) and extracts each, in order, as soon as it and
/// every layer below it are downloaded. The first failure stops the others.
fn download_and_extract(
    client: &RegistryClient,
    staging: &mut Staging<'_>,
    jobs: &[Job],
    progress: &mut dyn FnMut(PullEvent),
) -> crate::Result<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let cancel = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<Message>();
    std::thread::scope(|scope| {
        for _ in 0..jobs.len().min(MAX_CONCURRENT_DOWNLOADS) {
            let tx = tx.clone();
            let (cancel, next) = (&cancel, &next);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= jobs.len() || cancel.load(Ordering::Relaxed) {
                    break;
                }
                let job = &jobs[i];
                let id = job.id();
                let total = job.desc.size;
                let mut report = |current| {
                    let _ = tx.send(Message::Event(PullEvent::Progress {
                        id: id.clone(),
                        action: "Downloading".to_string(),
                        current,
                        total,
                    }));
                };
                let result = download_blob(client, &job.desc, &job.path, &mut report, cancel);
                if result.is_ok() {
                    let _ = tx.send(Message::Event(layer_event(&id, "Verifying Checksum")));
                    let _ = tx.send(Message::Event(layer_event(&id, "Download complete")));
                }
                let failed = result.is_err();
                let _ = tx.send(Message::Done(i, result));
                if failed {
                    break;
                }
            });
        }
        drop(tx);
        let outcome = (|| -> crate::Result<()> {
            let mut results: Vec<Option<Result<(), DownloadError>>> =
                jobs.iter().map(|_| None).collect();
            let mut extracted = 0;
            while extracted < jobs.len() {
                match rx.recv() {
                    Ok(Message::Event(event)) => progress(event),
                    Ok(Message::Done(i, result)) => results[i] = Some(result),
                    Err(_) => {
                        return Err(ImageError::Corrupt("a layer download stopped".into()).into())
                    }
                }
                while extracted < jobs.len() {
                    match results[extracted].take() {
                        None => break,
                        Some(Err(DownloadError::Failed(e))) => return Err(e),
                        Some(Err(DownloadError::Cancelled)) => {
                            return Err(ImageError::Corrupt("download cancelled".into()).into())
                        }
                        Some(Ok(())) => {
                            extract(staging, &jobs[extracted], progress)?;
                            extracted += 1;
                        }
                    }
                }
            }
            Ok(())
        })();
        if outcome.is_err() {
            cancel.store(true, Ordering::Relaxed);
        }
        outcome
    })
}

/// Decompresses and unpacks one downloaded layer into the staging area; its uncompressed
/// digest must be the config's diff ID.
fn extract(
    staging: &mut Staging<'_>,
    job: &Job,
    progress: &mut dyn FnMut(PullEvent),
) -> crate::Result<()> {
    let id = job.id();
    let file = File::open(&job.path).map_err(|e| ImageError::io("open downloaded layer", e))?;
    let total = job.desc.size;
    let mut report = |current| {
        progress(PullEvent::Progress {
            id: id.clone(),
            action: "Extracting".to_string(),
            current,
            total,
        })
    };
    let counted = ProgressReader {
        inner: file,
        done: 0,
        total,
        last_percent: None,
        report: &mut report,
    };
    let mut layer = decompress::decompressed(Box::new(BufReader::new(counted)))
        .map_err(|e| ImageError::InvalidArchive(format!("layer {}: {e}", job.desc.digest)))?;
    let (diff_id, _) = staging.add_layer_from(&mut layer)?;
    drop(layer);
    let _ = fs::remove_file(&job.path);
    if diff_id != job.diff_id {
        return Err(RegistryError::DiffIdMismatch.into());
    }
    progress(layer_event(&id, "Pull complete"));
    Ok(())
}

/// Reports how far a reader has got, once per percent.
struct ProgressReader<'a, R> {
    inner: R,
    done: u64,
    total: u64,
    last_percent: Option<u64>,
    report: &'a mut dyn FnMut(u64),
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        let p = percent(self.done, self.total);
        if n > 0 && self.last_percent != Some(p) {
            self.last_percent = Some(p);
            (self.report)(self.done);
        }
        Ok(n)
    }
}
