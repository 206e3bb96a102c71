//! Command definitions as data, and a parser for Docker's command-line grammar.
//!
//! Docker's CLI is built with cobra and pflag. Rather than bend clap to reproduce their
//! grammar and error texts, each command is one [`CommandSpec`] (name, aliases, usage line,
//! description, arity, flags) and a small pflag-like parser reads arguments against it:
//! interspersed flags and positionals, `--`, `--flag=value`, `--flag value`, combined short
//! flags (`-aq`), attached short values (`-fdangling=true`, `-f=x`), repeated flags, and
//! pflag's error texts. The same data renders `--help` and can generate the book's command
//! reference.

use std::collections::BTreeMap;

/// What kind of value a flag takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagKind {
    /// `--all`, `--all=false`
    Bool,
    /// One value; repeating keeps the last.
    String,
    /// An integer.
    Int,
    /// Repeatable; every value is kept (`-f a -f b`).
    List,
}

/// One flag of one command.
#[derive(Debug, Clone, Copy)]
pub struct FlagSpec {
    pub long: &'static str,
    pub short: Option<char>,
    pub kind: FlagKind,
    /// The value's name in `--help` (`string`, `int`, `filter`, `list`); empty for bools.
    pub value_name: &'static str,
    /// The default as `--help` shows it, `None` when it is the type's zero value.
    pub default: Option<&'static str>,
    pub help: &'static str,
    /// Accepted but not listed in `--help`.
    pub hidden: bool,
}

impl FlagSpec {
    pub const fn bool(long: &'static str, short: Option<char>, help: &'static str) -> Self {
        Self {
            long,
            short,
            kind: FlagKind::Bool,
            value_name: "",
            default: None,
            help,
            hidden: false,
        }
    }
    pub const fn string(long: &'static str, short: Option<char>, help: &'static str) -> Self {
        Self {
            long,
            short,
            kind: FlagKind::String,
            value_name: "string",
            default: None,
            help,
            hidden: false,
        }
    }
    pub const fn int(long: &'static str, short: Option<char>, help: &'static str) -> Self {
        Self {
            long,
            short,
            kind: FlagKind::Int,
            value_name: "int",
            default: None,
            help,
            hidden: false,
        }
    }
    pub const fn list(
        long: &'static str,
        short: Option<char>,
        value_name: &'static str,
        help: &'static str,
    ) -> Self {
        Self {
            long,
            short,
            kind: FlagKind::List,
            value_name,
            default: None,
            help,
            hidden: false,
        }
    }
    pub const fn default(mut self, value: &'static str) -> Self {
        self.default = Some(value);
        self
    }
    pub const fn hidden(mut self) -> Self {
        self.hidden = true;
        self
    }

    /// `-a, --all` or `--digests`, as pflag names a flag in its errors.
    pub fn display_name(&self) -> String {
        match self.short {
            Some(s) => format!("-{s}, --{}", self.long),
            None => format!("--{}", self.long),
        }
    }
}

/// How many positional arguments a command takes (cobra's `cli.ExactArgs` & co).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    None,
    Exact(usize),
    AtLeast(usize),
    AtMost(usize),
}

/// Which command a spec runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Images,
    ImageInspect,
    History,
    Tag,
    Rmi,
    ImagePrune,
    Pull,
    Save,
    Load,
    Search,
    SystemDf,
    Version,
    Info,
    // Containers as data and volumes (runtime/src/container).
    ContainerCreate,
    ContainerList,
    ContainerRemove,
    ContainerRename,
    ContainerPrune,
    ContainerInspect,
    VolumeCreate,
    VolumeList,
    VolumeInspect,
    VolumeRemove,
    VolumePrune,
    SystemPrune,
    // Running containers (runtime/src/container/lifecycle.rs, runtime/src/shim).
    ContainerRun,
    ContainerStart,
    ContainerStop,
    ContainerKill,
    ContainerWait,
    ContainerLogs,
    ContainerRestart,
    ContainerPause,
    ContainerUnpause,
    // Processes in running containers (runtime/src/container/{exec,top,stats}.rs).
    ContainerExec,
    ContainerTop,
    ContainerPort,
    ContainerStats,
    // Files in containers (runtime/src/container/{copy,export}.rs).
    ContainerCp,
    ContainerExport,
    // Networks (runtime/src/network).
    NetworkCreate,
    NetworkList,
    NetworkInspect,
    NetworkRemove,
    NetworkPrune,
    NetworkConnect,
    NetworkDisconnect,
}

impl Action {
    /// Whether flags may follow positionals. Commands that take `IMAGE [COMMAND] [ARG...]`
    /// stop reading flags at the first positional (pflag's `SetInterspersed(false)`), so
    /// `docker create ubuntu ls -l` passes `-l` to `ls`.
    pub fn interspersed(self) -> bool {
        !matches!(
            self,
            Action::ContainerCreate
                | Action::ContainerRun
                | Action::ContainerExec
                | Action::ContainerTop
        )
    }
}

/// One Docker command.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// The management group (`image`, `system`), or `None` for top-level-only commands.
    pub group: Option<&'static str>,
    /// The name inside the group (`ls`), or the top-level name when there is no group.
    pub name: &'static str,
    /// Other names inside the group (`list`).
    pub aliases: &'static [&'static str],
    /// The top-level shortcut (`images`), if any.
    pub shortcut: Option<&'static str>,
    /// What follows the command path in the usage line: `[OPTIONS] [REPOSITORY[:TAG]]`.
    pub usage: &'static str,
    pub short: &'static str,
    pub arity: Arity,
    pub flags: &'static [FlagSpec],
    pub action: Action,
}

impl CommandSpec {
    /// `docker image ls` (or `docker search` when there is no group).
    pub fn canonical_path(&self) -> String {
        match self.group {
            Some(g) => format!("docker {g} {}", self.name),
            None => format!("docker {}", self.name),
        }
    }

    /// Every full name, as Docker's `Aliases:` section lists them.
    pub fn all_paths(&self) -> Vec<String> {
        let mut paths = vec![self.canonical_path()];
        if let Some(g) = self.group {
            paths.extend(self.aliases.iter().map(|a| format!("docker {g} {a}")));
        }
        if let Some(s) = self.shortcut {
            paths.push(format!("docker {s}"));
        }
        paths
    }

    pub fn flag_by_long(&self, long: &str) -> Option<&'static FlagSpec> {
        self.flags
            .iter()
            .find(|f| f.long == long)
            .or_else(|| (long == "help").then_some(&HELP_FLAG))
    }

    pub fn flag_by_short(&self, short: char) -> Option<&'static FlagSpec> {
        self.flags
            .iter()
            .find(|f| f.short == Some(short))
            .or_else(|| (short == 'h').then_some(&HELP_FLAG))
    }
}

/// `-h, --help`, which every command has.
pub static HELP_FLAG: FlagSpec = FlagSpec::bool("help", Some('h'), "Print usage").hidden();

/// Parsed flags and positionals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matches {
    values: BTreeMap<&'static str, Vec<String>>,
    pub args: Vec<String>,
}

impl Matches {
    /// A bool flag's value (false when not given).
    pub fn flag(&self, long: &str) -> bool {
        self.values
            .get(long)
            .and_then(|v| v.last())
            .is_some_and(|v| v == "true")
    }

    /// A bool flag's value, or `default` when not given.
    pub fn flag_or(&self, long: &str, default: bool) -> bool {
        match self.values.get(long).and_then(|v| v.last()) {
            Some(v) => v == "true",
            None => default,
        }
    }

    /// The last value of a flag.
    pub fn value(&self, long: &str) -> Option<&str> {
        self.values
            .get(long)
            .and_then(|v| v.last())
            .map(String::as_str)
    }

    /// Every value of a repeatable flag.
    pub fn values(&self, long: &str) -> &[String] {
        self.values.get(long).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn is_set(&self, long: &str) -> bool {
        self.values.contains_key(long)
    }

    pub fn help_requested(&self) -> bool {
        self.flag("help")
    }
}

/// A flag error, as pflag words it (without Docker's `See '… --help'.` line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FlagError(pub String);

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn set_value(m: &mut Matches, flag: &'static FlagSpec, value: String) -> Result<(), FlagError> {
    let stored = match flag.kind {
        FlagKind::Bool => match parse_go_bool(&value) {
            Some(b) => b.to_string(),
            None => {
                return Err(FlagError(format!(
                    "invalid argument {:?} for {:?} flag: strconv.ParseBool: parsing {:?}: invalid syntax",
                    value,
                    flag.display_name(),
                    value
                )))
            }
        },
        FlagKind::Int => match value.parse::<i64>() {
            Ok(n) => n.to_string(),
            Err(_) => {
                let why = if value.trim_start_matches(['-', '+']).chars().all(|c| c.is_ascii_digit())
                    && !value.trim_start_matches(['-', '+']).is_empty()
                {
                    "value out of range"
                } else {
                    "invalid syntax"
                };
                return Err(FlagError(format!(
                    "invalid argument {:?} for {:?} flag: strconv.ParseInt: parsing {:?}: {why}",
                    value,
                    flag.display_name(),
                    value
                )));
            }
        },
        FlagKind::String | FlagKind::List => value,
    };
    let slot = m.values.entry(flag.long).or_default();
    if flag.kind != FlagKind::List {
        slot.clear();
    }
    slot.push(stored);
    Ok(())
}

/// Parses `args` (what follows the command name) against `spec`, pflag-style with flags and
/// positionals interspersed. `-h`/`--help` stop parsing, as pflag's `ErrHelp` does.
pub fn parse(spec: &CommandSpec, args: &[String]) -> Result<Matches, FlagError> {
    let mut m = Matches::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            m.args.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = arg.strip_prefix("--").filter(|b| !b.is_empty()) {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let Some(flag) = spec.flag_by_long(name) else {
                return Err(FlagError(format!("unknown flag: --{name}")));
            };
            let value = match (flag.kind, inline) {
                (_, Some(v)) => v,
                (FlagKind::Bool, None) => "true".to_string(),
                (_, None) => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        v.clone()
                    }
                    None => return Err(FlagError(format!("flag needs an argument: --{name}"))),
                },
            };
            set_value(&mut m, flag, value)?;
            if flag.long == "help" && m.help_requested() {
                return Ok(m);
            }
            continue;
        }
        if let Some(shorts) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
            let mut rest = shorts;
            while let Some(c) = rest.chars().next() {
                rest = &rest[c.len_utf8()..];
                let Some(flag) = spec.flag_by_short(c) else {
                    return Err(FlagError(format!("unknown shorthand flag: {c:?} in {arg}")));
                };
                let value = if let Some(v) = rest.strip_prefix('=') {
                    let v = v.to_string();
                    rest = "";
                    v
                } else if flag.kind == FlagKind::Bool {
                    "true".to_string()
                } else if !rest.is_empty() {
                    let v = rest.to_string();
                    rest = "";
                    v
                } else {
                    match args.get(i) {
                        Some(v) => {
                            i += 1;
                            v.clone()
                        }
                        None => {
                            return Err(FlagError(format!(
                                "flag needs an argument: {c:?} in {arg}"
                            )))
                        }
                    }
                };
                set_value(&mut m, flag, value)?;
                if flag.long == "help" && m.help_requested() {
                    return Ok(m);
                }
            }
            continue;
        }
        m.args.push(arg.clone());
        if !spec.action.interspersed() {
            m.args.extend(args[i..].iter().cloned());
            break;
        }
    }
    Ok(m)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        "argument"
    } else {
        "arguments"
    }
}

/// Checks the positional count; the error is Docker's `"docker tag" requires exactly 2
/// arguments.` text including the usage and description that follow it.
pub fn check_arity(spec: &CommandSpec, path: &str, n: usize) -> Result<(), String> {
    let problem = match spec.arity {
        Arity::None if n > 0 => Some(format!("{path:?} accepts no arguments.")),
        Arity::Exact(k) if n != k => Some(format!("{path:?} requires exactly {k} {}.", plural(k))),
        Arity::AtLeast(k) if n < k => {
            Some(format!("{path:?} requires at least {k} {}.", plural(k)))
        }
        Arity::AtMost(k) if n > k => Some(format!("{path:?} requires at most {k} {}.", plural(k))),
        _ => None,
    };
    match problem {
        None => Ok(()),
        Some(p) => Err(format!(
            "{p}\nSee '{path} --help'.\n\nUsage:  {path} {}\n\n{}",
            spec.usage, spec.short
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAGS: &[FlagSpec] = &[
        FlagSpec::bool("all", Some('a'), "Show all"),
        FlagSpec::bool("quiet", Some('q'), "Only IDs"),
        FlagSpec::list("filter", Some('f'), "filter", "Filter"),
        FlagSpec::string("format", None, "Format"),
        FlagSpec::int("limit", None, "Max"),
    ];
    const SPEC: CommandSpec = CommandSpec {
        group: Some("image"),
        name: "ls",
        aliases: &["list"],
        shortcut: Some("images"),
        usage: "[OPTIONS] [REPOSITORY[:TAG]]",
        short: "List images",
        arity: Arity::AtMost(1),
        flags: FLAGS,
        action: Action::Images,
    };

    fn p(args: &[&str]) -> Result<Matches, FlagError> {
        parse(
            &SPEC,
            &args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn combined_and_interspersed() {
        let m = p(&["-aq", "nginx", "--format={{.ID}}"]).unwrap();
        assert!(m.flag("all") && m.flag("quiet"));
        assert_eq!(m.args, vec!["nginx"]);
        assert_eq!(m.value("format"), Some("{{.ID}}"));
    }

    #[test]
    fn values_attached_separate_and_repeated() {
        let m = p(&[
            "-fdangling=true",
            "-f",
            "label=a",
            "--filter",
            "before=x",
            "-f=since=y",
        ])
        .unwrap();
        assert_eq!(
            m.values("filter"),
            ["dangling=true", "label=a", "before=x", "since=y"]
        );
        let m = p(&["-qf", "dangling=true"]).unwrap();
        assert!(m.flag("quiet"));
        assert_eq!(m.values("filter"), ["dangling=true"]);
        let m = p(&["--format", "a", "--format", "b"]).unwrap();
        assert_eq!(m.value("format"), Some("b"));
    }

    #[test]
    fn bools_take_inline_values() {
        let m = p(&["--all=false", "-q=false"]).unwrap();
        assert!(!m.flag("all") && !m.flag("quiet"));
        assert!(m.is_set("all"));
        assert_eq!(
            p(&["--all=maybe"]).unwrap_err().0,
            "invalid argument \"maybe\" for \"-a, --all\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax"
        );
    }

    #[test]
    fn double_dash_ends_flags() {
        let m = p(&["-a", "--", "-q"]).unwrap();
        assert_eq!(m.args, vec!["-q"]);
        assert!(!m.flag("quiet"));
        // A lone dash is a positional.
        assert_eq!(p(&["-"]).unwrap().args, vec!["-"]);
    }

    #[test]
    fn pflag_error_texts() {
        assert_eq!(p(&["--foo"]).unwrap_err().0, "unknown flag: --foo");
        assert_eq!(
            p(&["-z"]).unwrap_err().0,
            "unknown shorthand flag: 'z' in -z"
        );
        assert_eq!(
            p(&["-az"]).unwrap_err().0,
            "unknown shorthand flag: 'z' in -az"
        );
        assert_eq!(
            p(&["--format"]).unwrap_err().0,
            "flag needs an argument: --format"
        );
        assert_eq!(
            p(&["-f"]).unwrap_err().0,
            "flag needs an argument: 'f' in -f"
        );
        assert_eq!(
            p(&["--limit", "x"]).unwrap_err().0,
            "invalid argument \"x\" for \"--limit\" flag: strconv.ParseInt: parsing \"x\": invalid syntax"
        );
    }

    #[test]
    fn help_stops_parsing() {
        assert!(p(&["--help", "--bogus"]).unwrap().help_requested());
        assert!(p(&["-h"]).unwrap().help_requested());
    }

    #[test]
    fn arity_messages() {
        assert!(check_arity(&SPEC, "docker images", 1).is_ok());
        assert_eq!(
            check_arity(&SPEC, "docker images", 2).unwrap_err(),
            "\"docker images\" requires at most 1 argument.\nSee 'docker images --help'.\n\n\
             Usage:  docker images [OPTIONS] [REPOSITORY[:TAG]]\n\nList images"
        );
        assert_eq!(
            SPEC.all_paths(),
            ["docker image ls", "docker image list", "docker images"]
        );
    }
}
