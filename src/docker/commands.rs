//! The table of Docker commands the front-end answers: one [`CommandSpec`] per command,
//! with Docker 25's names, aliases, usage lines, descriptions and flags.

use super::spec::{Action, Arity, CommandSpec, FlagSpec};

pub(crate) const FORMAT_TABLE_HELP: &str = "Format output using a custom template:\n\
'table':            Print output in table format with column headers (default)\n\
'table TEMPLATE':   Print output in table format using the given Go template\n\
'json':             Print in JSON format\n\
'TEMPLATE':         Print output using the given Go template.\n\
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";

pub(crate) const FORMAT_JSON_HELP: &str = "Format output using a custom template:\n\
'json':             Print in JSON format\n\
'TEMPLATE':         Print output using the given Go template.\n\
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";

const IMAGES_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool(
        "all",
        Some('a'),
        "Show all images (default hides intermediate images)",
    ),
    FlagSpec::bool("digests", None, "Show digests"),
    FlagSpec::list(
        "filter",
        Some('f'),
        "filter",
        "Filter output based on conditions provided",
    ),
    FlagSpec::string("format", None, FORMAT_TABLE_HELP),
    FlagSpec::bool("no-trunc", None, "Don't truncate output"),
    FlagSpec::bool("quiet", Some('q'), "Only show image IDs"),
];

const INSPECT_FLAGS: &[FlagSpec] = &[FlagSpec::string("format", Some('f'), FORMAT_JSON_HELP)];

const OBJECT_INSPECT_FLAGS: &[FlagSpec] = &[
    FlagSpec::string("format", Some('f'), FORMAT_JSON_HELP),
    FlagSpec::bool(
        "size",
        Some('s'),
        "Display total file sizes if the type is container",
    ),
    FlagSpec::string("type", None, "Return JSON for specified type"),
];

const HISTORY_FLAGS: &[FlagSpec] = &[
    FlagSpec::string("format", None, FORMAT_TABLE_HELP),
    FlagSpec::bool(
        "human",
        Some('H'),
        "Print sizes and dates in human readable format",
    )
    .default("true"),
    FlagSpec::bool("no-trunc", None, "Don't truncate output"),
    FlagSpec::bool("quiet", Some('q'), "Only show image IDs"),
];

const RMI_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool("force", Some('f'), "Force removal of the image"),
    FlagSpec::bool("no-prune", None, "Do not delete untagged parents"),
];

const PRUNE_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool(
        "all",
        Some('a'),
        "Remove all unused images, not just dangling ones",
    ),
    FlagSpec::bool("force", Some('f'), "Do not prompt for confirmation"),
];

const PULL_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool(
        "all-tags",
        Some('a'),
        "Download all tagged images in the repository",
    ),
    FlagSpec::bool("disable-content-trust", None, "Skip image verification").default("true"),
    FlagSpec::string(
        "platform",
        None,
        "Set platform if server is multi-platform capable",
    ),
    FlagSpec::bool("quiet", Some('q'), "Suppress verbose output"),
];

const SAVE_FLAGS: &[FlagSpec] = &[FlagSpec::string(
    "output",
    Some('o'),
    "Write to a file, instead of STDOUT",
)];

const LOAD_FLAGS: &[FlagSpec] = &[
    FlagSpec::string(
        "input",
        Some('i'),
        "Read from tar archive file, instead of STDIN",
    ),
    FlagSpec::bool("quiet", Some('q'), "Suppress the load output"),
];

const SEARCH_FLAGS: &[FlagSpec] = &[
    FlagSpec::list(
        "filter",
        Some('f'),
        "filter",
        "Filter output based on conditions provided",
    ),
    FlagSpec::string("format", None, "Pretty-print search using a Go template"),
    FlagSpec::int("limit", None, "Max number of search results"),
    FlagSpec::bool("no-trunc", None, "Don't truncate output"),
];

const DF_FLAGS: &[FlagSpec] = &[
    FlagSpec::string("format", None, FORMAT_TABLE_HELP),
    FlagSpec::bool(
        "verbose",
        Some('v'),
        "Show detailed information on space usage",
    ),
];

const VERSION_FLAGS: &[FlagSpec] = &[FlagSpec::string("format", Some('f'), FORMAT_JSON_HELP)];

const PS_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool(
        "all",
        Some('a'),
        "Show all containers (default shows just running)",
    ),
    FlagSpec::list(
        "filter",
        Some('f'),
        "filter",
        "Filter output based on conditions provided",
    ),
    FlagSpec::string("format", None, FORMAT_TABLE_HELP),
    FlagSpec::int(
        "last",
        Some('n'),
        "Show n last created containers (includes all states)",
    )
    .default("-1"),
    FlagSpec::bool(
        "latest",
        Some('l'),
        "Show the latest created container (includes all states)",
    ),
    FlagSpec::bool("no-trunc", None, "Don't truncate output"),
    FlagSpec::bool("quiet", Some('q'), "Only display container IDs"),
    FlagSpec::bool("size", Some('s'), "Display total file sizes"),
];

const RM_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool(
        "force",
        Some('f'),
        "Force the removal of a running container (uses SIGKILL)",
    ),
    FlagSpec::bool("link", Some('l'), "Remove the specified link"),
    FlagSpec::bool(
        "volumes",
        Some('v'),
        "Remove anonymous volumes associated with the container",
    ),
];

const CONTAINER_PRUNE_FLAGS: &[FlagSpec] = &[
    FlagSpec::list(
        "filter",
        None,
        "filter",
        "Provide filter values (e.g. \"until=<timestamp>\")",
    ),
    FlagSpec::bool("force", Some('f'), "Do not prompt for confirmation"),
];

const CONTAINER_INSPECT_FLAGS: &[FlagSpec] = &[
    FlagSpec::string("format", Some('f'), FORMAT_JSON_HELP),
    FlagSpec::bool("size", Some('s'), "Display total file sizes"),
];

const VOLUME_CREATE_FLAGS: &[FlagSpec] = &[
    FlagSpec::string("driver", Some('d'), "Specify volume driver name").default("local"),
    FlagSpec::list("label", None, "list", "Set metadata for a volume"),
    FlagSpec::string("name", None, "Specify volume name").hidden(),
    FlagSpec::list("opt", Some('o'), "map", "Set driver specific options"),
];

const VOLUME_LS_FLAGS: &[FlagSpec] = &[
    FlagSpec::list(
        "filter",
        Some('f'),
        "filter",
        "Provide filter values (e.g. \"dangling=true\")",
    ),
    FlagSpec::string("format", None, FORMAT_TABLE_HELP),
    FlagSpec::bool("quiet", Some('q'), "Only display volume names"),
];

const VOLUME_RM_FLAGS: &[FlagSpec] = &[FlagSpec::bool(
    "force",
    Some('f'),
    "Force the removal of one or more volumes",
)];

const VOLUME_PRUNE_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool(
        "all",
        Some('a'),
        "Remove all unused volumes, not just anonymous ones",
    ),
    FlagSpec::list(
        "filter",
        None,
        "filter",
        "Provide filter values (e.g. \"label=<label>\")",
    ),
    FlagSpec::bool("force", Some('f'), "Do not prompt for confirmation"),
];

const SYSTEM_PRUNE_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool(
        "all",
        Some('a'),
        "Remove all unused images not just dangling ones",
    ),
    FlagSpec::list(
        "filter",
        None,
        "filter",
        "Provide filter values (e.g. \"label=<key>=<value>\")",
    ),
    FlagSpec::bool("force", Some('f'), "Do not prompt for confirmation"),
    FlagSpec::bool("volumes", None, "Prune anonymous volumes"),
];

const START_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool(
        "attach",
        Some('a'),
        "Attach STDOUT/STDERR and forward signals",
    ),
    FlagSpec::string(
        "detach-keys",
        None,
        "Override the key sequence for detaching a container",
    ),
    FlagSpec::bool("interactive", Some('i'), "Attach container's STDIN"),
];

const STOP_FLAGS: &[FlagSpec] = &[
    FlagSpec::string("signal", Some('s'), "Signal to send to the container"),
    FlagSpec::int(
        "time",
        Some('t'),
        "Seconds to wait before killing the container",
    ),
];

const CP_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool("archive", Some('a'), "Archive mode (copy all uid/gid information)"),
    FlagSpec::bool("follow-link", Some('L'), "Always follow symbol link in SRC_PATH"),
    FlagSpec::bool("quiet", Some('q'), "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached"),
];

const EXPORT_FLAGS: &[FlagSpec] = &[FlagSpec::string(
    "output",
    Some('o'),
    "Write to a file, instead of STDOUT",
)];

const KILL_FLAGS: &[FlagSpec] = &[FlagSpec::string(
    "signal",
    Some('s'),
    "Signal to send to the container",
)];

const LOGS_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool("details", None, "Show extra details provided to logs"),
    FlagSpec::bool("follow", Some('f'), "Follow log output"),
    FlagSpec::string(
        "since",
        None,
        "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)",
    ),
    FlagSpec::string("tail", Some('n'), "Number of lines to show from the end of the logs").default("all"),
    FlagSpec::bool("timestamps", Some('t'), "Show timestamps"),
    FlagSpec::string(
        "until",
        None,
        "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)",
    ),
];

#[allow(clippy::too_many_arguments)]
const fn grouped(
    group: &'static str,
    name: &'static str,
    aliases: &'static [&'static str],
    shortcut: Option<&'static str>,
    usage: &'static str,
    short: &'static str,
    arity: Arity,
    flags: &'static [FlagSpec],
    action: Action,
) -> CommandSpec {
    CommandSpec {
        group: Some(group),
        name,
        aliases,
        shortcut,
        usage,
        short,
        arity,
        flags,
        action,
    }
}

#[allow(clippy::too_many_arguments)]
const fn image_cmd(
    name: &'static str,
    aliases: &'static [&'static str],
    shortcut: Option<&'static str>,
    usage: &'static str,
    short: &'static str,
    arity: Arity,
    flags: &'static [FlagSpec],
    action: Action,
) -> CommandSpec {
    CommandSpec {
        group: Some("image"),
        name,
        aliases,
        shortcut,
        usage,
        short,
        arity,
        flags,
        action,
    }
}

/// Every command, in the order `--help` lists them.
pub const COMMANDS: &[CommandSpec] = &[
    image_cmd(
        "history",
        &[],
        Some("history"),
        "[OPTIONS] IMAGE",
        "Show the history of an image",
        Arity::Exact(1),
        HISTORY_FLAGS,
        Action::History,
    ),
    image_cmd(
        "inspect",
        &[],
        None,
        "[OPTIONS] IMAGE [IMAGE...]",
        "Display detailed information on one or more images",
        Arity::AtLeast(1),
        INSPECT_FLAGS,
        Action::ImageInspect,
    ),
    image_cmd(
        "load",
        &[],
        Some("load"),
        "[OPTIONS]",
        "Load an image from a tar archive or STDIN",
        Arity::None,
        LOAD_FLAGS,
        Action::Load,
    ),
    image_cmd(
        "ls",
        &["list"],
        Some("images"),
        "[OPTIONS] [REPOSITORY[:TAG]]",
        "List images",
        Arity::AtMost(1),
        IMAGES_FLAGS,
        Action::Images,
    ),
    image_cmd(
        "prune",
        &[],
        None,
        "[OPTIONS]",
        "Remove unused images",
        Arity::None,
        PRUNE_FLAGS,
        Action::ImagePrune,
    ),
    image_cmd(
        "pull",
        &[],
        Some("pull"),
        "[OPTIONS] NAME[:TAG|@DIGEST]",
        "Download an image from a registry",
        Arity::Exact(1),
        PULL_FLAGS,
        Action::Pull,
    ),
    image_cmd(
        "rm",
        &["remove"],
        Some("rmi"),
        "[OPTIONS] IMAGE [IMAGE...]",
        "Remove one or more images",
        Arity::AtLeast(1),
        RMI_FLAGS,
        Action::Rmi,
    ),
    image_cmd(
        "save",
        &[],
        Some("save"),
        "[OPTIONS] IMAGE [IMAGE...]",
        "Save one or more images to a tar archive (streamed to STDOUT by default)",
        Arity::AtLeast(1),
        SAVE_FLAGS,
        Action::Save,
    ),
    image_cmd(
        "tag",
        &[],
        Some("tag"),
        "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
        "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
        Arity::Exact(2),
        &[],
        Action::Tag,
    ),
    CommandSpec {
        group: None,
        name: "inspect",
        aliases: &[],
        shortcut: None,
        usage: "[OPTIONS] NAME|ID [NAME|ID...]",
        short: "Return low-level information on Docker objects",
        arity: Arity::AtLeast(1),
        flags: OBJECT_INSPECT_FLAGS,
        action: Action::ImageInspect,
    },
    CommandSpec {
        group: None,
        name: "search",
        aliases: &[],
        shortcut: None,
        usage: "[OPTIONS] TERM",
        short: "Search Docker Hub for images",
        arity: Arity::Exact(1),
        flags: SEARCH_FLAGS,
        action: Action::Search,
    },
    CommandSpec {
        group: None,
        name: "version",
        aliases: &[],
        shortcut: None,
        usage: "[OPTIONS]",
        short: "Show the Docker version information",
        arity: Arity::None,
        flags: VERSION_FLAGS,
        action: Action::Version,
    },
    CommandSpec {
        group: Some("system"),
        name: "df",
        aliases: &[],
        shortcut: None,
        usage: "[OPTIONS]",
        short: "Show docker disk usage",
        arity: Arity::None,
        flags: DF_FLAGS,
        action: Action::SystemDf,
    },
    CommandSpec {
        group: Some("system"),
        name: "info",
        aliases: &[],
        shortcut: Some("info"),
        usage: "[OPTIONS]",
        short: "Display system-wide information",
        arity: Arity::None,
        flags: VERSION_FLAGS,
        action: Action::Info,
    },
    grouped(
        "container",
        "create",
        &[],
        Some("create"),
        "[OPTIONS] IMAGE [COMMAND] [ARG...]",
        "Create a new container",
        Arity::AtLeast(1),
        super::cmd::create::CREATE_FLAGS,
        Action::ContainerCreate,
    ),
    grouped(
        "container",
        "inspect",
        &[],
        None,
        "[OPTIONS] CONTAINER [CONTAINER...]",
        "Display detailed information on one or more containers",
        Arity::AtLeast(1),
        CONTAINER_INSPECT_FLAGS,
        Action::ContainerInspect,
    ),
    grouped(
        "container",
        "ls",
        &["list", "ps"],
        Some("ps"),
        "[OPTIONS]",
        "List containers",
        Arity::None,
        PS_FLAGS,
        Action::ContainerList,
    ),
    grouped(
        "container",
        "prune",
        &[],
        None,
        "[OPTIONS]",
        "Remove all stopped containers",
        Arity::None,
        CONTAINER_PRUNE_FLAGS,
        Action::ContainerPrune,
    ),
    grouped(
        "container",
        "rename",
        &[],
        Some("rename"),
        "CONTAINER NEW_NAME",
        "Rename a container",
        Arity::Exact(2),
        &[],
        Action::ContainerRename,
    ),
    grouped(
        "container",
        "rm",
        &["remove"],
        Some("rm"),
        "[OPTIONS] CONTAINER [CONTAINER...]",
        "Remove one or more containers",
        Arity::AtLeast(1),
        RM_FLAGS,
        Action::ContainerRemove,
    ),
    grouped(
        "container",
        "run",
        &[],
        Some("run"),
        "[OPTIONS] IMAGE [COMMAND] [ARG...]",
        "Create and run a new container from an image",
        Arity::AtLeast(1),
        super::cmd::create::RUN_FLAGS,
        Action::ContainerRun,
    ),
    grouped(
        "container",
        "start",
        &[],
        Some("start"),
        "[OPTIONS] CONTAINER [CONTAINER...]",
        "Start one or more stopped containers",
        Arity::AtLeast(1),
        START_FLAGS,
        Action::ContainerStart,
    ),
    grouped(
        "container",
        "stop",
        &[],
        Some("stop"),
        "[OPTIONS] CONTAINER [CONTAINER...]",
        "Stop one or more running containers",
        Arity::AtLeast(1),
        STOP_FLAGS,
        Action::ContainerStop,
    ),
    grouped(
        "container",
        "restart",
        &[],
        Some("restart"),
        "[OPTIONS] CONTAINER [CONTAINER...]",
        "Restart one or more containers",
        Arity::AtLeast(1),
        STOP_FLAGS,
        Action::ContainerRestart,
    ),
    grouped(
        "container",
        "kill",
        &[],
        Some("kill"),
        "[OPTIONS] CONTAINER [CONTAINER...]",
        "Kill one or more running containers",
        Arity::AtLeast(1),
        KILL_FLAGS,
        Action::ContainerKill,
    ),
    grouped(
        "container",
        "wait",
        &[],
        Some("wait"),
        "CONTAINER [CONTAINER...]",
        "Block until one or more containers stop, then print their exit codes",
        Arity::AtLeast(1),
        &[],
        Action::ContainerWait,
    ),
    grouped(
        "container",
        "logs",
        &[],
        Some("logs"),
        "[OPTIONS] CONTAINER",
        "Fetch the logs of a container",
        Arity::Exact(1),
        LOGS_FLAGS,
        Action::ContainerLogs,
    ),
    grouped(
        "container",
        "pause",
        &[],
        Some("pause"),
        "CONTAINER [CONTAINER...]",
        "Pause all processes within one or more containers",
        Arity::AtLeast(1),
        &[],
        Action::ContainerPause,
    ),
    grouped(
        "container",
        "unpause",
        &[],
        Some("unpause"),
        "CONTAINER [CONTAINER...]",
        "Unpause all processes within one or more containers",
        Arity::AtLeast(1),
        &[],
        Action::ContainerUnpause,
    ),
    grouped(
        "container",
        "exec",
        &[],
        Some("exec"),
        "[OPTIONS] CONTAINER COMMAND [ARG...]",
        "Execute a command in a running container",
        Arity::AtLeast(2),
        super::cmd::exec::EXEC_FLAGS,
        Action::ContainerExec,
    ),
    grouped(
        "container",
        "port",
        &[],
        Some("port"),
        "CONTAINER [PRIVATE_PORT[/PROTO]]",
        "List port mappings or a specific mapping for the container",
        Arity::AtLeast(1),
        &[],
        Action::ContainerPort,
    ),
    grouped(
        "container",
        "top",
        &[],
        Some("top"),
        "CONTAINER [ps OPTIONS]",
        "Display the running processes of a container",
        Arity::AtLeast(1),
        &[],
        Action::ContainerTop,
    ),
    grouped(
        "container",
        "stats",
        &[],
        Some("stats"),
        "[OPTIONS] [CONTAINER...]",
        "Display a live stream of container(s) resource usage statistics",
        Arity::AtLeast(0),
        super::cmd::stats::STATS_FLAGS,
        Action::ContainerStats,
    ),
    grouped(
        "container",
        "cp",
        &[],
        Some("cp"),
        "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdocker cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
        "Copy files/folders between a container and the local filesystem",
        Arity::Exact(2),
        CP_FLAGS,
        Action::ContainerCp,
    ),
    grouped(
        "container",
        "export",
        &[],
        Some("export"),
        "[OPTIONS] CONTAINER",
        "Export a container's filesystem as a tar archive",
        Arity::Exact(1),
        EXPORT_FLAGS,
        Action::ContainerExport,
    ),
    grouped(
        "volume",
        "create",
        &[],
        None,
        "[OPTIONS] [VOLUME]",
        "Create a volume",
        Arity::AtMost(1),
        VOLUME_CREATE_FLAGS,
        Action::VolumeCreate,
    ),
    grouped(
        "volume",
        "inspect",
        &[],
        None,
        "[OPTIONS] VOLUME [VOLUME...]",
        "Display detailed information on one or more volumes",
        Arity::AtLeast(1),
        INSPECT_FLAGS,
        Action::VolumeInspect,
    ),
    grouped(
        "volume",
        "ls",
        &["list"],
        None,
        "[OPTIONS]",
        "List volumes",
        Arity::None,
        VOLUME_LS_FLAGS,
        Action::VolumeList,
    ),
    grouped(
        "volume",
        "prune",
        &[],
        None,
        "[OPTIONS]",
        "Remove unused local volumes",
        Arity::None,
        VOLUME_PRUNE_FLAGS,
        Action::VolumePrune,
    ),
    grouped(
        "volume",
        "rm",
        &["remove"],
        None,
        "[OPTIONS] VOLUME [VOLUME...]",
        "Remove one or more volumes",
        Arity::AtLeast(1),
        VOLUME_RM_FLAGS,
        Action::VolumeRemove,
    ),
    grouped(
        "network",
        "connect",
        &[],
        None,
        "[OPTIONS] NETWORK CONTAINER",
        "Connect a container to a network",
        Arity::Exact(2),
        super::cmd::network::CONNECT_FLAGS,
        Action::NetworkConnect,
    ),
    grouped(
        "network",
        "create",
        &[],
        None,
        "[OPTIONS] NETWORK",
        "Create a network",
        Arity::Exact(1),
        super::cmd::network::CREATE_FLAGS,
        Action::NetworkCreate,
    ),
    grouped(
        "network",
        "disconnect",
        &[],
        None,
        "[OPTIONS] NETWORK CONTAINER",
        "Disconnect a container from a network",
        Arity::Exact(2),
        super::cmd::network::DISCONNECT_FLAGS,
        Action::NetworkDisconnect,
    ),
    grouped(
        "network",
        "inspect",
        &[],
        None,
        "[OPTIONS] NETWORK [NETWORK...]",
        "Display detailed information on one or more networks",
        Arity::AtLeast(1),
        super::cmd::network::INSPECT_FLAGS,
        Action::NetworkInspect,
    ),
    grouped(
        "network",
        "ls",
        &["list"],
        None,
        "[OPTIONS]",
        "List networks",
        Arity::None,
        super::cmd::network::LS_FLAGS,
        Action::NetworkList,
    ),
    grouped(
        "network",
        "prune",
        &[],
        None,
        "[OPTIONS]",
        "Remove all unused networks",
        Arity::None,
        super::cmd::network::PRUNE_FLAGS,
        Action::NetworkPrune,
    ),
    grouped(
        "network",
        "rm",
        &["remove"],
        None,
        "[OPTIONS] NETWORK [NETWORK...]",
        "Remove one or more networks",
        Arity::AtLeast(1),
        super::cmd::network::RM_FLAGS,
        Action::NetworkRemove,
    ),
    grouped(
        "system",
        "prune",
        &[],
        None,
        "[OPTIONS]",
        "Remove unused data",
        Arity::None,
        SYSTEM_PRUNE_FLAGS,
        Action::SystemPrune,
    ),
];

/// Management groups and their descriptions.
pub const GROUPS: &[(&str, &str)] = &[
    ("container", "Manage containers"),
    ("image", "Manage images"),
    ("network", "Manage networks"),
    ("system", "Manage Docker"),
    ("volume", "Manage volumes"),
];

/// How a command was named on the command line: decides the path in errors and help
/// (`docker images` vs `docker image ls`), as cobra's `CommandPath` does.
#[derive(Debug, Clone, Copy)]
pub struct Resolved {
    pub spec: &'static CommandSpec,
    /// How many arguments the command name took (1 for `images`, 2 for `image ls`).
    pub consumed: usize,
    pub via_shortcut: bool,
}

impl Resolved {
    pub fn path(&self) -> String {
        if self.via_shortcut {
            format!("docker {}", self.spec.shortcut.unwrap_or(self.spec.name))
        } else {
            self.spec.canonical_path()
        }
    }
}

/// Finds the top-level command (`images`, `search`, `info`).
pub fn find_top_level(name: &str) -> Option<Resolved> {
    COMMANDS.iter().find_map(|spec| {
        if spec.group.is_none() && spec.name == name {
            Some(Resolved {
                spec,
                consumed: 1,
                via_shortcut: false,
            })
        } else if spec.shortcut == Some(name) {
            Some(Resolved {
                spec,
                consumed: 1,
                via_shortcut: true,
            })
        } else {
            None
        }
    })
}

/// Finds `group sub` (`image ls`, `image list`, `system df`).
pub fn find_in_group(group: &str, sub: &str) -> Option<Resolved> {
    COMMANDS.iter().find_map(|spec| {
        (spec.group == Some(group) && (spec.name == sub || spec.aliases.contains(&sub))).then_some(
            Resolved {
                spec,
                consumed: 2,
                via_shortcut: false,
            },
        )
    })
}

pub fn group_description(group: &str) -> Option<&'static str> {
    GROUPS.iter().find(|(g, _)| *g == group).map(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_short_and_long_name_is_unique_per_command() {
        for spec in COMMANDS {
            let mut longs: Vec<&str> = spec.flags.iter().map(|f| f.long).collect();
            longs.push("help");
            let n = longs.len();
            longs.sort();
            longs.dedup();
            assert_eq!(
                longs.len(),
                n,
                "duplicate long flag in {}",
                spec.canonical_path()
            );
            let mut shorts: Vec<char> = spec.flags.iter().filter_map(|f| f.short).collect();
            // `-h` is help unless the command takes it (`create -h` is `--hostname`).
            if !shorts.contains(&'h') {
                shorts.push('h');
            }
            let n = shorts.len();
            shorts.sort();
            shorts.dedup();
            assert_eq!(
                shorts.len(),
                n,
                "duplicate short flag in {}",
                spec.canonical_path()
            );
        }
    }

    #[test]
    fn shortcuts_and_aliases_resolve() {
        assert_eq!(find_top_level("images").unwrap().path(), "docker images");
        assert_eq!(
            find_in_group("image", "list").unwrap().path(),
            "docker image ls"
        );
        assert_eq!(
            find_in_group("image", "remove").unwrap().path(),
            "docker image rm"
        );
        assert_eq!(find_top_level("rmi").unwrap().spec.action, Action::Rmi);
        assert_eq!(find_top_level("info").unwrap().path(), "docker info");
        assert_eq!(
            find_in_group("system", "info").unwrap().path(),
            "docker system info"
        );
        assert!(find_top_level("prune").is_none());
        assert!(find_top_level("ls").is_none());
    }
}
