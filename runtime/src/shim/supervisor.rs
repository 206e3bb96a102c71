//! The supervisor: one process per started container (`dockerlings __supervise <id>`).
//!
//! It detaches (new session, double fork), becomes a child subreaper, takes a private mount
//! namespace (so the overlay it mounts can never leak into the host's mount table, whatever
//! happens to it), mounts the root filesystem, and creates and starts the container through
//! libcontainer from its single thread. Then it serves: the container's output goes to the
//! json-file log and to attached clients, stdin and terminal resizes come from clients, and
//! `SIGCHLD` (through a signalfd) tells it when PID 1 has ended. It records how the container
//! ended, deletes the libcontainer container and its cgroup, applies the restart policy and,
//! with `--rm`, removes the container.
//!
//! The process that launched it reads progress lines from the supervisor's stdout (a pipe):
//! `attach-ready` (with `--attach`), then `started <pid>` or `error <code> <message>`.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::{Duration, Instant};

use chrono::Utc;
use libcontainer::container::builder::ContainerBuilder;
use libcontainer::container::Container;
use libcontainer::syscall::syscall::SyscallType;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::attach::{self, FrameBuf, Hello};
use super::executor;
use super::layout::Layout;
use super::logfile::{LogWriter, Stream};
use super::{cgroup, overlay, proc, ShimError};
use crate::container::record::ContainerRecord;
use crate::container::state::Status;
use crate::Paths;

/// How long a foreground `run` may take to connect before the container starts anyway.
const ATTACH_WAIT: Duration = Duration::from_secs(10);

/// The supervisor's entry point: `args` are what follows `__supervise` (`<id> [--attach]`).
/// Returns the process's exit code.
pub fn main(paths: Paths, args: &[String]) -> i32 {
    let Some(id) = args.first().cloned() else {
        eprintln!("usage: __supervise <container id> [--attach]");
        return 2;
    };
    let wait_attach = args.iter().any(|a| a == "--attach");
    // A new session: no controlling terminal, no job-control signals from the CLI's shell.
    let _ = nix::unistd::setsid();
    // SAFETY: the process is still single-threaded here (nothing has spawned a thread), so
    // the child may run any code after fork.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Parent { .. }) => return 0,
        Ok(nix::unistd::ForkResult::Child) => {}
        Err(e) => {
            println!("error 125 fork supervisor: {e}");
            return 1;
        }
    }
    let ready = match Ready::take_stdout() {
        Ok(r) => r,
        Err(_) => return 1,
    };
    let layout = Layout::new(&paths, &id);
    redirect_stderr(&layout);
    let mut sup = Supervisor {
        paths,
        layout,
        ready: Some(ready),
        clients: Vec::new(),
        wait_attach,
        pending_ports: Vec::new(),
        proxies: None,
        release_pages_at: None,
        preparing: None,
    };
    match sup.run() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("supervisor {id}: {e}");
            sup.report(&format!("error {} {}", e.exit_code(), e.message()));
            1
        }
    }
}

/// The progress pipe to the launcher.
struct Ready(File);

impl Ready {
    /// Keeps stdout (the pipe) for progress lines and points fds 0 and 1 at /dev/null.
    fn take_stdout() -> io::Result<Self> {
        let pipe = io::stdout().as_fd().try_clone_to_owned()?;
        let null = File::options().read(true).write(true).open("/dev/null")?;
        nix::unistd::dup2(null.as_raw_fd(), 0)?;
        nix::unistd::dup2(null.as_raw_fd(), 1)?;
        Ok(Self(File::from(pipe)))
    }
}

/// Diagnostics of the supervisor itself go to `supervisor.log` in the runtime dir.
fn redirect_stderr(layout: &Layout) {
    let _ = std::fs::create_dir_all(&layout.run_dir);
    if let Ok(file) = File::options()
        .create(true)
        .append(true)
        .open(layout.run_dir.join("supervisor.log"))
    {
        let _ = nix::unistd::dup2(file.as_raw_fd(), 2);
    }
}

/// An attached client.
struct Client {
    stream: UnixStream,
    frames: FrameBuf,
    hello: Option<Hello>,
}

/// The container's output and input while it runs.
enum Stdio {
    Pipes {
        stdout: Option<File>,
        stderr: Option<File>,
        stdin: Option<File>,
    },
    Tty {
        master: Option<File>,
    },
}

/// How one run of the container ended.
struct Ended {
    exit_code: i32,
    oom_killed: bool,
}

struct Supervisor {
    paths: Paths,
    layout: Layout,
    ready: Option<Ready>,
    clients: Vec<Client>,
    wait_attach: bool,
    /// Port listeners bound before the first start, served once the container runs.
    pending_ports: Vec<(
        crate::network::ports::PublishedPort,
        crate::network::proxy::Listener,
    )>,
    /// The serving proxies; closed when the container has ended for good.
    proxies: Option<crate::network::proxy::ProxyHandle>,
    /// When to give back the pages only the start needed ([`super::pages::release_startup_pages`]);
    /// `None` once done.
    release_pages_at: Option<Instant>,
    /// The first start's network namespace, begun as soon as the mounts went private.
    preparing: Option<Preparing>,
}

impl Supervisor {
    fn report(&mut self, line: &str) {
        if let Some(ready) = self.ready.as_mut() {
            let _ = writeln!(ready.0, "{line}");
        }
    }

    fn run(&mut self) -> Result<(), ShimError> {
        let record = ContainerRecord::load(&self.layout.dir)
            .map_err(|_| ShimError::Gone(self.layout.id.clone()))?;
        self.claim()?;
        nix::sys::prctl::set_child_subreaper(true)
            .map_err(|e| ShimError::io("set child subreaper", e.into()))?;
        // The lab host's mount must exist before our mounts go private, or only we see it.
        if !crate::network::plumbing::wired_endpoints(&record).is_empty() {
            crate::network::labhost::ensure(self.paths.run())
                .map_err(|e| ShimError::io("create the lab host network namespace", e))?;
        }
        self.bind_ports(&record)?;
        private_mount_namespace()?;
        // Its mount must be private too; the overlay is mounted meanwhile.
        self.preparing = self.start_preparing_network(&record);
        let lower = crate::image::store::ImageStore::at(self.paths.images())
            .lower_dirs_of(&record.image)
            .map_err(|e| ShimError::Start(e.to_string()))?;
        let rootfs = self.layout.rootfs();
        let (upper, work) = (self.layout.upper(), self.layout.work());
        if record.host_config.auto_remove {
            overlay::mount_volatile_overlay(&lower, &upper, &work, &rootfs)?;
        } else {
            overlay::mount_overlay(&lower, &upper, &work, &rootfs)?;
        }
        create_working_dir(&rootfs, &record.config.working_dir);
        let result = self.run_with_restarts(&record);
        let _ = self.layout.update_state(|s| s.ports.clear());
        overlay::unmount(&rootfs);
        let code = match &result {
            Ok(code) => *code,
            Err(_) => None,
        };
        let removal = if record.host_config.auto_remove {
            self.remove_container()
        } else {
            let _ = std::fs::remove_file(self.layout.attach_socket());
            let _ = std::fs::remove_file(self.layout.console_socket());
            None
        };
        if let Some(code) = code {
            self.send_exit(code);
        }
        // `--rm`: the client hears the exit code once the container is out of the store (no
        // command sees it, its name is free, nothing of it is mounted or running) and its
        // volumes are gone, as Docker's `run --rm` returns once the container is removed;
        // deleting its files follows, still under the store lock.
        if let Some(removal) = removal {
            if let Err(e) = removal.finish() {
                eprintln!("auto-remove: {e}");
            }
        }
        result.map(|_| ())
    }

    /// Records this process as the container's supervisor, refusing when a live one exists.
    fn claim(&mut self) -> Result<(), ShimError> {
        let me = std::process::id() as i32;
        let ticks = proc::start_ticks(me).unwrap_or(0);
        let _lock = self.layout.lock()?;
        let mut state = self.layout.read_state()?;
        if state.supervisor_pid != me
            && proc::is_alive(state.supervisor_pid, state.supervisor_start_ticks)
        {
            return Err(ShimError::AlreadyRunning(self.layout.id.clone()));
        }
        state.supervisor_pid = me;
        state.supervisor_start_ticks = ticks;
        self.layout.write_state(&state)
    }

    /// Runs the container, again and again as its restart policy says. Returns the exit
    /// code of the last run (`None` when it never started).
    fn run_with_restarts(&mut self, record: &ContainerRecord) -> Result<Option<i32>, ShimError> {
        let policy = &record.host_config.restart_policy;
        let mut backoff = Duration::from_millis(100);
        let mut first = true;
        loop {
            let started_at = Instant::now();
            let ended = match self.run_once(record, first) {
                Ok(ended) => ended,
                Err(e) if first => return Err(e),
                Err(e) => {
                    eprintln!("restart failed: {e}");
                    self.layout.update_state(|s| {
                        s.status = Status::Exited;
                        s.error = e.message();
                        s.exit_code = e.exit_code();
                        s.finished_at = Some(Utc::now());
                        s.pid = 0;
                    })?;
                    return Ok(Some(e.exit_code()));
                }
            };
            first = false;
            let state = self.layout.read_state()?;
            let restart = !state.stopped_by_user
                && match policy.name.as_str() {
                    "always" | "unless-stopped" => true,
                    "on-failure" => {
                        ended.exit_code != 0
                            && (policy.maximum_retry_count <= 0
                                || i64::from(state.restart_count) < policy.maximum_retry_count)
                    }
                    _ => false,
                };
            let final_status = if restart {
                Status::Restarting
            } else {
                // The ports refuse connections before anyone can see the container exited.
                if let Some(proxies) = self.proxies.take() {
                    proxies.close();
                }
                Status::Exited
            };
            self.layout.update_state(|s| {
                s.status = final_status;
                s.exit_code = ended.exit_code;
                s.oom_killed = ended.oom_killed;
                s.finished_at = Some(Utc::now());
                s.pid = 0;
            })?;
            if !restart {
                return Ok(Some(ended.exit_code));
            }
            // Docker's backoff: doubling from 100 ms, reset after a run of 10 s or more.
            if started_at.elapsed() >= Duration::from_secs(10) {
                backoff = Duration::from_millis(100);
            }
            let deadline = Instant::now() + backoff;
            backoff = (backoff * 2).min(Duration::from_secs(60));
            while Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
                if self.layout.read_state()?.stopped_by_user {
                    self.layout.update_state(|s| s.status = Status::Exited)?;
                    return Ok(Some(ended.exit_code));
                }
            }
            self.layout.update_state(|s| s.restart_count += 1)?;
        }
    }

    /// Creates, starts and serves the container once.
    fn run_once(&mut self, record: &ContainerRecord, first: bool) -> Result<Ended, ShimError> {
        if !self.layout.bundle().join("config.json").exists() {
            crate::Engine::open(self.paths.clone())
                .and_then(|engine| engine.container_bundle(&self.layout.id))
                .map_err(|e| {
                    ShimError::Start(format!(
                        "failed to create task for container: failed to create shim task: OCI \
                         runtime create failed: runc create failed: unable to start container \
                         process: error during container init: {e}: unknown"
                    ))
                })?;
        }
        remove_libcontainer_leftovers(&self.layout);
        std::fs::create_dir_all(&self.layout.libcontainer_root)
            .map_err(|e| ShimError::io("create libcontainer root", e))?;
        std::fs::create_dir_all(&self.layout.run_dir)
            .map_err(|e| ShimError::io("create runtime dir", e))?;
        let listener = if first {
            let path = self.layout.attach_socket();
            let _ = std::fs::remove_file(&path);
            let listener =
                UnixListener::bind(&path).map_err(|e| ShimError::io("bind attach socket", e))?;
            if self.wait_attach {
                self.report("attach-ready");
                self.accept_first_client(&listener);
            }
            Some(listener)
        } else {
            None
        };
        // The container's network namespace is made and plumbed on a thread while the overlay
        // is mounted and a client attaches (or, for a spec that has libcontainer make it, in
        // between create and start, while init waits). The first start's began in `run`;
        // taken only from here on, so no early return above leaves a thread working on the
        // namespace's file.
        let mut preparing = match self.preparing.take() {
            Some(begun) => Some(begun),
            None => self.start_preparing_network(record),
        };

        // Held by the container's init (a fork of this process) until its `execve` closes it
        // (libcontainer marks every inherited descriptor close-on-exec): EOF on the other end
        // once this process has let go of its copy means the program runs (see `exec_seen`).
        let (exec_watch, exec_pending) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
            .map_err(|e| ShimError::io("create the exec pipe", e.into()))?;
        let created = crate::network::plumbing::join_container_network(
            &self.paths,
            record,
            &self.layout.bundle(),
        )
        .map_err(|e| ShimError::Start(e.to_string()))
        // libcontainer joins the namespace from its file: the thread must have made it, and
        // exited, first (see `Preparing::join`).
        .and_then(|()| {
            preparing
                .take()
                .map(Preparing::join)
                .transpose()
                .map_err(network_error)
        })
        .and_then(|prepared| Ok((self.create(record)?, prepared)))
        .and_then(|((mut container, stdio), prepared)| {
            // Only the container's init is in the cgroup now, waiting for its start (see
            // `container::spec` on why the limit is not in the spec).
            if let Some(limit) = record.host_config.pids_limit.filter(|l| *l > 0) {
                if let Err(e) = cgroup::set_pids_limit(&self.layout.id, limit) {
                    let _ = container.delete(true);
                    return Err(ShimError::Start(format!(
                        "failed to create task for container: failed to set the pids limit: {e}"
                    )));
                }
            }
            let pid = container.pid().map(|p| p.as_raw()).unwrap_or(0);
            let network = match prepared {
                Some(network) => Ok(Some(network)),
                None => crate::network::plumbing::plumb(&self.paths, record, pid).map(|()| None),
            };
            match network {
                Ok(network) => Ok((container, stdio, network)),
                Err(e) => {
                    let _ = container.delete(true);
                    Err(network_error(e))
                }
            }
        });
        drop(exec_pending);
        // A failure before the join leaves the thread to be joined (and its mount undone)
        // before anything else may prepare a namespace on the same file.
        if let Some(thread) = preparing.take() {
            drop(thread.join());
        }
        let (container, stdio, mut network) = match created {
            Ok(created) => created,
            Err(e) => {
                remove_libcontainer_leftovers(&self.layout);
                cgroup::kill_all(&self.layout.id, Duration::from_secs(5));
                cgroup::remove(&self.layout.id);
                let (code, message) = (e.exit_code(), e.message());
                self.layout.update_state(|s| {
                    s.exit_code = code;
                    s.error = message;
                    s.pid = 0;
                })?;
                return Err(e);
            }
        };
        let mut container = container;
        let sigfd = block_signals()?;
        // The embedded DNS listens before the program runs (it may ask at once); started
        // once the signals are blocked, so its thread never takes the signalfd's SIGCHLD.
        let dns = crate::network::plumbing::resolves(record)
            .then(|| {
                use crate::network::dns::Server;
                match network.as_mut().and_then(|n| n.take_dns_socket()) {
                    Some(socket) => Server::serve(&self.paths, &self.layout.id, socket),
                    None => {
                        let pid = container.pid().map(|p| p.as_raw()).unwrap_or(0);
                        Server::start(&self.paths, &self.layout.id, pid)
                    }
                }
            })
            .and_then(|started| started.inspect_err(|e| eprintln!("embedded dns: {e}")).ok());
        container
            .start()
            .map_err(|e| ShimError::Start(format!("start container: {e}")))?;
        // Running means running the program: `docker top` or `exec` right after `run -d` must
        // not find the init still in libcontainer's code (its command line is ours until
        // `execve`).
        exec_seen(&exec_watch, EXEC_WAIT);
        let pid = container.pid().map(|p| p.as_raw()).unwrap_or(0);
        self.layout.update_state(|s| {
            s.status = Status::Running;
            s.pid = pid;
            s.started_at = Some(Utc::now());
            s.exit_code = 0;
            s.error = String::new();
            s.oom_killed = false;
        })?;
        if first {
            self.serve_ports(record);
            self.report(&format!("started {pid}"));
            self.ready = None;
        }
        let mut log =
            LogWriter::open(&self.layout.log_path()).map_err(|e| ShimError::io("open log", e))?;
        if first {
            self.release_pages_at = Some(Instant::now() + RELEASE_PAGES_AFTER);
        }
        let exit_code = self.serve(pid, stdio, listener.as_ref(), &sigfd, &mut log);
        // Its socket and the namespace's mount hold the container's network namespace:
        // let go of them now it has ended.
        drop(dns);
        drop(network);
        let _ = log.finish();
        drop(sigfd);
        unblock_signals();
        let oom_killed = cgroup::oom_killed(&self.layout.id);
        // PID 1 is reaped: empty and remove the cgroup and drop libcontainer's state directory
        // ourselves. (libcontainer's `delete` would do the same after first rebuilding its
        // cgroup manager, some hundreds of /proc reads on a cgroup v1 host.)
        cgroup::kill_all(&self.layout.id, Duration::from_secs(5));
        cgroup::remove(&self.layout.id);
        let _ = std::fs::remove_dir_all(self.layout.libcontainer_dir());
        Ok(Ended {
            exit_code,
            oom_killed,
        })
    }

    /// Starts making the container's network namespace on a thread of its own (it moves
    /// between namespaces), when its spec joins the one this makes (see
    /// `network::prepared`). The thread blocks the signals the supervisor takes through its
    /// signalfd, as every thread of the supervisor must. It must have ended before
    /// libcontainer clones its first process (see [`Preparing::join`]).
    fn start_preparing_network(&self, record: &ContainerRecord) -> Option<Preparing> {
        if !crate::network::plumbing::has_own_namespace(record) {
            return None;
        }
        let file = crate::container::netns_file(&self.paths, &self.layout.id);
        if !crate::network::prepared::bundle_joins(&self.layout.bundle(), &file) {
            return None;
        }
        let (paths, record) = (self.paths.clone(), record.clone());
        let with_dns = crate::network::plumbing::resolves(&record);
        let (tell_mounted, mounted) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("netns".into())
            .spawn(move || {
                let _ = nix::sys::signal::pthread_sigmask(
                    SigmaskHow::SIG_BLOCK,
                    Some(&signal_set()),
                    None,
                );
                crate::network::prepared::prepare(&paths, &record, &file, with_dns, || {
                    let _ = tell_mounted.send(());
                })
            })
            .ok()?;
        Some(Preparing { thread, mounted })
    }

    /// Binds the host side of every published port before anything starts, so a taken port
    /// fails the start with Docker's message and leaves nothing running. Ports need the
    /// container's own address: with `--network host`/`none`/`container:` they are
    /// discarded, as Docker does.
    fn bind_ports(&mut self, record: &ContainerRecord) -> Result<(), ShimError> {
        let hc = &record.host_config;
        let Some(endpoint) = crate::network::plumbing::wired_endpoints(record)
            .into_iter()
            .find(|e| e.ip.is_some())
        else {
            return Ok(());
        };
        let wanted = crate::network::ports::wanted(
            &hc.port_bindings,
            record.config.exposed_ports.as_ref(),
            hc.publish_all_ports,
        );
        if wanted.is_empty() {
            return Ok(());
        }
        let bound = crate::network::proxy::bind_all(&wanted).map_err(|e| {
            ShimError::Start(format!(
                "driver failed programming external connectivity on endpoint {} ({}): {e}",
                record.bare_name(),
                endpoint.endpoint_id
            ))
        })?;
        let published: Vec<_> = bound.iter().map(|(p, _)| p.clone()).collect();
        self.layout.update_state(|s| s.ports = published)?;
        self.pending_ports = bound;
        Ok(())
    }

    /// Starts the proxies bound by [`Self::bind_ports`]; they serve until this process ends.
    fn serve_ports(&mut self, record: &ContainerRecord) {
        if self.pending_ports.is_empty() {
            return;
        }
        let target = crate::network::plumbing::wired_endpoints(record)
            .into_iter()
            .find_map(|e| e.ip);
        let lab = crate::network::labhost::open(self.paths.run());
        match (target, lab) {
            (Some(ip), Some(lab)) => {
                self.proxies = Some(crate::network::proxy::serve(
                    std::mem::take(&mut self.pending_ports),
                    ip,
                    lab,
                ));
            }
            _ => eprintln!("port proxies: no address or lab host to forward to"),
        }
    }

    /// Waits (bounded) for the foreground client and reads its hello before the start.
    fn accept_first_client(&mut self, listener: &UnixListener) {
        let fd = listener.as_fd();
        let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
        let timeout =
            PollTimeout::try_from(ATTACH_WAIT.as_millis() as i32).unwrap_or(PollTimeout::MAX);
        if !matches!(poll(&mut fds, timeout), Ok(n) if n > 0) {
            return;
        }
        if let Ok((mut stream, _)) = listener.accept() {
            let _ = stream.set_read_timeout(Some(ATTACH_WAIT));
            let hello = match attach::read_frame(&mut stream) {
                Ok(Some((attach::HELLO, json))) => serde_json::from_slice(&json).ok(),
                _ => None,
            };
            let _ = stream.set_read_timeout(None);
            let _ = stream.set_nonblocking(true);
            self.clients.push(Client {
                stream,
                frames: FrameBuf::default(),
                hello,
            });
        }
    }

    /// Creates the libcontainer container (its init waits for `start`).
    fn create(&mut self, record: &ContainerRecord) -> Result<(Container, Stdio), ShimError> {
        let id = self.layout.id.clone();
        let mut builder = ContainerBuilder::new(id.clone(), SyscallType::default())
            .with_root_path(self.layout.libcontainer_root.clone())
            .map_err(|e| ShimError::Start(e.to_string()))?
            .with_executor(executor::ContainerExecutor);
        let tty = record.config.tty;
        let mut console = None;
        let mut pipes = None;
        if tty {
            let path = self.layout.console_socket();
            let _ = std::fs::remove_file(&path);
            console = Some(
                UnixListener::bind(&path).map_err(|e| ShimError::io("bind console socket", e))?,
            );
            builder = builder.with_console_socket(Some(path));
        } else {
            let (out_r, out_w) = pipe()?;
            let (err_r, err_w) = pipe()?;
            let stdin_w = if record.config.open_stdin {
                let (in_r, in_w) = pipe()?;
                builder = builder.with_stdin(in_r);
                Some(File::from(in_w))
            } else {
                let null =
                    File::open("/dev/null").map_err(|e| ShimError::io("open /dev/null", e))?;
                builder = builder.with_stdin(OwnedFd::from(null));
                None
            };
            builder = builder.with_stdout(out_w).with_stderr(err_w);
            pipes = Some(Stdio::Pipes {
                stdout: Some(File::from(out_r)),
                stderr: Some(File::from(err_r)),
                stdin: stdin_w,
            });
        }
        unblock_signals();
        let guard = cgroup::creation_guard();
        let container = builder
            .as_init(self.layout.bundle())
            .with_systemd(false)
            .with_detach(true)
            .build()
            .map_err(classify_create_error)?;
        drop(guard);
        let stdio = match console {
            Some(listener) => Stdio::Tty {
                master: Some(receive_master(&listener)?),
            },
            None => pipes.expect("pipes made when there is no tty"),
        };
        Ok((container, stdio))
    }

    /// Serves the running container until PID 1 has exited and its output is drained;
    /// returns the exit code Docker reports (128 + signal for a killed process).
    fn serve(
        &mut self,
        pid: i32,
        mut stdio: Stdio,
        listener: Option<&UnixListener>,
        sigfd: &SignalFd,
        log: &mut LogWriter,
    ) -> i32 {
        let mut exit_code: Option<i32> = None;
        let mut grace_deadline: Option<Instant> = None;
        let mut buf = vec![0u8; 32 * 1024];
        let tty = matches!(stdio, Stdio::Tty { .. });
        // Reap what may have ended before the signalfd existed.
        reap(pid, &mut exit_code);
        loop {
            let outputs_open = match &stdio {
                Stdio::Pipes { stdout, stderr, .. } => stdout.is_some() || stderr.is_some(),
                Stdio::Tty { master } => master.is_some(),
            };
            if exit_code.is_some() {
                if !outputs_open {
                    break;
                }
                let deadline =
                    *grace_deadline.get_or_insert_with(|| Instant::now() + Duration::from_secs(2));
                if Instant::now() >= deadline {
                    break;
                }
            }
            // Which fd is which: 0 signalfd, then outputs, listener, clients.
            let mut kinds: Vec<Source> = Vec::new();
            let mut fds: Vec<PollFd<'_>> = Vec::new();
            fds.push(PollFd::new(sigfd.as_fd(), PollFlags::POLLIN));
            kinds.push(Source::Signal);
            match &stdio {
                Stdio::Pipes { stdout, stderr, .. } => {
                    if let Some(f) = stdout {
                        fds.push(PollFd::new(f.as_fd(), PollFlags::POLLIN));
                        kinds.push(Source::Out(Stream::Stdout));
                    }
                    if let Some(f) = stderr {
                        fds.push(PollFd::new(f.as_fd(), PollFlags::POLLIN));
                        kinds.push(Source::Out(Stream::Stderr));
                    }
                }
                Stdio::Tty { master: Some(m) } => {
                    fds.push(PollFd::new(m.as_fd(), PollFlags::POLLIN));
                    kinds.push(Source::Out(Stream::Stdout));
                }
                Stdio::Tty { master: None } => {}
            }
            if let Some(l) = listener {
                fds.push(PollFd::new(l.as_fd(), PollFlags::POLLIN));
                kinds.push(Source::Listener);
            }
            for (i, c) in self.clients.iter().enumerate() {
                fds.push(PollFd::new(c.stream.as_fd(), PollFlags::POLLIN));
                kinds.push(Source::Client(i));
            }
            let timeout = if exit_code.is_some() {
                PollTimeout::from(100u8)
            } else if let Some(at) = self.release_pages_at {
                PollTimeout::try_from(at.saturating_duration_since(Instant::now()))
                    .unwrap_or(PollTimeout::ZERO)
            } else {
                PollTimeout::NONE
            };
            let polled = poll(&mut fds, timeout);
            if self.release_pages_at.is_some_and(|at| Instant::now() >= at) {
                self.release_pages_at = None;
                super::pages::release_startup_pages();
            }
            match polled {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => {
                    eprintln!("poll: {e}");
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
            }
            let ready: Vec<(Source, PollFlags)> = fds
                .iter()
                .zip(kinds)
                .filter_map(|(fd, kind)| {
                    let revents = fd.revents().unwrap_or(PollFlags::empty());
                    (!revents.is_empty()).then_some((kind, revents))
                })
                .collect();
            drop(fds);
            let mut dead_clients = Vec::new();
            for (source, _flags) in ready {
                match source {
                    Source::Signal => {
                        while let Ok(Some(_)) = sigfd.read_signal() {}
                        reap(pid, &mut exit_code);
                    }
                    Source::Out(stream) => {
                        let file = match (&mut stdio, stream) {
                            (Stdio::Pipes { stdout, .. }, Stream::Stdout) => stdout,
                            (Stdio::Pipes { stderr, .. }, Stream::Stderr) => stderr,
                            (Stdio::Tty { master }, _) => master,
                        };
                        let Some(f) = file.as_mut() else { continue };
                        match f.read(&mut buf) {
                            Ok(0) | Err(_) => *file = None,
                            Ok(n) => {
                                let data = &buf[..n];
                                if let Err(e) = log.write(stream, data) {
                                    eprintln!("log: {e}");
                                }
                                self.broadcast(stream, data);
                                // A shell on a pty nobody is attached to (`run -itd`) may ask
                                // the terminal where the cursor is (ESC[6n) and give up when
                                // no answer comes; answer as a terminal would, top-left.
                                let typing = self
                                    .clients
                                    .iter()
                                    .any(|c| c.hello.is_some_and(|h| h.stdin));
                                if tty && !typing && contains(data, b"\x1b[6n") {
                                    let _ = f.write_all(b"\x1b[1;1R");
                                }
                            }
                        }
                    }
                    Source::Listener => {
                        if let Some(l) = listener {
                            if let Ok((stream, _)) = l.accept() {
                                let _ = stream.set_nonblocking(true);
                                self.clients.push(Client {
                                    stream,
                                    frames: FrameBuf::default(),
                                    hello: None,
                                });
                            }
                        }
                    }
                    Source::Client(i) => {
                        if !self.read_client(i, &mut stdio) {
                            dead_clients.push(i);
                        }
                    }
                }
            }
            dead_clients.sort_unstable();
            for i in dead_clients.into_iter().rev() {
                self.clients.remove(i);
            }
        }
        exit_code.unwrap_or(137)
    }

    /// Reads what a client sent; false when it went away.
    fn read_client(&mut self, i: usize, stdio: &mut Stdio) -> bool {
        let mut buf = [0u8; 8192];
        let client = &mut self.clients[i];
        match client.stream.read(&mut buf) {
            Ok(0) => return false,
            Ok(n) => client.frames.push(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(_) => return false,
        }
        while let Some((kind, payload)) = self.clients[i].frames.next_frame() {
            let client = &mut self.clients[i];
            match kind {
                attach::HELLO => client.hello = serde_json::from_slice(&payload).ok(),
                attach::STDIN if client.hello.is_some_and(|h| h.stdin) => match stdio {
                    Stdio::Pipes { stdin, .. } => {
                        let failed = stdin
                            .as_mut()
                            .is_some_and(|w| w.write_all(&payload).is_err());
                        if failed {
                            *stdin = None;
                        }
                    }
                    Stdio::Tty { master: Some(m) } => {
                        let _ = m.write_all(&payload);
                    }
                    _ => {}
                },
                attach::STDIN_EOF if client.hello.is_some_and(|h| h.stdin) => {
                    if let Stdio::Pipes { stdin, .. } = stdio {
                        *stdin = None;
                    }
                }
                attach::RESIZE if payload.len() == 4 => {
                    if let Stdio::Tty { master: Some(m) } = stdio {
                        let rows = u16::from_be_bytes([payload[0], payload[1]]);
                        let cols = u16::from_be_bytes([payload[2], payload[3]]);
                        attach::set_terminal_size(m.as_fd(), rows, cols);
                    }
                }
                _ => {}
            }
        }
        true
    }

    /// Sends output to every client that asked for that stream.
    fn broadcast(&mut self, stream: Stream, data: &[u8]) {
        let kind = match stream {
            Stream::Stdout => attach::STDOUT,
            Stream::Stderr => attach::STDERR,
        };
        let frame = attach::encode(kind, data);
        self.clients.retain_mut(|c| {
            let wanted = c.hello.is_some_and(|h| match stream {
                Stream::Stdout => h.stdout,
                Stream::Stderr => h.stderr,
            });
            !wanted || write_blocking(&mut c.stream, &frame).is_ok()
        });
    }

    /// Tells every client the container's exit code and lets them go.
    fn send_exit(&mut self, code: i32) {
        let frame = attach::encode(attach::EXIT, &code.to_be_bytes());
        for mut c in self.clients.drain(..) {
            let _ = write_blocking(&mut c.stream, &frame);
        }
    }

    /// `--rm`: the container goes once it has ended. Takes it out of the store and removes
    /// its anonymous volumes; its files are deleted by finishing the returned removal.
    fn remove_container(&mut self) -> Option<crate::container::store::Removal> {
        let store = match crate::container::store::ContainerStore::open(&self.paths) {
            Ok(store) => store,
            Err(e) => {
                eprintln!("auto-remove: {e}");
                return None;
            }
        };
        let record = store.record(&self.layout.id);
        let removal = match store.take_out(&self.layout.id) {
            Ok(removal) => removal,
            Err(e) => {
                eprintln!("auto-remove: {e}");
                return None;
            }
        };
        // With its anonymous volumes, as Docker's `--rm` does. (Most containers have no
        // volume: then no engine needs opening, and the client hears sooner.)
        match record {
            Ok(record) if record.mounts.iter().any(|m| m.is_volume()) => {
                let volumes = crate::Engine::open(self.paths.clone())
                    .and_then(|engine| engine.remove_anonymous_volumes(&record));
                if let Err(e) = volumes {
                    eprintln!("auto-remove volumes: {e}");
                }
            }
            Ok(_) => {}
            Err(e) => eprintln!("auto-remove volumes: {e}"),
        }
        Some(removal)
    }
}

#[derive(Debug, Clone, Copy)]
enum Source {
    Signal,
    Out(Stream),
    Listener,
    Client(usize),
}

/// Writes a whole frame to a non-blocking client, waiting (bounded) while its buffer is full.
fn write_blocking(stream: &mut UnixStream, bytes: &[u8]) -> io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut rest = bytes;
    while !rest.is_empty() {
        match stream.write(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    return Err(e);
                }
                let mut fds = [PollFd::new(stream.as_fd(), PollFlags::POLLOUT)];
                let _ = poll(&mut fds, PollTimeout::from(100u8));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reaps every ended child (we are a subreaper); notes PID 1's exit code.
fn reap(init: i32, exit_code: &mut Option<i32>) {
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, code)) => {
                if pid.as_raw() == init {
                    *exit_code = Some(code);
                }
            }
            Ok(WaitStatus::Signaled(pid, signal, _)) => {
                if pid.as_raw() == init {
                    *exit_code = Some(128 + signal as i32);
                }
            }
            Ok(WaitStatus::StillAlive) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

fn signal_set() -> SigSet {
    let mut set = SigSet::empty();
    for s in [
        Signal::SIGCHLD,
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGHUP,
        Signal::SIGPIPE,
    ] {
        set.add(s);
    }
    set
}

/// Blocks the signals the supervisor handles itself and returns a signalfd for SIGCHLD.
/// (SIGTERM, SIGINT, SIGHUP are blocked so nothing but SIGKILL ends a supervisor midway.)
fn block_signals() -> Result<SignalFd, ShimError> {
    let set = signal_set();
    nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None)
        .map_err(|e| ShimError::io("block signals", e.into()))?;
    let mut only_chld = SigSet::empty();
    only_chld.add(Signal::SIGCHLD);
    SignalFd::with_flags(&only_chld, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
        .map_err(|e| ShimError::io("signalfd", e.into()))
}

/// Unblocks them again: libcontainer's processes inherit the signal mask, and the
/// container's program must start with none blocked.
fn unblock_signals() {
    let _ = nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_UNBLOCK, Some(&signal_set()), None);
}

type Prepared =
    Result<crate::network::prepared::PreparedNetwork, crate::network::plumbing::PlumbingError>;

/// The thread making a container's network namespace.
struct Preparing {
    thread: std::thread::JoinHandle<Prepared>,
    mounted: std::sync::mpsc::Receiver<()>,
}

impl Preparing {
    /// Waits until the namespace is on the file the spec names (what libcontainer's create
    /// needs) and the thread has exited; returns what it made, or why it failed.
    fn join(self) -> Prepared {
        let reported = self.mounted.recv().is_ok();
        // libcontainer clones its first process with a raw `clone3` (no fork handlers): a
        // malloc lock this thread holds at that moment stays locked in the child (a lifecycle
        // test hung in the intermediate process). So the thread must have *exited* before
        // the create begins: joined, not `is_finished()`, which turns true when its closure
        // returns, while glibc still frees the thread's cache and arena — taking their locks
        // — on its way out (CI once hung there: `docker start` in a lesson check).
        let made = self.thread.join().unwrap_or_else(|_| {
            Err(crate::network::plumbing::PlumbingError::io(
                "prepare network namespace",
                io::Error::other("the thread panicked"),
            ))
        });
        if reported {
            return made;
        }
        // (It reports the mount before it can succeed, so this is an error in practice.)
        made.and_then(|_| {
            Err(crate::network::plumbing::PlumbingError::io(
                "prepare network namespace",
                io::Error::other("it ended without mounting the namespace"),
            ))
        })
    }
}

/// Docker's start failure for a network that could not be set up.
fn network_error(why: crate::network::plumbing::PlumbingError) -> ShimError {
    ShimError::Start(format!(
        "failed to create task for container: failed to set up network: {why}"
    ))
}

fn pipe() -> Result<(OwnedFd, OwnedFd), ShimError> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| ShimError::io("pipe", e.into()))
}

/// A mount namespace of our own whose mounts do not propagate back to the host's.
fn private_mount_namespace() -> Result<(), ShimError> {
    use nix::mount::{mount, MsFlags};
    use nix::sched::{unshare, CloneFlags};
    unshare(CloneFlags::CLONE_NEWNS)
        .map_err(|e| ShimError::io("unshare mount namespace", e.into()))?;
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_SLAVE,
        None::<&str>,
    )
    .map_err(|e| ShimError::io("make / a slave mount", e.into()))
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Receives the pty master libcontainer's init sends over the console socket.
pub(super) fn receive_master(listener: &UnixListener) -> Result<File, ShimError> {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
    let (stream, _) = listener
        .accept()
        .map_err(|e| ShimError::io("accept console socket", e))?;
    let mut buf = [0u8; 4096];
    let mut iov = [io::IoSliceMut::new(&mut buf)];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
    let msg = recvmsg::<()>(
        stream.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::empty(),
    )
    .map_err(|e| ShimError::io("receive pty master", e.into()))?;
    for cmsg in msg
        .cmsgs()
        .map_err(|e| ShimError::io("read pty master", e.into()))?
    {
        if let ControlMessageOwned::ScmRights(fds) = cmsg {
            if let Some(&fd) = fds.first() {
                // SAFETY: SCM_RIGHTS installed this fd in our table just now; nothing else
                // owns it.
                return Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd) }));
            }
        }
    }
    Err(ShimError::Start("no pty master received".to_string()))
}

/// How long after the start the supervisor gives back its start-up pages: a container that
/// ends sooner (`run --rm hello-world`) never pays for reading its page map, and one that keeps
/// running does not pay for it while its own program starts beside it.
const RELEASE_PAGES_AFTER: Duration = Duration::from_millis(200);

/// How long a start waits for the container's program to be executed (a program on a very
/// slow disk is reported running after this even if its `execve` has not returned).
const EXEC_WAIT: Duration = Duration::from_secs(5);

/// Waits until every write end of `pipe` is closed — the container's init holds the last one
/// until its `execve` (or its death) — or `limit` has passed. Nothing is ever written to it,
/// so any readiness is that hang-up.
fn exec_seen(pipe: &OwnedFd, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut fds = [PollFd::new(pipe.as_fd(), PollFlags::POLLIN)];
        let timeout = PollTimeout::try_from(left).unwrap_or(PollTimeout::ZERO);
        if poll(&mut fds, timeout) != Err(nix::errno::Errno::EINTR) {
            return;
        }
    }
}

/// Deletes libcontainer's state of an earlier run (a crashed supervisor, a restart).
fn remove_libcontainer_leftovers(layout: &Layout) {
    let dir = layout.libcontainer_dir();
    if !dir.exists() {
        return;
    }
    if let Ok(mut c) = Container::load(dir.clone()) {
        let _ = c.delete(true);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Maps libcontainer's create failure to Docker's message and exit code.
fn classify_create_error(err: libcontainer::error::LibcontainerError) -> ShimError {
    let text = format!("{err} {err:?}");
    let name_after = |marker: &str| -> String {
        let start = text.find(marker).map(|i| i + marker.len()).unwrap_or(0);
        text[start..]
            .chars()
            .take_while(|c| !matches!(c, '"' | '\'' | ')' | '\\') && !c.is_whitespace())
            .collect()
    };
    let prefix = "failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec:";
    if text.contains(executor::NOT_FOUND) {
        let name = name_after(executor::NOT_FOUND);
        return ShimError::Exec {
            code: 127,
            message: format!("{prefix} \"{name}\": executable file not found in $PATH: unknown"),
        };
    }
    if text.contains(executor::NOT_EXECUTABLE) {
        let name = name_after(executor::NOT_EXECUTABLE);
        return ShimError::Exec {
            code: 126,
            message: format!("{prefix} \"{name}\": permission denied: unknown"),
        };
    }
    if text.contains(executor::IS_DIRECTORY) {
        let name = name_after(executor::IS_DIRECTORY);
        return ShimError::Exec {
            code: 126,
            message: format!("{prefix} \"{name}\": is a directory: unknown"),
        };
    }
    ShimError::Start(format!(
        "failed to create task for container: OCI runtime create failed: {err}"
    ))
}

/// Docker creates a missing `-w`/`WORKDIR` directory in the container. Done in the mounted
/// root (so it lands in the container's own layer), one component at a time, never through a
/// symbolic link: a link in the image could otherwise point the creation out of the root.
fn create_working_dir(rootfs: &std::path::Path, working_dir: &str) {
    let mut path = rootfs.to_path_buf();
    for part in std::path::Path::new(working_dir).components() {
        let std::path::Component::Normal(name) = part else {
            continue;
        };
        path.push(name);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => continue,
            Ok(_) => return,
            Err(_) => {
                if std::fs::create_dir(&path).is_err() {
                    return;
                }
            }
        }
    }
}
