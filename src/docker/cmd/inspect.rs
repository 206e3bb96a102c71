//! `docker image inspect` and `docker inspect` (images only, until containers exist).

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
    matches!(
        err,
        dockerlings_runtime::Error::Image(ImageError::NoSuchImage(_))
    )
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches, top_level: bool) -> CmdResult {
    // `docker inspect` looks for any object; only images exist in this engine so far.
    let object = match m.value("type") {
        None | Some("") | Some("image") => {
            if top_level && m.value("type").is_none() {
                "object"
            } else {
                "image"
            }
        }
        Some(
            t @ ("container" | "network" | "volume" | "node" | "service" | "task" | "secret"
            | "config" | "plugin"),
        ) => {
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
    let template = match m.value("format").filter(|f| !f.is_empty() && *f != "json") {
        Some(f) => Some(
            Template::parse(&f.replace("\\t", "\t").replace("\\n", "\n"))
                .map_err(|e| Failure::cli(format!("template parsing error: {e}")))?,
        ),
        None => None,
    };
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for name in &m.args {
        match ctx.engine()?.image_inspect(name) {
            Ok(v) => found.push(v),
            Err(e) if is_not_found(&e) => errors.push(format!("Error: No such {object}: {name}")),
            Err(e) => errors.push(format!("Error response from daemon: {e}")),
        }
    }
    match template {
        None => ctx.out(&to_indented_json(&found))?,
        Some(t) => {
            for v in &found {
                let text = t
                    .execute(&Data::map(v), Mode::Normal)
                    .map_err(|e| Failure::cli(format!("template parsing error: {e}")))?;
                ctx.out(&text)?;
                ctx.out("\n")?;
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
