//! `docker image inspect`, `docker container inspect` and `docker inspect` (containers first,
//! then images, networks and volumes, as Docker's CLI tries them).

use dockerlings_runtime::image::ImageError;
use serde::Serialize;
use serde_json::Value;

use crate::docker::spec::Matches;
use crate::docker::template::{Data, Mode, Template};
use crate::docker::{CmdResult, Ctx, Failure};

/// Docker prints inspect results as a JSON array indented with four spaces.
pub fn to_indented_json(items: &[Value]) -> String {
    if items.is_empty() {
        return "[]\n".to_string();
    }
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    items
        .serialize(&mut ser)
        .expect("JSON values always serialize");
    let mut text = String::from_utf8(buf).expect("serde_json writes UTF-8");
    text.push('\n');
    text
}

fn is_not_found(err: &dockerlings_runtime::Error) -> bool {
    match err {
        dockerlings_runtime::Error::Image(ImageError::NoSuchImage(_)) => true,
        dockerlings_runtime::Error::Container(e) => e.is_not_found(),
        dockerlings_runtime::Error::Network(e) => e.is_not_found(),
        _ => false,
    }
}

/// The kinds of objects `inspect` looks up, in the order `docker inspect` tries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Container,
    Image,
    Network,
    Volume,
}

fn lookup(ctx: &mut Ctx<'_, '_>, kind: Kind, name: &str) -> Result<Value, Failure> {
    let engine = ctx.engine()?;
    let result = match kind {
        Kind::Container => engine.container_inspect(name),
        Kind::Image => engine.image_inspect(name),
        Kind::Network => engine.network_inspect(name),
        Kind::Volume => engine.volume_inspect(name),
    };
    result.map_err(|e| {
        if is_not_found(&e) {
            Failure::new(String::new(), 0)
        } else {
            Failure::daemon(e)
        }
    })
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches, top_level: bool) -> CmdResult {
    let (object, kinds): (&str, &[Kind]) = match m.value("type") {
        None | Some("") if top_level => (
            "object",
            &[Kind::Container, Kind::Image, Kind::Network, Kind::Volume],
        ),
        None | Some("") | Some("image") => ("image", &[Kind::Image]),
        Some("container") => ("container", &[Kind::Container]),
        Some("volume") => ("volume", &[Kind::Volume]),
        Some("network") => ("network", &[Kind::Network]),
        Some(t @ ("node" | "service" | "task" | "secret" | "config" | "plugin")) => {
            let msgs: Vec<String> = m
                .args
                .iter()
                .map(|a| format!("Error: No such {t}: {a}"))
                .collect();
            ctx.out("[]\n")?;
            return Err(Failure::cli(msgs.join("\n")));
        }
        Some(t) => {
            return Err(Failure::cli(format!(
                "{t:?} is not a valid value for --type"
            )))
        }
    };
    inspect_objects(ctx, m, object, kinds)
}

/// `docker container inspect`.
pub fn run_containers(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    inspect_objects(ctx, m, "container", &[Kind::Container])
}

fn inspect_objects(ctx: &mut Ctx<'_, '_>, m: &Matches, object: &str, kinds: &[Kind]) -> CmdResult {
    let template = format_template(m)?;
    let mut found = Vec::new();
    let mut errors = Vec::new();
    'names: for name in &m.args {
        for &kind in kinds {
            match lookup(ctx, kind, name) {
                Ok(v) => {
                    found.push(v);
                    continue 'names;
                }
                Err(f) if f.code == 0 => continue,
                Err(f) => {
                    errors.push(f.message);
                    continue 'names;
                }
            }
        }
        errors.push(format!("Error: No such {object}: {name}"));
    }
    print_inspected(ctx, template.as_ref(), &found, &errors)
}

/// `--format` of an `inspect` command: `None` for the JSON array (no format, or `json`).
pub(super) fn format_template(m: &Matches) -> Result<Option<Template>, Failure> {
    match m.value("format").filter(|f| !f.is_empty() && *f != "json") {
        Some(f) => Template::parse(&f.replace("\\t", "\t").replace("\\n", "\n"))
            .map(Some)
            .map_err(|e| Failure::cli(format!("template parsing error: {e}"))),
        None => Ok(None),
    }
}

/// Prints what an `inspect` found — Docker's indented JSON array, or the template once per
/// object — then fails with every lookup error, one per line, as Docker does.
pub(super) fn print_inspected(
    ctx: &mut Ctx<'_, '_>,
    template: Option<&Template>,
    found: &[serde_json::Value],
    errors: &[String],
) -> CmdResult {
    match template {
        None => ctx.out(&to_indented_json(found))?,
        Some(t) => {
            for v in found {
                let text = t
                    .execute(&Data::map(v), Mode::Normal)
                    .map_err(|e| Failure::cli(format!("template parsing error: {e}")))?;
                ctx.out(&format!("{text}\n"))?;
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::cli(errors.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn four_space_indent_array() {
        let text = to_indented_json(&[json!({"Id": "sha256:x", "RepoTags": ["a:b"], "Empty": []})]);
        assert_eq!(
            text,
            "[\n    {\n        \"Id\": \"sha256:x\",\n        \"RepoTags\": [\n            \"a:b\"\n        ],\n        \"Empty\": []\n    }\n]\n"
        );
        assert_eq!(to_indented_json(&[]), "[]\n");
    }
}
