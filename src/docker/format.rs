//! Docker's list formatter: `--format` values `table`, `table TEMPLATE`, `json` and
//! `TEMPLATE` over a list of row contexts.
//!
//! As in Docker's `formatter.Context`: the format string loses its `table` prefix and
//! surrounding spaces, the two-character sequences `\t` and `\n` become a tab and a newline,
//! every row runs the template and ends with a newline, and for tables the header row is the
//! same template run over the column names and everything goes through the tab writer.

use serde_json::Value;

use super::table::TabWriter;
use super::template::{Data, Mode, Template, TemplateError};

/// A `--format` value, as Docker classifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format(pub String);

impl Format {
    pub fn is_table(&self) -> bool {
        self.0.starts_with("table")
    }

    pub fn is_json(&self) -> bool {
        self.0 == "json"
    }

    /// The template text Docker actually runs.
    pub fn template_text(&self) -> String {
        let mut text = if self.is_json() {
            "{{json .}}".to_string()
        } else if self.is_table() {
            self.0["table".len()..].to_string()
        } else {
            self.0.clone()
        };
        text = text.trim_matches(' ').to_string();
        text.replace("\\t", "\t").replace("\\n", "\n")
    }
}

/// Renders rows with a format; `headers` maps field names to column titles and
/// `struct_type` names the Go type for error messages.
pub fn render_rows(
    format: &Format,
    rows: &[Value],
    headers: &Value,
    struct_type: &str,
) -> Result<String, TemplateError> {
    let template = Template::parse(&format.template_text())
        .map_err(|e| TemplateError(format!("template parsing error: {e}")))?;
    let mut body = String::new();
    for row in rows {
        let text = template
            .execute(&Data::context(row, struct_type), Mode::Normal)
            .map_err(|e| TemplateError(format!("template parsing error: {e}")))?;
        body.push_str(&text);
        body.push('\n');
    }
    if !format.is_table() {
        return Ok(body);
    }
    let header = template
        .execute(&Data::map(headers), Mode::Header)
        .unwrap_or_default();
    let mut tw = TabWriter::docker();
    tw.write(&header);
    tw.write("\n");
    tw.write(&body);
    Ok(tw.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_prefix_escapes_and_header() {
        let rows = vec![
            json!({"ID": "abc", "Size": "1MB"}),
            json!({"ID": "defghijklmnop", "Size": "0B"}),
        ];
        let headers = json!({"ID": "IMAGE ID", "Size": "SIZE"});
        let out = render_rows(
            &Format("table {{.ID}}\\t{{.Size}}".into()),
            &rows,
            &headers,
            "*x",
        )
        .unwrap();
        assert_eq!(
            out,
            "IMAGE ID        SIZE\nabc             1MB\ndefghijklmnop   0B\n"
        );
    }

    #[test]
    fn plain_template_has_no_header() {
        let rows = vec![json!({"ID": "abc"})];
        let out = render_rows(&Format("{{.ID}}: x".into()), &rows, &json!({}), "*x").unwrap();
        assert_eq!(out, "abc: x\n");
    }

    #[test]
    fn json_format_is_one_object_per_line() {
        let rows = vec![json!({"Tag": "<none>"})];
        let out = render_rows(&Format("json".into()), &rows, &json!({}), "*x").unwrap();
        assert_eq!(out, "{\"Tag\":\"\\u003cnone\\u003e\"}\n");
    }

    #[test]
    fn errors_are_prefixed_like_docker() {
        let rows = vec![json!({"ID": "abc"})];
        let err = render_rows(
            &Format("{{.Nope}}".into()),
            &rows,
            &json!({}),
            "*formatter.imageContext",
        )
        .unwrap_err();
        assert_eq!(
            err.0,
            "template parsing error: template: :1:2: executing \"\" at <.Nope>: can't evaluate field Nope in type *formatter.imageContext"
        );
    }
}
