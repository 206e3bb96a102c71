//! The check engine's sixteen kinds on a real engine, each made to pass and to fail, with the
//! explanation a learner reads (`expected` / `observed`, in English and for a few kinds in
//! Korean). One setup serves most kinds, to keep container starts few: a user network
//! `checknet` (172.29.77.0/24) holding `web` (nginx with a published loopback port, an env
//! var, a read-only bind mount, limits and a restart policy) and `pinger` (busybox with a
//! named volume); `done`, a busybox that exited with code 3; `swapped`, created with the
//! classic `-p 80:8080` mistake and never started. HTTP goes only to 127.0.0.1.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dockerlings::check::{
    evaluate, evaluate_settled, CheckContext, CheckSpec, Outcome, TypedCommand,
};
use dockerlings::i18n::Lang;
use dockerlings_runtime::{Engine, Paths};

use super::Lab;

/// The page `web` serves from its bind mount (nginx's own page is hidden by it).
const PAGE: &str = "<html><body><h1>check engine page</h1></body></html>\n";

/// A loopback port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A check from the body of an inline TOML table, as a lesson's `[[check]]` gives it.
fn spec(body: &str) -> CheckSpec {
    let doc: toml::Table = format!("c = {{ id = \"t\", {body} }}").parse().unwrap();
    let toml::Value::Table(table) = &doc["c"] else {
        unreachable!()
    };
    CheckSpec::from_table(table).unwrap_or_else(|e| panic!("{body}: {e}"))
}

/// What every check of a test looks at: a Lab's engine, the learner's record and answers.
struct Judge {
    engine: Engine,
    probe_env: Vec<(String, String)>,
    cwd: PathBuf,
    typed: Vec<TypedCommand>,
    answers: BTreeMap<String, String>,
}

impl Judge {
    fn new(lab: &Lab, cwd: &Path) -> Self {
        Self {
            engine: Engine::open(Paths::new(lab.root.path(), lab.run.path())).unwrap(),
            probe_env: vec![
                (
                    "DOCKERLINGS_ROOT".to_string(),
                    lab.root.path().display().to_string(),
                ),
                (
                    "DOCKERLINGS_RUN".to_string(),
                    lab.run.path().display().to_string(),
                ),
            ],
            cwd: cwd.to_path_buf(),
            typed: Vec::new(),
            answers: BTreeMap::new(),
        }
    }

    fn typed(mut self, lines: &[&str]) -> Self {
        self.typed = lines
            .iter()
            .map(|l| TypedCommand {
                at: chrono::Utc::now(),
                line: l.to_string(),
            })
            .collect();
        self
    }

    fn context(&self, lang: Lang) -> CheckContext<'_> {
        CheckContext {
            engine: &self.engine,
            exe: PathBuf::from(env!("CARGO_BIN_EXE_dockerlings")),
            probe_env: self.probe_env.clone(),
            cwd: self.cwd.clone(),
            typed: &self.typed,
            answers: &self.answers,
            lang,
        }
    }

    fn outcome(&self, lang: Lang, body: &str) -> Outcome {
        evaluate(&spec(body), &self.context(lang))
    }

    /// Asserts the check passes; its observation.
    fn pass(&self, body: &str) -> String {
        match self.outcome(Lang::En, body) {
            Outcome::Pass { observed } => observed,
            other => panic!("{body}: expected a pass, got {other:?}"),
        }
    }

    /// Asserts the check fails; (expected, observed).
    fn fail_in(&self, lang: Lang, body: &str) -> (String, String) {
        match self.outcome(lang, body) {
            Outcome::Fail { expected, observed } => (expected, observed),
            other => panic!("{body}: expected a failure, got {other:?}"),
        }
    }

    fn fail(&self, body: &str) -> (String, String) {
        self.fail_in(Lang::En, body)
    }

    /// Asserts the check fails with exactly this explanation.
    fn fails_with(&self, body: &str, expected: &str, observed: &str) {
        assert_eq!(
            self.fail(body),
            (expected.into(), observed.into()),
            "{body}"
        );
    }
}

/// The shared setup: what it made, for the checks to compare with.
struct World {
    port: u16,
    page_dir: tempfile::TempDir,
    web_id: String,
}

fn set_up(lab: &Lab) -> World {
    let port = free_port();
    let page_dir = tempfile::tempdir().unwrap();
    std::fs::write(page_dir.path().join("index.html"), PAGE).unwrap();
    lab.ok(&[
        "network",
        "create",
        "--subnet",
        "172.29.77.0/24",
        "checknet",
    ]);
    let publish = format!("127.0.0.1:{port}:80");
    let bind = format!("{}:/usr/share/nginx/html:ro", page_dir.path().display());
    let web_id = lab
        .ok(&[
            "run",
            "-d",
            "--name",
            "web",
            "--network",
            "checknet",
            "-p",
            &publish,
            "-e",
            "GREETING=hello",
            "-v",
            &bind,
            "-m",
            "64m",
            "--cpus",
            "0.5",
            "--pids-limit",
            "100",
            "--restart",
            "on-failure:3",
            "nginx",
        ])
        .trim()
        .to_string();
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "pinger",
        "--network",
        "checknet",
        "-v",
        "checkvol:/data",
        "busybox",
        "sleep",
        "600",
    ]);
    let out = lab.docker(&[
        "run",
        "--name",
        "done",
        "busybox",
        "sh",
        "-c",
        "echo bye; exit 3",
    ]);
    assert_eq!(out.status.code(), Some(3));
    lab.ok(&["create", "--name", "swapped", "-p", "80:8080", "busybox"]);
    World {
        port,
        page_dir,
        web_id,
    }
}

/// What the learner typed before the checks: `done` ran in the foreground.
const TYPED: &[&str] = &[
    "docker network create --subnet 172.29.77.0/24 checknet",
    "docker run -d --name web --network checknet -e GREETING=hello nginx",
    "docker run --name done busybox sh -c 'echo bye; exit 3'",
    "docker ps",
];

#[test]
fn every_live_kind_passes_and_fails_with_its_explanation() {
    let Some(lab) = Lab::new() else { return };
    let world = set_up(&lab);
    let cwd = tempfile::tempdir().unwrap();
    let mut judge = Judge::new(&lab, cwd.path()).typed(TYPED);
    // The HTTP probe goes first: the logs checks look for its access line.
    http_kind(&judge, world.port);
    container_kind(&judge);
    image_kind(&judge);
    ping_kind(&judge);
    dns_kind(&judge);
    network_kind(&judge);
    env_kind(&judge);
    mount_kind(&judge, world.page_dir.path());
    file_kind(&judge);
    logs_kind(&judge);
    limit_kind(&judge);
    restart_policy_kind(&judge);
    port_kind(&judge, world.port);
    archive_kind(&lab, &judge, cwd.path());
    command_kind(&judge);
    answer_kind(&lab, &mut judge, &world.web_id);
    drop(judge);
    for name in ["web", "pinger", "done", "swapped"] {
        lab.ok(&["rm", "-f", name]);
    }
    lab.assert_nothing_left();
}

fn http_kind(j: &Judge, port: u16) {
    let url = format!("http://127.0.0.1:{port}/");
    let page = format!("status 200, {} bytes", PAGE.len());
    // The server has just started: give it the time the lab gives it.
    let served = evaluate_settled(
        &spec(&format!(
            "kind = \"http\", url = \"{url}\", contains = \"check engine page\""
        )),
        &j.context(Lang::En),
        Duration::from_secs(10),
    );
    assert_eq!(
        served,
        Outcome::Pass {
            observed: page.clone()
        }
    );
    j.fails_with(
        &format!("kind = \"http\", url = \"{url}\", contains = \"Welcome to nginx!\""),
        &format!("{url} answers with status 200 and a page containing \"Welcome to nginx!\""),
        &page,
    );
    let missing = format!("{url}nope.html");
    let (expected, observed) = j.fail(&format!("kind = \"http\", url = \"{missing}\""));
    assert_eq!(expected, format!("{missing} answers with status 200"));
    assert!(observed.starts_with("status 404, "), "{observed}");
    let observed = j.pass(&format!(
        "kind = \"http\", url = \"{missing}\", status = 404"
    ));
    assert!(observed.starts_with("status 404, "), "{observed}");

    let silent = format!("http://127.0.0.1:{}/", free_port());
    let (expected, observed) = j.fail(&format!("kind = \"http\", url = \"{silent}\""));
    assert_eq!(expected, format!("{silent} answers with status 200"));
    assert!(
        observed.starts_with(&format!("nothing answered at {silent} (")),
        "{observed}"
    );
    let (expected, observed) = j.fail_in(Lang::Ko, &format!("kind = \"http\", url = \"{silent}\""));
    assert_eq!(expected, format!("{silent}이(가) 상태 코드 200로 응답"));
    assert!(
        observed.starts_with(&format!("{silent}에서 응답이 없습니다 (")),
        "{observed}"
    );
    // Only loopback is probed: anything else is not evaluated (and not passed).
    let far = j.outcome(Lang::En, "kind = \"http\", url = \"http://10.1.2.3/\"");
    assert_eq!(
        far,
        Outcome::Skipped {
            reason:
                "http://10.1.2.3/ is not a loopback address; only 127.0.0.1/localhost are probed"
                    .into()
        }
    );
    assert!(!far.passed());
}

fn container_kind(j: &Judge) {
    assert_eq!(
        j.pass("kind = \"container\", name = \"web\""),
        "container web is running"
    );
    j.fails_with(
        "kind = \"container\", name = \"web\", state = \"exited\"",
        "container web is exited",
        "container web is running",
    );
    assert_eq!(
        j.pass("kind = \"container\", name = \"done\", exit_code = 3"),
        "container done is exited (3)"
    );
    j.fails_with(
        "kind = \"container\", name = \"done\", exit_code = 0",
        "container done exited with code 0",
        "container done is exited (3)",
    );
    assert_eq!(
        j.pass("kind = \"container\", name = \"swapped\", state = \"created\""),
        "container swapped is created"
    );
    // Run without -d (the record says so), it stopped: the explanation says why.
    j.fails_with(
        "kind = \"container\", name = \"done\"",
        "container done is running",
        "container done is exited (3) — you ran it without -d, so it ran in the foreground and \
         stopped with Ctrl-C; run it with -d to keep it in the background (docker start done \
         brings it back)",
    );
    assert_eq!(
        j.pass("kind = \"container\", name = \"nosuch\", state = \"absent\""),
        "there is no container named nosuch"
    );
    j.fails_with(
        "kind = \"container\", name = \"nosuch\"",
        "container nosuch is running",
        "there is no container named nosuch",
    );
    j.fails_with(
        "kind = \"container\", name = \"web\", state = \"absent\"",
        "container web is absent",
        "container web is running",
    );
    // By image, with a count.
    assert_eq!(
        j.pass("kind = \"container\", image = \"nginx\", count = 1"),
        "1 matching: web"
    );
    assert_eq!(
        j.pass("kind = \"container\", image = \"busybox\", state = \"exited\""),
        "1 matching: done"
    );
    j.fails_with(
        "kind = \"container\", image = \"nginx\", count = 2",
        "2 container(s) of image nginx that are running",
        "1 matching: web",
    );
    j.fails_with(
        "kind = \"container\", image = \"alpine\"",
        "a container of image alpine that is running",
        "0 matching: ",
    );
    assert_eq!(
        j.pass("kind = \"container\", image = \"alpine\", state = \"absent\""),
        "0 matching: "
    );
    // Absent fails while any container of the image is left, and names them.
    let (expected, observed) =
        j.fail("kind = \"container\", image = \"busybox\", state = \"absent\"");
    assert_eq!(expected, "no container of image busybox");
    assert!(observed.starts_with("3 matching: "), "{observed}");
    for name in ["pinger", "done", "swapped"] {
        assert!(observed.contains(name), "{observed}");
    }
    // In Korean.
    assert_eq!(
        j.fail_in(Lang::Ko, "kind = \"container\", name = \"nosuch\""),
        (
            "컨테이너 nosuch의 상태가 running".to_string(),
            "nosuch이라는 컨테이너가 없습니다".to_string()
        )
    );
    assert_eq!(
        j.fail_in(
            Lang::Ko,
            "kind = \"container\", name = \"done\", exit_code = 0"
        ),
        (
            "컨테이너 done이(가) 종료 코드 0로 종료됨".to_string(),
            "컨테이너 done의 상태: exited (3)".to_string()
        )
    );
}

fn image_kind(j: &Judge) {
    let observed = j.pass("kind = \"image\", name = \"busybox\"");
    let id = observed
        .strip_prefix("image busybox is present (")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{observed}"));
    assert!(id.starts_with("sha256:") && id.len() == 71, "{id}");
    assert!(j
        .pass(&format!(
            "kind = \"image\", name = \"busybox:latest\", digest = \"{id}\""
        ))
        .contains(id));
    j.fails_with(
        "kind = \"image\", name = \"busybox\", digest = \"sha256:0123\"",
        "image busybox is present",
        &observed,
    );
    j.fails_with(
        "kind = \"image\", name = \"busybox\", state = \"absent\"",
        "image busybox is removed",
        &observed,
    );
    j.fails_with(
        "kind = \"image\", name = \"alpine\"",
        "image alpine is present",
        "image alpine is not present",
    );
    assert_eq!(
        j.pass("kind = \"image\", name = \"alpine\", state = \"absent\""),
        "image alpine is not present"
    );
    assert_eq!(
        j.fail_in(Lang::Ko, "kind = \"image\", name = \"alpine\""),
        (
            "이미지 alpine이(가) 있음".to_string(),
            "이미지 alpine이(가) 없습니다".to_string()
        )
    );
}

fn ping_kind(j: &Judge) {
    let web = "kind = \"ping\", from = \"pinger\", to = \"web\"";
    assert_eq!(j.pass(web), "web replied");
    assert_eq!(
        j.pass("kind = \"ping\", from = \"pinger\", to = \"172.29.77.2\""),
        "172.29.77.2 replied"
    );
    j.fails_with(
        &format!("{web}, reachable = false"),
        "pinger cannot reach web",
        "web replied",
    );
    let observed = j.pass("kind = \"ping\", from = \"pinger\", to = \"nosuch\", reachable = false");
    assert!(
        observed.starts_with("no reply from nosuch: ") && observed.len() > 22,
        "{observed}"
    );
    let (expected, observed) = j.fail("kind = \"ping\", from = \"pinger\", to = \"nosuch\"");
    assert_eq!(expected, "pinger can ping nosuch");
    assert!(observed.starts_with("no reply from nosuch: "), "{observed}");
    j.fails_with(
        "kind = \"ping\", from = \"done\", to = \"web\"",
        "done can ping web",
        "container done is exited (3)",
    );
    assert_eq!(
        j.fail_in(Lang::Ko, &format!("{web}, reachable = false")),
        (
            "pinger에서 web에 닿지 않음".to_string(),
            "web이(가) 응답했습니다".to_string()
        )
    );
}

fn dns_kind(j: &Judge) {
    let web = "kind = \"dns\", container = \"pinger\", name = \"web\"";
    assert_eq!(j.pass(web), "web resolves to 172.29.77.2");
    j.fails_with(
        &format!("{web}, resolves = false"),
        "the name web does not resolve inside pinger",
        "web resolves to 172.29.77.2",
    );
    let nosuch = "kind = \"dns\", container = \"pinger\", name = \"nosuch\"";
    j.fails_with(
        nosuch,
        "the name nosuch resolves inside pinger",
        "nosuch does not resolve",
    );
    assert_eq!(
        j.pass(&format!("{nosuch}, resolves = false")),
        "nosuch does not resolve"
    );
    j.fails_with(
        "kind = \"dns\", container = \"nosuch\", name = \"web\"",
        "the name web resolves inside nosuch",
        "there is no container named nosuch",
    );
}

fn network_kind(j: &Judge) {
    let have =
        "network checknet driver=bridge subnet=172.29.77.0/24 gateway=172.29.77.1 containers=[";
    let observed = j.pass(
        "kind = \"network\", name = \"checknet\", driver = \"bridge\", \
         subnet = \"172.29.77.0/24\", gateway = \"172.29.77.1\", container = \"pinger\"",
    );
    assert!(observed.starts_with(have), "{observed}");
    assert!(
        observed.contains("web") && observed.contains("pinger") && !observed.contains("done"),
        "{observed}"
    );
    let (expected, observed) =
        j.fail("kind = \"network\", name = \"checknet\", gateway = \"172.29.77.254\"");
    assert_eq!(expected, "network checknet gateway=172.29.77.254");
    assert!(observed.starts_with(have), "{observed}");
    let (expected, observed) =
        j.fail("kind = \"network\", name = \"checknet\", container = \"done\"");
    assert_eq!(expected, "network checknet container=done");
    assert!(observed.starts_with(have), "{observed}");
    let (expected, _) = j.fail("kind = \"network\", name = \"checknet\", state = \"absent\"");
    assert_eq!(expected, "no network named checknet");
    j.fails_with(
        "kind = \"network\", name = \"nonet\"",
        "network nonet",
        "there is no network named nonet",
    );
    assert_eq!(
        j.pass("kind = \"network\", name = \"nonet\", state = \"absent\""),
        "there is no network named nonet"
    );
}

fn env_kind(j: &Judge) {
    assert_eq!(
        j.pass("kind = \"env\", container = \"web\", name = \"GREETING\", value = \"hello\""),
        "GREETING=hello"
    );
    assert_eq!(
        j.pass("kind = \"env\", container = \"web\", name = \"GREETING\""),
        "GREETING=hello"
    );
    j.fails_with(
        "kind = \"env\", container = \"web\", name = \"GREETING\", value = \"bye\"",
        "web: GREETING=bye",
        "GREETING=hello",
    );
    // A prefix of a set variable is not that variable.
    j.fails_with(
        "kind = \"env\", container = \"web\", name = \"GREET\"",
        "web: GREET",
        "GREET is not set",
    );
    j.fails_with(
        "kind = \"env\", container = \"nosuch\", name = \"GREETING\"",
        "nosuch: GREETING",
        "there is no container named nosuch",
    );
    assert_eq!(
        j.fail_in(
            Lang::Ko,
            "kind = \"env\", container = \"web\", name = \"GREET\""
        ),
        (
            "web: GREET".to_string(),
            "GREET이(가) 설정되어 있지 않습니다".to_string()
        )
    );
}

fn mount_kind(j: &Judge, page_dir: &Path) {
    let dir = page_dir.display();
    let web = format!("{dir}:/usr/share/nginx/html(bind)");
    assert_eq!(
        j.pass(&format!(
            "kind = \"mount\", container = \"web\", destination = \"/usr/share/nginx/html\", \
             source = \"{dir}\", type = \"bind\", read_only = true"
        )),
        web
    );
    j.fails_with(
        "kind = \"mount\", container = \"web\", destination = \"/usr/share/nginx/html\", \
         read_only = false",
        "web:/usr/share/nginx/html read_only=false",
        &web,
    );
    j.fails_with(
        "kind = \"mount\", container = \"web\", destination = \"/usr/share/nginx/html\", \
         type = \"volume\"",
        "web:/usr/share/nginx/html type=volume",
        &web,
    );
    j.fails_with(
        "kind = \"mount\", container = \"web\", destination = \"/data\"",
        "web:/data",
        &web,
    );
    let observed = j.pass(
        "kind = \"mount\", container = \"pinger\", destination = \"/data\", \
         source = \"checkvol\", type = \"volume\", read_only = false",
    );
    assert!(observed.ends_with(":/data(volume)"), "{observed}");
    j.fails_with(
        "kind = \"mount\", container = \"done\", destination = \"/data\"",
        "done:/data",
        "done has no mounts",
    );
    j.fails_with(
        "kind = \"mount\", container = \"nosuch\", destination = \"/data\"",
        "nosuch:/data",
        "there is no container named nosuch",
    );
}

fn file_kind(j: &Judge) {
    let index = "/usr/share/nginx/html/index.html";
    let exists = format!("{index} exists ({} bytes)", PAGE.len());
    assert_eq!(
        j.pass(&format!(
            "kind = \"file\", container = \"web\", path = \"{index}\", contains = \"<h1>check engine page\""
        )),
        exists
    );
    j.fails_with(
        &format!(
            "kind = \"file\", container = \"web\", path = \"{index}\", contains = \"Welcome\""
        ),
        &format!("{index} in web contains \"Welcome\""),
        &exists,
    );
    j.fails_with(
        &format!("kind = \"file\", container = \"web\", path = \"{index}\", state = \"absent\""),
        &format!("{index} does not exist in web"),
        &exists,
    );
    j.fails_with(
        "kind = \"file\", container = \"web\", path = \"/nope.txt\"",
        "/nope.txt exists in web",
        "/nope.txt does not exist",
    );
    assert_eq!(
        j.pass("kind = \"file\", container = \"web\", path = \"/nope.txt\", state = \"absent\""),
        "/nope.txt does not exist"
    );
    // Inside a stopped container nothing can be read: the explanation says it is stopped.
    j.fails_with(
        "kind = \"file\", container = \"done\", path = \"/etc/hostname\"",
        "/etc/hostname exists in done",
        "container done is exited (3)",
    );
    assert_eq!(
        j.fail_in(
            Lang::Ko,
            "kind = \"file\", container = \"web\", path = \"/nope.txt\""
        ),
        (
            "web 안에 /nope.txt이(가) 있음".to_string(),
            "/nope.txt이(가) 없습니다".to_string()
        )
    );
}

fn logs_kind(j: &Judge) {
    assert_eq!(
        j.pass("kind = \"logs\", container = \"done\", contains = \"bye\""),
        "1 log line(s), the text among them"
    );
    j.fails_with(
        "kind = \"logs\", container = \"done\", contains = \"hello\"",
        "the logs of done contain \"hello\"",
        "1 log line(s), without that text",
    );
    // nginx's access line for the HTTP checks' request.
    let observed =
        j.pass("kind = \"logs\", container = \"web\", contains = \"\\\"GET / HTTP/1.1\\\" 200\"");
    assert!(
        observed.ends_with("log line(s), the text among them"),
        "{observed}"
    );
    j.fails_with(
        "kind = \"logs\", container = \"nosuch\", contains = \"x\"",
        "the logs of nosuch contain \"x\"",
        "there is no container named nosuch",
    );
    assert_eq!(
        j.fail_in(
            Lang::Ko,
            "kind = \"logs\", container = \"done\", contains = \"hello\""
        ),
        (
            "done의 로그에 \"hello\"이(가) 있음".to_string(),
            "로그 1줄, 그 내용은 없습니다".to_string()
        )
    );
}

fn limit_kind(j: &Judge) {
    let have = "web memory=67108864 cpus=0.5 pids=100 cpu-shares=0";
    // The cgroup enforces the limit too, and the observation says so.
    let enforced = format!("{have} cgroup=67108864");
    assert_eq!(
        j.pass("kind = \"limit\", container = \"web\", memory = \"64m\", cpus = 0.5, pids = 100"),
        enforced
    );
    assert_eq!(
        j.pass("kind = \"limit\", container = \"web\", memory = \"67108864\""),
        enforced
    );
    j.fails_with(
        "kind = \"limit\", container = \"web\", memory = \"128m\"",
        "web memory=128m",
        &enforced,
    );
    j.fails_with(
        "kind = \"limit\", container = \"web\", cpus = 1.0, pids = 100",
        "web cpus=1 pids=100",
        have,
    );
    j.fails_with(
        "kind = \"limit\", container = \"pinger\", cpu_shares = 512",
        "pinger cpu-shares=512",
        "pinger memory=0 cpus=0 pids=0 cpu-shares=0",
    );
    j.fails_with(
        "kind = \"limit\", container = \"nosuch\", memory = \"64m\"",
        "nosuch memory=64m",
        "there is no container named nosuch",
    );
}

fn restart_policy_kind(j: &Judge) {
    assert_eq!(
        j.pass(
            "kind = \"restart_policy\", container = \"web\", policy = \"on-failure\", max_retries = 3"
        ),
        "web: on-failure:3"
    );
    j.fails_with(
        "kind = \"restart_policy\", container = \"web\", policy = \"always\"",
        "web: always",
        "web: on-failure:3",
    );
    j.fails_with(
        "kind = \"restart_policy\", container = \"web\", policy = \"on-failure\", max_retries = 5",
        "web: on-failure:5",
        "web: on-failure:3",
    );
    assert_eq!(
        j.pass("kind = \"restart_policy\", container = \"pinger\", policy = \"no\""),
        "pinger: no:0"
    );
    j.fails_with(
        "kind = \"restart_policy\", container = \"nosuch\", policy = \"no\"",
        "nosuch: no",
        "there is no container named nosuch",
    );
}

fn port_kind(j: &Judge, port: u16) {
    let web = format!("127.0.0.1:{port}->80/tcp");
    assert_eq!(
        j.pass(&format!(
            "kind = \"port\", container = \"web\", container_port = \"80\", host_port = {port}, \
             host_ip = \"127.0.0.1\""
        )),
        web
    );
    assert_eq!(
        j.pass("kind = \"port\", container = \"web\", container_port = \"80/tcp\""),
        web
    );
    j.fails_with(
        &format!(
            "kind = \"port\", container = \"web\", container_port = \"80\", host_port = {port}, \
             host_ip = \"0.0.0.0\""
        ),
        &format!("web publishes 80/tcp on host port {port}"),
        &web,
    );
    j.fails_with(
        "kind = \"port\", container = \"web\", container_port = \"80/udp\"",
        "web publishes 80/udp",
        &web,
    );
    // The classic mistake, `-p 80:8080` for `-p 8080:80`: said as such.
    let swapped =
        "kind = \"port\", container = \"swapped\", container_port = \"80\", host_port = 8080";
    j.fails_with(
        swapped,
        "swapped publishes 80/tcp on host port 8080",
        "0.0.0.0:80->8080/tcp — the two numbers are swapped: the host port comes first \
         (-p 8080:80)",
    );
    assert_eq!(
        j.fail_in(Lang::Ko, swapped),
        (
            "swapped이(가) 80/tcp을(를) 호스트 포트 8080로 공개".to_string(),
            "0.0.0.0:80->8080/tcp — 두 숫자가 바뀌었습니다. 호스트 포트가 먼저 옵니다 \
             (-p 8080:80)"
                .to_string()
        )
    );
    j.fails_with(
        "kind = \"port\", container = \"pinger\", container_port = \"80\"",
        "pinger publishes 80/tcp",
        "pinger publishes no ports",
    );
    j.fails_with(
        "kind = \"port\", container = \"nosuch\", container_port = \"80\"",
        "nosuch publishes 80/tcp",
        "there is no container named nosuch",
    );
}

fn archive_kind(lab: &Lab, j: &Judge, cwd: &Path) {
    let tar = cwd.join("busybox.tar");
    lab.ok(&["save", "-o", &tar.display().to_string(), "busybox"]);
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(cwd.join("busybox.tar.gz")).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(&std::fs::read(&tar).unwrap()).unwrap();
    gz.finish().unwrap();
    std::fs::write(cwd.join("notes.txt"), "not an archive\n".repeat(100)).unwrap();

    // docker-archive's manifest.json and the OCI index.json both name the image.
    let tags = "docker.io/library/busybox:latest, busybox:latest";
    let plain = format!("a tar archive holding: {tags}");
    assert_eq!(
        j.pass("kind = \"archive\", path = \"busybox.tar\", contains = \"busybox\", gzip = false"),
        plain
    );
    j.fails_with(
        "kind = \"archive\", path = \"busybox.tar\", contains = \"busybox\", gzip = true",
        "busybox.tar is an image archive holding busybox",
        &plain,
    );
    assert_eq!(
        j.pass(
            "kind = \"archive\", path = \"busybox.tar.gz\", contains = \"busybox:latest\", \
             gzip = true"
        ),
        format!("a tar.gz archive holding: {tags}")
    );
    j.fails_with(
        "kind = \"archive\", path = \"busybox.tar.gz\", contains = \"nginx\"",
        "busybox.tar.gz is an image archive holding nginx",
        &format!("a tar.gz archive holding: {tags}"),
    );
    let (expected, observed) =
        j.fail("kind = \"archive\", path = \"notes.txt\", contains = \"busybox\"");
    assert_eq!(expected, "notes.txt is an image archive holding busybox");
    assert!(
        observed.starts_with("cannot read notes.txt: "),
        "{observed}"
    );
    let (_, observed) = j.fail("kind = \"archive\", path = \"gone.tar\", contains = \"busybox\"");
    assert!(
        observed.starts_with("cannot read gone.tar: No such file or directory"),
        "{observed}"
    );
    assert_eq!(
        j.fail_in(
            Lang::Ko,
            "kind = \"archive\", path = \"busybox.tar.gz\", contains = \"nginx\""
        ),
        (
            "busybox.tar.gz이(가) nginx을(를) 담은 이미지 아카이브".to_string(),
            format!("tar.gz 아카이브, 담긴 이미지: {tags}")
        )
    );
}

fn command_kind(j: &Judge) {
    assert_eq!(
        j.pass("kind = \"command\", pattern = \"^docker ps$\""),
        "1 matching command(s) typed"
    );
    assert_eq!(
        j.pass("kind = \"command\", pattern = \"docker run\", min_count = 2"),
        "2 matching command(s) typed"
    );
    j.fails_with(
        "kind = \"command\", pattern = \"docker run .*-d\", min_count = 2",
        "a command matching docker run .*-d",
        "1 matching command(s) typed",
    );
    j.fails_with(
        "kind = \"command\", pattern = \"docker images\"",
        "a command matching docker images",
        "0 matching command(s) typed",
    );
    assert_eq!(
        j.fail_in(Lang::Ko, "kind = \"command\", pattern = \"docker images\""),
        (
            "docker images에 맞는 명령".to_string(),
            "맞는 명령을 0번 입력함".to_string()
        )
    );
}

fn answer_kind(lab: &Lab, j: &mut Judge, web_id: &str) {
    assert_eq!(web_id.len(), 64, "{web_id}");
    // The host PID of web's main process: a process in web's own cgroup.
    let pid = lab
        .ok(&["inspect", "--format", "{{.State.Pid}}", "web"])
        .trim()
        .to_string();
    let cgroups = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    assert!(cgroups.contains(web_id), "{cgroups}");
    for (question, given) in [
        ("ip", "172.29.77.2"),
        ("wrong-ip", "172.29.77.9"),
        ("id", &web_id[..12]),
        ("short-id", &web_id[..11]),
        ("memory", " 67108864\n"),
        ("pid", &pid),
    ] {
        j.answers.insert(question.into(), given.into());
    }
    assert_eq!(
        j.pass("kind = \"answer\", question = \"ip\", source = \"container.ip:web\""),
        "you answered 172.29.77.2"
    );
    j.fails_with(
        "kind = \"answer\", question = \"wrong-ip\", source = \"container.ip:web\"",
        "the right answer to \"wrong-ip\"",
        "you answered 172.29.77.9",
    );
    // An ID answered by its short form, as `docker ps` shows it.
    assert_eq!(
        j.pass("kind = \"answer\", question = \"id\", source = \"container.id:web\""),
        format!("you answered {}", &web_id[..12])
    );
    j.fails_with(
        "kind = \"answer\", question = \"short-id\", source = \"container.id:web\"",
        "the right answer to \"short-id\"",
        &format!("you answered {}", &web_id[..11]),
    );
    assert_eq!(
        j.pass(
            "kind = \"answer\", question = \"memory\", source = \"inspect:web:{{.HostConfig.Memory}}\""
        ),
        "you answered 67108864"
    );
    assert_eq!(
        j.pass("kind = \"answer\", question = \"pid\", source = \"container.pid:web\""),
        format!("you answered {pid}")
    );
    j.fails_with(
        "kind = \"answer\", question = \"pid\", source = \"container.pid:pinger\"",
        "the right answer to \"pid\"",
        &format!("you answered {pid}"),
    );
    j.fails_with(
        "kind = \"answer\", question = \"unasked\", source = \"container.ip:web\"",
        "the right answer to \"unasked\"",
        "no answer to \"unasked\" yet (type: answer unasked <value>)",
    );
    j.fails_with(
        "kind = \"answer\", question = \"ip\", source = \"container.ip:nosuch\"",
        "the right answer to \"ip\"",
        "the value to compare with (container.ip:nosuch) cannot be read now",
    );
    assert_eq!(
        j.fail_in(
            Lang::Ko,
            "kind = \"answer\", question = \"unasked\", source = \"container.ip:web\""
        ),
        (
            "\"unasked\"에 대한 올바른 답".to_string(),
            "아직 \"unasked\"에 답하지 않았습니다 (입력: answer unasked <값>)".to_string()
        )
    );
}
