//! `--help` texts in Docker's layout (cobra's usage template as Docker customises it, and
//! pflag's option listing), rendered from the command table.

use super::commands::{group_description, Resolved, COMMANDS, GROUPS};
use super::spec::{CommandSpec, FlagKind, FlagSpec};

/// Docker wraps option help to the terminal width minus one (80 columns when not a terminal).
const WRAP_WIDTH: usize = 79;

/// `docker images --help`.
pub fn command_help(resolved: &Resolved) -> String {
    let spec = resolved.spec;
    let path = resolved.path();
    let mut out = format!("\nUsage:  {path} {}\n\n{}\n", spec.usage, spec.short);
    let paths = spec.all_paths();
    if paths.len() > 1 {
        out.push_str(&format!("\nAliases:\n  {}\n", paths.join(", ")));
    }
    let visible: Vec<&FlagSpec> = spec.flags.iter().filter(|f| !f.hidden).collect();
    if !visible.is_empty() {
        out.push_str("\nOptions:\n");
        out.push_str(&flag_usages(&visible));
    }
    out
}

/// pflag's `FlagUsagesWrapped`: `  -a, --all   help`, aligned on the longest flag column.
pub fn flag_usages(flags: &[&FlagSpec]) -> String {
    let mut lines = Vec::new();
    let mut max_len = 0;
    for f in flags {
        let mut line = match f.short {
            Some(s) => format!("  -{s}, --{}", f.long),
            None => format!("      --{}", f.long),
        };
        if f.kind != FlagKind::Bool && !f.value_name.is_empty() {
            line.push(' ');
            line.push_str(f.value_name);
        }
        max_len = max_len.max(line.len() + 1);
        let mut usage = f.help.to_string();
        if let Some(d) = f.default {
            if f.kind == FlagKind::String {
                usage.push_str(&format!(" (default {d:?})"));
            } else {
                usage.push_str(&format!(" (default {d})"));
            }
        }
        lines.push((line, usage));
    }
    let mut out = String::new();
    for (line, usage) in lines {
        let spacing = " ".repeat(max_len - (line.len()));
        // pflag prints `line, spacing, usage` with Println: single spaces between them.
        let text = format!("{line} {spacing} {}", wrap(max_len + 2, WRAP_WIDTH, &usage));
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// pflag's `wrap`: wraps `s` to `width` columns with continuation lines indented by `indent`.
fn wrap(indent: usize, width: usize, s: &str) -> String {
    let mut indent = indent;
    let mut room = width.saturating_sub(indent);
    let mut out = String::new();
    if room < 24 {
        indent = 16;
        room = width.saturating_sub(indent);
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    let pad = format!("\n{}", " ".repeat(indent));
    if room < 24 {
        return out + &s.replace('\n', &pad);
    }
    let slop = 5;
    let room = room - slop;
    let (first, mut rest) = wrap_once(room, slop, s);
    out.push_str(&first.replace('\n', &pad));
    while !rest.is_empty() {
        let (line, r) = wrap_once(room, slop, rest);
        out.push_str(&pad);
        out.push_str(&line.replace('\n', &pad));
        rest = r;
    }
    out
}

/// pflag's `wrapN`: splits off the first line of at most `i` (+`slop`) bytes.
fn wrap_once(i: usize, slop: usize, s: &str) -> (String, &str) {
    if i + slop > s.len() {
        return (s.to_string(), "");
    }
    let mut cut = i.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &s[..cut];
    let Some(w) = head.rfind([' ', '\t', '\n']).filter(|&w| w > 0) else {
        return (s.to_string(), "");
    };
    if let Some(nl) = head.rfind('\n').filter(|&nl| nl > 0 && nl < w) {
        return (s[..nl].to_string(), &s[nl + 1..]);
    }
    (s[..w].to_string(), &s[w + 1..])
}

/// `docker image --help`: the group's subcommands.
pub fn group_help(group: &str) -> String {
    let mut out = format!(
        "\nUsage:  docker {group} COMMAND\n\n{}\n\nCommands:\n",
        group_description(group).unwrap_or("")
    );
    let mut subs: Vec<&CommandSpec> = COMMANDS.iter().filter(|c| c.group == Some(group)).collect();
    subs.sort_by_key(|c| c.name);
    let width = subs.iter().map(|c| c.name.len()).max().unwrap_or(0).max(10) + 2;
    for c in subs {
        out.push_str(&format!("  {:width$}{}\n", c.name, c.short, width = width));
    }
    out.push_str(&format!(
        "\nRun 'docker {group} COMMAND --help' for more information on a command.\n"
    ));
    out
}

/// `docker --help`: what this front-end answers, grouped as Docker groups it.
pub fn root_help() -> String {
    let mut out = String::from(
        "\nUsage:  docker [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers \
         (dockerlings: Docker's command line on a built-in engine)\n\nCommon Commands:\n",
    );
    let line = |name: &str, desc: &str| format!("  {name:<12}{desc}\n");
    for (name, desc) in [
        ("images", "List images"),
        ("pull", "Download an image from a registry"),
        ("search", "Search Docker Hub for images"),
        ("version", "Show the Docker version information"),
        ("info", "Display system-wide information"),
    ] {
        out.push_str(&line(name, desc));
    }
    out.push_str("\nManagement Commands:\n");
    for (g, d) in GROUPS {
        out.push_str(&line(g, d));
    }
    out.push_str("\nCommands:\n");
    let mut top: Vec<(&str, &str)> = COMMANDS
        .iter()
        .filter_map(|c| match (c.group, c.shortcut) {
            (_, Some(s)) if !["images", "pull", "info"].contains(&s) => Some((s, c.short)),
            (None, _) if !["search", "version"].contains(&c.name) => Some((c.name, c.short)),
            _ => None,
        })
        .collect();
    top.sort();
    for (name, desc) in top {
        out.push_str(&line(name, desc));
    }
    out.push_str(
        "\nGlobal Options:\n\
         \x20 -D, --debug              Enable debug mode\n\
         \x20 -h, --help               Print usage\n\
         \x20 -l, --log-level string   Set the logging level (\"debug\", \"info\", \"warn\", \"error\", \"fatal\") (default \"info\")\n\
         \x20 -v, --version            Print version information and quit\n\
         \nRun 'docker COMMAND --help' for more information on a command.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::commands::{find_in_group, find_top_level};

    #[test]
    fn images_help_matches_docker_layout() {
        let help = command_help(&find_top_level("images").unwrap());
        let expected_head =
            "\nUsage:  docker images [OPTIONS] [REPOSITORY[:TAG]]\n\nList images\n\n\
            Aliases:\n  docker image ls, docker image list, docker images\n\nOptions:\n\
            \x20 -a, --all             Show all images (default hides intermediate images)\n\
            \x20     --digests         Show digests\n\
            \x20 -f, --filter filter   Filter output based on conditions provided\n\
            \x20     --format string   Format output using a custom template:\n\
            \x20                       'table':            Print output in table format\n\
            \x20                       with column headers (default)\n";
        assert!(help.starts_with(expected_head), "{help}");
        assert!(
            help.ends_with("  -q, --quiet           Only show image IDs\n"),
            "{help}"
        );
    }

    #[test]
    fn defaults_are_shown() {
        let help = command_help(&find_in_group("image", "history").unwrap());
        // Wrapped at 79 columns as pflag does when the output is not a terminal.
        assert!(
            help.contains("  -H, --human           Print sizes and dates in human readable format\n                        (default true)\n"),
            "{help}"
        );
        assert!(!help.contains("Aliases:\n  docker image history\n"));
        assert!(help.contains("Aliases:\n  docker image history, docker history\n"));
    }

    #[test]
    fn tag_help_has_no_options_section() {
        let help = command_help(&find_top_level("tag").unwrap());
        assert_eq!(
            help,
            "\nUsage:  docker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\n\
             Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n\n\
             Aliases:\n  docker image tag, docker tag\n"
        );
    }

    #[test]
    fn wrap_breaks_at_spaces() {
        let w = wrap(10, 40, "one two three four five six seven eight nine ten");
        assert!(w.lines().all(|l| l.len() <= 40), "{w}");
        assert!(w.contains("\n          "));
    }

    #[test]
    fn group_help_lists_subcommands() {
        let h = group_help("image");
        assert!(h.contains("  ls          List images\n"), "{h}");
        assert!(
            h.ends_with("Run 'docker image COMMAND --help' for more information on a command.\n")
        );
    }
}
