//! Two engines (as two processes would) importing into one store at once.

use crate::common::*;

#[test]
fn concurrent_imports_both_succeed() {
    let t = engine();
    let root = t.dir.path().to_path_buf();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let root = root.clone();
            std::thread::spawn(move || {
                let engine = open(&root);
                for round in 0..3 {
                    let name = format!("app{i}");
                    engine
                        .import(&app_image(&name, &[&format!("{name}:{round}")]))
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let images = t.engine.images().unwrap();
    assert_eq!(images.len(), 4);
    for image in images {
        assert_eq!(image.repo_tags.len(), 3);
    }
    assert_eq!(
        t.layer_dirs().len(),
        5,
        "one shared base layer plus one per app"
    );
    assert_eq!(
        std::fs::read_dir(t.images_dir().join("staging"))
            .unwrap()
            .count(),
        0
    );
}
