//! `grep`: search lines for a pattern. Basic regular expressions by default (as POSIX and
//! GNU grep: `\|`, `\(`, `\{` are the operators, bare `|(){}+?` are literal), `-E` for
//! extended ones, `-F` for fixed strings; `-i -v -n -c -l -q -o -w -r -h -H -s -e`.
//! Exit status 0 when a line matched, 1 when none did, 2 on error.

use std::ffi::OsString;
use std::io::{BufRead, Write};

use regex::bytes::{Regex, RegexBuilder};

#[derive(Default)]
struct Opts {
    extended: bool,
    fixed: bool,
    ignore_case: bool,
    invert: bool,
    line_number: bool,
    count: bool,
    files_with_matches: bool,
    quiet: bool,
    only_matching: bool,
    word: bool,
    recursive: bool,
    no_filename: bool,
    with_filename: bool,
    no_messages: bool,
    patterns: Vec<String>,
}

pub fn main(args: Vec<OsString>) -> i32 {
    let prog = crate::applets::basename(&args[0].to_string_lossy()).to_string();
    let mut o = Opts {
        extended: prog == "egrep",
        ..Default::default()
    };
    let mut operands: Vec<String> = Vec::new();
    let mut it = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned());
    let mut only_operands = false;
    while let Some(a) = it.next() {
        if only_operands || !a.starts_with('-') || a == "-" {
            operands.push(a);
            continue;
        }
        if a == "--" {
            only_operands = true;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            match long {
                "extended-regexp" => o.extended = true,
                "fixed-strings" => o.fixed = true,
                "ignore-case" => o.ignore_case = true,
                "invert-match" => o.invert = true,
                "line-number" => o.line_number = true,
                "count" => o.count = true,
                "quiet" | "silent" => o.quiet = true,
                "only-matching" => o.only_matching = true,
                "word-regexp" => o.word = true,
                "recursive" => o.recursive = true,
                "files-with-matches" => o.files_with_matches = true,
                "no-filename" => o.no_filename = true,
                "with-filename" => o.with_filename = true,
                "no-messages" => o.no_messages = true,
                l if l.starts_with("regexp=") => o.patterns.push(l[7..].to_string()),
                l if l.starts_with("color") || l.starts_with("colour") => {}
                _ => {
                    eprintln!("{prog}: unrecognized option '{a}'");
                    eprintln!("Usage: grep [OPTION]... PATTERNS [FILE]...");
                    return 2;
                }
            }
            continue;
        }
        let chars: Vec<char> = a[1..].chars().collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                'E' => o.extended = true,
                'G' => o.extended = false,
                'F' => o.fixed = true,
                'i' | 'y' => o.ignore_case = true,
                'v' => o.invert = true,
                'n' => o.line_number = true,
                'c' => o.count = true,
                'l' => o.files_with_matches = true,
                'q' => o.quiet = true,
                'o' => o.only_matching = true,
                'w' => o.word = true,
                'r' | 'R' => o.recursive = true,
                'h' => o.no_filename = true,
                'H' => o.with_filename = true,
                's' => o.no_messages = true,
                'e' => {
                    let rest: String = chars[i + 1..].iter().collect();
                    if !rest.is_empty() {
                        o.patterns.push(rest);
                    } else if let Some(p) = it.next() {
                        o.patterns.push(p);
                    } else {
                        eprintln!("{prog}: option requires an argument -- 'e'");
                        return 2;
                    }
                    i = chars.len();
                    continue;
                }
                c => {
                    eprintln!("{prog}: invalid option -- '{c}'");
                    eprintln!("Usage: grep [OPTION]... PATTERNS [FILE]...");
                    eprintln!("Try 'grep --help' for more information.");
                    return 2;
                }
            }
            i += 1;
        }
    }
    if o.patterns.is_empty() {
        if operands.is_empty() {
            eprintln!("Usage: grep [OPTION]... PATTERNS [FILE]...");
            eprintln!("Try 'grep --help' for more information.");
            return 2;
        }
        o.patterns.push(operands.remove(0));
    }
    let re = match build_regex(&o) {
        Ok(re) => re,
        Err(e) => {
            eprintln!("{prog}: {e}");
            return 2;
        }
    };
    if operands.is_empty() {
        operands.push(if o.recursive { ".".into() } else { "-".into() });
    }
    let mut files = Vec::new();
    for op in &operands {
        collect(op, o.recursive, &mut files);
    }
    let show_name = !o.no_filename && (o.with_filename || files.len() > 1 || o.recursive);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut any = false;
    let mut error = false;
    for f in &files {
        let reader: Box<dyn BufRead> = if f == "-" {
            Box::new(std::io::BufReader::new(std::io::stdin()))
        } else {
            match std::fs::File::open(f) {
                Ok(file) if file.metadata().map(|m| m.is_dir()).unwrap_or(false) => {
                    if !o.no_messages {
                        eprintln!("{prog}: {f}: Is a directory");
                    }
                    continue;
                }
                Ok(file) => Box::new(std::io::BufReader::new(file)),
                Err(e) => {
                    if !o.no_messages {
                        eprintln!("{prog}: {f}: {}", crate::errtext(&e));
                    }
                    error = true;
                    continue;
                }
            }
        };
        let label = if f == "-" {
            "(standard input)"
        } else {
            f.as_str()
        };
        match search(reader, &re, &o, show_name.then_some(label), &mut out) {
            Ok(true) => {
                any = true;
                if o.quiet {
                    return 0;
                }
            }
            Ok(false) => {}
            Err(_) => break,
        }
    }
    let _ = out.flush();
    if error && !(o.quiet && any) {
        2
    } else if any {
        0
    } else {
        1
    }
}

fn collect(op: &str, recursive: bool, files: &mut Vec<String>) {
    if recursive && op != "-" {
        if let Ok(rd) = std::fs::read_dir(op) {
            let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
            entries.sort();
            for e in entries {
                collect(&e.to_string_lossy(), true, files);
            }
            return;
        }
    }
    files.push(op.to_string());
}

/// Translates a POSIX basic regular expression into the `regex` crate's syntax.
pub fn bre_to_ere(p: &str) -> String {
    let mut out = String::new();
    let mut chars = p.chars().peekable();
    let mut in_bracket = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if in_bracket {
            if c == ']' {
                in_bracket = false;
            }
            if c == '\\'
                || (c == '['
                    && chars.peek() != Some(&':')
                    && chars.peek() != Some(&'.')
                    && chars.peek() != Some(&'='))
            {
                out.push('\\');
            }
            out.push(c);
            continue;
        }
        match c {
            '\\' => match chars.next() {
                Some(n @ ('(' | ')' | '{' | '}' | '|' | '+' | '?')) => out.push(n),
                Some('<' | '>') => out.push_str(r"\b"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push_str(r"\\"),
            },
            '(' | ')' | '{' | '}' | '|' | '+' | '?' => {
                out.push('\\');
                out.push(c);
            }
            '*' if at_start => out.push_str(r"\*"),
            '[' => {
                in_bracket = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().unwrap_or('^'));
                }
                if chars.peek() == Some(&']') {
                    chars.next();
                    out.push_str(r"\]");
                }
            }
            _ => out.push(c),
        }
        at_start = c == '^' && out.len() == 1;
    }
    out
}

fn build_regex(o: &Opts) -> Result<Regex, String> {
    let parts: Vec<String> = o
        .patterns
        .iter()
        .flat_map(|p| p.split('\n').map(str::to_string).collect::<Vec<_>>())
        .map(|p| {
            if o.fixed {
                regex::escape(&p)
            } else if o.extended {
                p
            } else {
                bre_to_ere(&p)
            }
        })
        .map(|p| {
            if o.word {
                format!(r"\b(?:{p})\b")
            } else {
                format!("(?:{p})")
            }
        })
        .collect();
    RegexBuilder::new(&parts.join("|"))
        .case_insensitive(o.ignore_case)
        .unicode(false)
        .build()
        .map_err(|e| match e {
            regex::Error::Syntax(s) => s
                .lines()
                .last()
                .unwrap_or("invalid regular expression")
                .trim()
                .to_string(),
            other => other.to_string(),
        })
}

fn search(
    mut reader: Box<dyn BufRead>,
    re: &Regex,
    o: &Opts,
    label: Option<&str>,
    out: &mut impl Write,
) -> std::io::Result<bool> {
    let mut line = Vec::new();
    let mut n = 0u64;
    let mut count = 0u64;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        n += 1;
        let body = line.strip_suffix(b"\n").unwrap_or(&line);
        let matched = re.is_match(body) != o.invert;
        if !matched {
            continue;
        }
        count += 1;
        if o.quiet {
            return Ok(true);
        }
        if o.files_with_matches {
            break;
        }
        if o.count {
            continue;
        }
        let prefix = |out: &mut dyn Write| -> std::io::Result<()> {
            if let Some(l) = label {
                write!(out, "{l}:")?;
            }
            if o.line_number {
                write!(out, "{n}:")?;
            }
            Ok(())
        };
        if o.only_matching && !o.invert {
            for m in re.find_iter(body) {
                if m.as_bytes().is_empty() {
                    continue;
                }
                prefix(out)?;
                out.write_all(m.as_bytes())?;
                out.write_all(b"\n")?;
            }
        } else {
            prefix(out)?;
            out.write_all(body)?;
            out.write_all(b"\n")?;
        }
    }
    if o.files_with_matches && count > 0 {
        writeln!(out, "{}", label.unwrap_or("(standard input)"))?;
    } else if o.count {
        if let Some(l) = label {
            write!(out, "{l}:")?;
        }
        writeln!(out, "{count}")?;
    }
    Ok(count > 0)
}

#[cfg(test)]
mod tests {
    use super::bre_to_ere;

    #[test]
    fn translates_basic_regex() {
        assert_eq!(bre_to_ere(r"a\(b\)c"), "a(b)c");
        assert_eq!(bre_to_ere("a|b+"), r"a\|b\+");
        assert_eq!(bre_to_ere(r"x\|y"), "x|y");
        assert_eq!(bre_to_ere("^*a"), r"^\*a");
        assert_eq!(bre_to_ere("[]a]"), r"[\]a]");
    }
}
