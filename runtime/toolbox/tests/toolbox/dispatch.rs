//! Every name in applets.txt dispatches to an applet (none says "applet not found").

use crate::common::*;

#[test]
fn every_listed_applet_dispatches() {
    let names = applet_names();
    assert!(names.len() > 50, "applets.txt lists {} names", names.len());
    // `--list` prints the dispatch table itself, one name per line.
    let out = std::process::Command::new(BIN)
        .arg("--list")
        .output()
        .unwrap();
    let known: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    for name in names {
        assert!(
            known.contains(&name),
            "{name} from applets.txt does not dispatch"
        );
    }
}

#[test]
fn unknown_name_is_reported() {
    let tb = Toolbox::new();
    std::os::unix::fs::symlink(BIN, tb.path("frobnicate")).unwrap();
    let out = tb.run("frobnicate", &[]);
    assert_eq!(out.status.code(), Some(127));
    assert!(stderr(&out).contains("frobnicate: applet not found"));
}

#[test]
fn launcher_forms_run_applets() {
    for launcher in ["busybox", "toolbox"] {
        let tb = Toolbox::new();
        std::os::unix::fs::symlink(BIN, tb.path(launcher)).unwrap();
        let out = tb.run(launcher, &["echo", "via", launcher]);
        assert_eq!(stdout(&out), format!("via {launcher}\n"));
    }
    let out = std::process::Command::new(BIN)
        .args(["sh", "-c", "echo $0"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "sh\n");
}
