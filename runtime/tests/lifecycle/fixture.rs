//! A throwaway engine (temp root and run dirs, supervisors from this test binary) that
//! removes every container it made, and the leak checks.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Once};

use dockerlings_runtime::container::options::CreateOptions;
use dockerlings_runtime::shim::{self, ShimControl, SupervisorCommand};
use dockerlings_runtime::{Engine, Paths};

pub struct Lab {
    pub engine: Engine,
    pub paths: Paths,
    _root: tempfile::TempDir,
    _run: tempfile::TempDir,
}

static SUPERVISOR: Once = Once::new();

impl Lab {
    pub fn new() -> Self {
        SUPERVISOR.call_once(|| {
            shim::set_supervisor_command(SupervisorCommand {
                program: std::env::current_exe().unwrap(),
                args: vec![shim::SUBCOMMAND.into()],
            })
        });
        let root = tempfile::Builder::new().prefix("dl-lc-").tempdir().unwrap();
        // Short: socket paths below it must fit in 108 bytes.
        let run = tempfile::Builder::new()
            .prefix("dr")
            .tempdir_in("/tmp")
            .unwrap();
        let paths = Paths::new(root.path(), run.path());
        let engine = Engine::open(paths.clone())
            .unwrap()
            .with_process_control(Arc::new(ShimControl::new(&paths)));
        engine.pull("busybox", &mut |_| {}).unwrap();
        Self {
            engine,
            paths,
            _root: root,
            _run: run,
        }
    }

    pub fn create(&self, opts: CreateOptions) -> String {
        self.engine.container_create(&opts).unwrap().id
    }

    pub fn create_cmd(&self, cmd: &[&str]) -> String {
        self.create(CreateOptions {
            image: "busybox".into(),
            cmd: cmd.iter().map(|s| s.to_string()).collect(),
            ..CreateOptions::default()
        })
    }

    pub fn root(&self) -> &Path {
        self.paths.root()
    }
}

impl Drop for Lab {
    /// Removes every container (killing what runs), whatever the test did.
    fn drop(&mut self) {
        if let Ok(list) = self.engine.containers(true, false) {
            for c in list {
                let _ = self.engine.container_remove(&c.id, true, true);
            }
        }
        // The lab host's network namespace stays mounted below the run dir until torn down.
        let _ = dockerlings_runtime::network::labhost::teardown(self.paths.run());
    }
}

/// Asserts that nothing of container `id` is left on the host.
pub fn assert_no_leaks(lab: &Lab, id: &str, supervisor: i32) {
    let root = lab.root().display().to_string();
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(
        !mountinfo.lines().any(|l| l.contains(&root)),
        "a mount under {root} is left"
    );
    let cgroups: Vec<PathBuf> = dockerlings_runtime::shim::cgroup::dirs(id);
    assert!(cgroups.is_empty(), "cgroup dirs left: {cgroups:?}");
    if supervisor > 0 {
        assert!(
            std::fs::read_to_string(format!("/proc/{supervisor}/stat"))
                .map(|s| s.contains(") Z "))
                .unwrap_or(true),
            "supervisor {supervisor} still runs"
        );
    }
    assert!(
        !lab.paths.run().join("libcontainer").join(id).exists(),
        "libcontainer state left"
    );
}
