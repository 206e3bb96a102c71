//! `docker rmi`, `docker image prune` and `docker tag`: changing which names point where,
//! and deleting images (and the layers nobody else uses) with Docker's rules and texts.
//!
//! Docker's rules, in short: removing by *name* untags that name and deletes the image only
//! when it was the last reference; removing by *ID* deletes the image with all its names,
//! unless names from several repositories point at it (then `-f` is needed). A running
//! container blocks deletion even with `-f`; a stopped one only without it.

use std::collections::{BTreeSet, HashMap};

use super::digest::{self, hex_part};
use super::reference::Reference;
use super::store::{ImageStore, IndexEntry, Snapshot, StoredImage};
use super::users::ImageUsers;
use super::view::{DeleteItem, PruneReport};
use super::ImageError;

/// Edits the index of a locked store in memory; [`Editor::finish`] writes it back.
struct Editor<'a> {
    store: &'a ImageStore,
    users: &'a dyn ImageUsers,
    snapshot: Snapshot,
    entries: Vec<IndexEntry>,
    deleted: BTreeSet<String>,
    /// Bytes freed per deleted chain ID.
    freed: HashMap<String, u64>,
}

impl<'a> Editor<'a> {
    fn new(store: &'a ImageStore, users: &'a dyn ImageUsers) -> Result<Self, ImageError> {
        let snapshot = store.read_snapshot()?;
        let entries = snapshot.entries.clone();
        Ok(Self {
            store,
            users,
            snapshot,
            entries,
            deleted: BTreeSet::new(),
            freed: HashMap::new(),
        })
    }

    /// The current names of an image.
    fn names(&self, image: &StoredImage) -> Vec<Reference> {
        let mut names: Vec<Reference> = self
            .entries
            .iter()
            .filter(|e| e.manifest_digest == image.manifest_digest)
            .filter_map(|e| e.name.clone())
            .collect();
        // Docker's reference store lists an image's references in lexical order.
        names.sort_by_key(|n| n.familiar());
        names
    }

    /// Resolves against the current (edited) names.
    fn resolve(&self, name: &str) -> Result<StoredImage, crate::Error> {
        let current = Snapshot {
            entries: self.entries.clone(),
            images: self
                .snapshot
                .images
                .iter()
                .filter(|i| !self.deleted.contains(&i.manifest_digest))
                .map(|i| StoredImage {
                    names: self.names(i),
                    ..i.clone()
                })
                .collect(),
        };
        current.resolve(name).cloned()
    }

    fn untag(&mut self, reference: &Reference) {
        let canonical = reference.canonical();
        self.entries
            .retain(|e| e.name.as_ref().is_none_or(|n| n.canonical() != canonical));
    }

    fn conflict(msg: String) -> crate::Error {
        ImageError::Conflict(msg).into()
    }

    /// Docker's `ImageDelete`.
    fn remove(&mut self, name: &str, force: bool) -> Result<Vec<DeleteItem>, crate::Error> {
        let image = self.resolve(name)?;
        let mut records = Vec::new();
        let mut refs = self.names(&image);
        let short_id = digest::short(&image.id);
        let quiet;
        if !is_id_prefix(&image.id, name) {
            if !force && is_single_reference(&refs) {
                if let Some(user) = self.users.users(&image.id).first() {
                    return Err(Self::conflict(format!(
                        "conflict: unable to remove repository reference \"{name}\" (must force) - container {} is using its referenced image {short_id}",
                        digest::short(&user.container_id)
                    )));
                }
            }
            let parsed = Reference::parse(name)?.with_default_tag();
            self.untag(&parsed);
            records.push(DeleteItem::Untagged(parsed.familiar()));
            refs = self.names(&image);
            // Removing a repository's last tag also drops its digest references.
            if parsed.digest().is_none()
                && !refs
                    .iter()
                    .any(|r| r.digest().is_none() && r.full_name() == parsed.full_name())
            {
                for r in refs
                    .iter()
                    .filter(|r| r.digest().is_some() && r.full_name() == parsed.full_name())
                {
                    self.untag(r);
                    records.push(DeleteItem::Untagged(r.familiar()));
                }
                refs = self.names(&image);
            }
            if !refs.is_empty() {
                return Ok(records);
            }
            quiet = true;
        } else {
            if is_single_reference(&refs) {
                let users = self.users.users(&image.id);
                if let Some(running) = users.iter().find(|u| u.running) {
                    return Err(Self::conflict(format!(
                        "conflict: unable to delete {short_id} (cannot be forced) - image is being used by running container {}",
                        digest::short(&running.container_id)
                    )));
                }
                if let Some(stopped) = users.iter().find(|u| !u.running).filter(|_| !force) {
                    return Err(Self::conflict(format!(
                        "conflict: unable to delete {short_id} (must be forced) - image is being used by stopped container {}",
                        digest::short(&stopped.container_id)
                    )));
                }
                for r in refs {
                    self.untag(&r);
                    records.push(DeleteItem::Untagged(r.familiar()));
                }
            }
            quiet = false;
        }
        self.delete(&image, force, quiet, &mut records)?;
        Ok(records)
    }

    /// Docker's `imageDeleteHelper` (images here have no parents, so no pruning of them).
    fn delete(
        &mut self,
        image: &StoredImage,
        force: bool,
        quiet: bool,
        records: &mut Vec<DeleteItem>,
    ) -> Result<(), crate::Error> {
        let short_id = digest::short(&image.id);
        let users = self.users.users(&image.id);
        let refs = self.names(image);
        let conflict = if let Some(running) = users.iter().find(|u| u.running) {
            Some((true, format!(
                "conflict: unable to delete {short_id} (cannot be forced) - image is being used by running container {}",
                digest::short(&running.container_id)
            )))
        } else if !force && !refs.is_empty() {
            Some((false, format!(
                "conflict: unable to delete {short_id} (must be forced) - image is referenced in multiple repositories"
            )))
        } else {
            users.iter().find(|u| !u.running).filter(|_| !force).map(|stopped| {
                (true, format!(
                    "conflict: unable to delete {short_id} (must be forced) - image is being used by stopped container {}",
                    digest::short(&stopped.container_id)
                ))
            })
        };
        if let Some((used, message)) = conflict {
            let dangling = refs.is_empty();
            if quiet && (!dangling || used) {
                return Ok(());
            }
            return Err(Self::conflict(message));
        }
        for r in refs {
            self.untag(&r);
            records.push(DeleteItem::Untagged(r.familiar()));
        }
        self.entries
            .retain(|e| e.manifest_digest != image.manifest_digest);
        self.deleted.insert(image.manifest_digest.clone());
        records.push(DeleteItem::Deleted(image.id.clone()));
        // Layers are released top-down, and only those no remaining image stacks on.
        let remaining: BTreeSet<String> = self
            .snapshot
            .images
            .iter()
            .filter(|i| !self.deleted.contains(&i.manifest_digest))
            .flat_map(|i| i.chain_ids())
            .collect();
        let chains = image.chain_ids();
        for (i, chain) in chains.iter().enumerate().rev() {
            if !remaining.contains(chain) && !self.freed.contains_key(chain) {
                self.freed
                    .insert(chain.clone(), self.store.layer_size(&image.diff_ids()[i]));
                records.push(DeleteItem::Deleted(chain.clone()));
            }
        }
        Ok(())
    }

    /// Writes the edited index, then frees blobs and layers nothing reaches any more.
    fn finish(mut self) -> Result<(), ImageError> {
        ImageStore::keep_dangling(&self.snapshot.entries, &mut self.entries, &self.deleted);
        if self.entries != self.snapshot.entries {
            self.store.write_index(&self.entries)?;
        }
        if !self.deleted.is_empty() {
            self.store.collect_garbage()?;
        }
        Ok(())
    }
}

/// `docker rmi [-f] NAME`.
pub fn remove(
    store: &ImageStore,
    users: &dyn ImageUsers,
    name: &str,
    force: bool,
) -> Result<Vec<DeleteItem>, crate::Error> {
    let _lock = store.lock_exclusive()?;
    let mut editor = Editor::new(store, users)?;
    let result = editor.remove(name, force);
    // Docker keeps an untag that happened before a later conflict; so do we.
    editor.finish()?;
    result
}

/// `docker image prune [-a]`.
pub fn prune(
    store: &ImageStore,
    users: &dyn ImageUsers,
    all: bool,
) -> Result<PruneReport, crate::Error> {
    let _lock = store.lock_exclusive()?;
    let mut editor = Editor::new(store, users)?;
    let mut report = PruneReport::default();
    let images = editor.snapshot.images.clone();
    for image in images {
        let refs = editor.names(&image);
        let has_tag = refs.iter().any(|r| r.digest().is_none());
        if !all && has_tag {
            continue;
        }
        if !editor.users.users(&image.id).is_empty() {
            continue;
        }
        if refs.is_empty() {
            if let Ok(items) = editor.remove(hex_part(&image.id), false) {
                report.deleted.extend(items);
            }
        } else {
            for r in refs {
                if let Ok(items) = editor.remove(&r.canonical(), false) {
                    report.deleted.extend(items);
                }
            }
        }
    }
    report.space_reclaimed = editor.freed.values().sum();
    editor.finish()?;
    Ok(report)
}

/// `docker tag SOURCE TARGET`.
pub fn tag(store: &ImageStore, source: &str, target: &str) -> Result<(), crate::Error> {
    let _lock = store.lock_exclusive()?;
    let snapshot = store.read_snapshot()?;
    let image = snapshot.resolve(source)?.clone();
    let target = Reference::parse(target)?;
    if target.digest().is_some() {
        return Err(ImageError::Conflict(
            "refusing to create a tag with a digest reference".into(),
        )
        .into());
    }
    let target = target.with_default_tag();
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    let mut entries = snapshot.entries.clone();
    let canonical = target.canonical();
    entries.retain(|e| e.name.as_ref().is_none_or(|n| n.canonical() != canonical));
    let manifest_size = snapshot
        .entries
        .iter()
        .find(|e| e.manifest_digest == image.manifest_digest)
        .map_or(0, |e| e.manifest_size);
    entries.push(IndexEntry {
        name: Some(target),
        manifest_digest: image.manifest_digest.clone(),
        manifest_size,
        last_tag_time: Some(now),
    });
    ImageStore::keep_dangling(&snapshot.entries, &mut entries, &BTreeSet::new());
    store.write_index(&entries)?;
    Ok(())
}

/// Whether `name` is (a prefix of) the image ID, with or without `sha256:`.
fn is_id_prefix(id: &str, name: &str) -> bool {
    id.starts_with(name) || hex_part(id).starts_with(name)
}

/// All names are from one repository with at most one tag (Docker's `isSingleReference`).
fn is_single_reference(refs: &[Reference]) -> bool {
    if refs.len() <= 1 {
        return refs.len() == 1;
    }
    let mut single: Option<&Reference> = None;
    let mut digest_repos = BTreeSet::new();
    for r in refs {
        if r.digest().is_some() {
            digest_repos.insert(r.full_name());
        } else if single.is_none() {
            single = Some(r);
        } else {
            return false;
        }
    }
    let single = single.unwrap_or(&refs[0]);
    digest_repos.len() == 1 && digest_repos.contains(&single.full_name())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Reference {
        Reference::parse(s).unwrap().with_default_tag()
    }

    #[test]
    fn single_reference_rules() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert!(!is_single_reference(&[]));
        assert!(is_single_reference(&[r("nginx")]));
        assert!(is_single_reference(&[r("nginx"), r(&format!("nginx@{d}"))]));
        assert!(!is_single_reference(&[r("nginx"), r("web")]));
        assert!(!is_single_reference(&[r("nginx"), r(&format!("web@{d}"))]));
    }

    #[test]
    fn id_prefix_with_or_without_algorithm() {
        let id = format!("sha256:{}", "ab".repeat(32));
        assert!(is_id_prefix(&id, "abab"));
        assert!(is_id_prefix(&id, "sha256:abab"));
        assert!(!is_id_prefix(&id, "nginx"));
    }
}
