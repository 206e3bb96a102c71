use std::sync::Arc;

use crate::common::*;
use dockerlings_runtime::image::users::{ImageUser, ImageUsers};
use dockerlings_runtime::image::view::DeleteItem;

#[test]
fn rmi_untags_then_deletes_with_chain_ids_and_keeps_shared_layers() {
    let t = engine();
    let web = app_image("web", &["web:1.0", "web:latest"]);
    let api = app_image("api", &["api:1.0"]);
    t.engine.import(&web).unwrap();
    t.engine.import(&api).unwrap();
    let blobs_before = t.blob_count();

    assert_eq!(
        t.engine.image_remove("web:1.0", false).unwrap(),
        vec![DeleteItem::Untagged("web:1.0".into())]
    );
    assert_eq!(t.blob_count(), blobs_before, "still tagged web:latest");

    let items = t.engine.image_remove("web", false).unwrap();
    let web_id = sha256(&web.config);
    let top_diff = sha256(&web.layers[1]);
    let chain = sha256(format!("{} {}", sha256(&web.layers[0]), top_diff).as_bytes());
    assert_eq!(
        items,
        vec![
            DeleteItem::Untagged("web:latest".into()),
            DeleteItem::Deleted(web_id),
            DeleteItem::Deleted(chain)
        ],
        "the shared base layer's chain ID is not deleted"
    );
    // Manifest, config and top layer blob gone; base layer kept for api.
    assert_eq!(t.blob_count(), blobs_before - 3);
    assert!(!t.layer_dirs().contains(&top_diff[7..].to_string()));
    assert!(t
        .layer_dirs()
        .contains(&sha256(&base_layer())[7..].to_string()));
    assert_eq!(t.listing().len(), 1);
    assert_eq!(
        t.engine.image_remove("web", false).unwrap_err().to_string(),
        "No such image: web:latest"
    );

    t.engine.image_remove("api:1.0", false).unwrap();
    assert_eq!(t.blob_count(), 0);
    assert!(t.layer_dirs().is_empty());
}

#[test]
fn rmi_by_id_with_several_repositories_needs_force() {
    let t = engine();
    let web = app_image("web", &["web:1.0", "other:2"]);
    t.engine.import(&web).unwrap();
    let id = sha256(&web.config);
    let err = t.engine.image_remove(&id[7..19], false).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("conflict: unable to delete {} (must be forced) - image is referenced in multiple repositories", &id[7..19])
    );
    assert_eq!(t.listing().len(), 2);
    let items = t.engine.image_remove(&id[7..19], true).unwrap();
    assert_eq!(items[0], DeleteItem::Untagged("other:2".into()));
    assert_eq!(items[1], DeleteItem::Untagged("web:1.0".into()));
    assert_eq!(items[2], DeleteItem::Deleted(id));
    assert!(t.engine.images().unwrap().is_empty());
}

#[derive(Debug)]
struct FakeContainers {
    image: String,
    running: bool,
}

impl ImageUsers for FakeContainers {
    fn users(&self, image_id: &str) -> Vec<ImageUser> {
        if image_id == self.image {
            vec![ImageUser {
                container_id: "0123456789ab".repeat(5) + "0123",
                running: self.running,
            }]
        } else {
            Vec::new()
        }
    }
}

#[test]
fn containers_block_removal_with_dockers_messages() {
    let t = engine();
    let web = app_image("web", &["nginx:latest"]);
    t.engine.import(&web).unwrap();
    let id = sha256(&web.config);
    let short = &id[7..19];
    let running = open(t.dir.path()).with_image_users(Arc::new(FakeContainers {
        image: id.clone(),
        running: true,
    }));
    assert_eq!(
        running.image_remove("nginx", false).unwrap_err().to_string(),
        format!("conflict: unable to remove repository reference \"nginx\" (must force) - container 0123456789ab is using its referenced image {short}")
    );
    assert_eq!(
        running.image_remove(short, true).unwrap_err().to_string(),
        format!("conflict: unable to delete {short} (cannot be forced) - image is being used by running container 0123456789ab")
    );
    assert_eq!(running.images().unwrap()[0].containers, 1);
    // Forced untag of a running container's image keeps the image, dangling.
    assert_eq!(
        running.image_remove("nginx", true).unwrap(),
        vec![DeleteItem::Untagged("nginx:latest".into())]
    );
    assert_eq!(t.listing(), vec![format!("<none> {short}")]);
    // Prune -a skips images in use.
    assert!(running.image_prune(true).unwrap().deleted.is_empty());

    let stopped = open(t.dir.path()).with_image_users(Arc::new(FakeContainers {
        image: id.clone(),
        running: false,
    }));
    assert_eq!(
        stopped.image_remove(short, false).unwrap_err().to_string(),
        format!("conflict: unable to delete {short} (must be forced) - image is being used by stopped container 0123456789ab")
    );
    assert_eq!(
        stopped.image_remove(short, true).unwrap()[0],
        DeleteItem::Deleted(id)
    );
}

#[test]
fn prune_removes_dangling_and_with_all_every_unused_image() {
    let t = engine();
    let web = app_image("web", &["web:1.0"]);
    let api = app_image("api", &["api:1.0"]);
    t.engine.import(&web).unwrap();
    t.engine.import(&api).unwrap();
    assert!(
        t.engine.image_prune(false).unwrap().deleted.is_empty(),
        "nothing dangling"
    );
    t.engine.image_tag("api:1.0", "web:1.0").unwrap();
    let report = t.engine.image_prune(false).unwrap();
    assert_eq!(report.deleted[0], DeleteItem::Deleted(sha256(&web.config)));
    assert_eq!(
        report.space_reclaimed, 3,
        "only web's own top layer (3 bytes) is freed"
    );
    assert_eq!(t.listing().len(), 2);

    let report = t.engine.image_prune(true).unwrap();
    assert!(report
        .deleted
        .contains(&DeleteItem::Untagged("api:1.0".into())));
    assert!(report
        .deleted
        .contains(&DeleteItem::Untagged("web:1.0".into())));
    assert_eq!(report.space_reclaimed, 17 + 3);
    assert!(t.engine.images().unwrap().is_empty());
    assert_eq!(t.blob_count(), 0);
    let usage = t.engine.disk_usage().unwrap();
    assert_eq!(usage.images.total, 0);
}
