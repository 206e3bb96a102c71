//! The Go-template subset that `--format` accepts.
//!
//! Docker's `--format` is a Go `text/template` run over the command's data, with Docker's
//! extra functions (`json`, `join`, `split`, `title`, `lower`, `upper`, `pad`, `truncate`).
//! This module parses and runs that language over `serde_json::Value` data: actions
//! `{{…}}` with `{{-`/`-}}` trimming and comments, pipelines with `|`, variables (`$x := …`,
//! `$`), `if`/`else if`/`else`, `range` (with `$i, $e :=`, `else`, `break`, `continue`),
//! `with`, parenthesised pipelines, and Go's built-ins `and or not len index print printf
//! println eq ne lt le gt ge`.
//!
//! Values print as Go prints them (`map[k:v]`, `[a b]`, `<no value>` for a missing map key),
//! and error texts follow Go's (`template: :1:2: executing "" at <.Foo>: can't evaluate
//! field Foo in type …`). Why our own module and not a crate: the one port of Go templates to
//! Rust (`gtmpl`) has its own value type, no Docker functions, and different error texts;
//! what learners see when a template is wrong matters here as much as when it is right.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

/// A parse or execution error, with Go's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(pub String);

type Result<T> = std::result::Result<T, TemplateError>;

/// The data a template runs over.
#[derive(Debug, Clone)]
pub struct Data<'a> {
    pub value: &'a Value,
    /// When set, the top-level value is a Go struct of this type (e.g.
    /// `*formatter.imageContext`): unknown fields are errors instead of `<no value>`.
    pub struct_type: Option<&'a str>,
    /// Go's `json.Marshal` escapes `<`, `>` and `&` inside a struct's own `MarshalJSON`;
    /// Docker's list contexts go through it, so `{{json .}}` shows `\u003cnone\u003e`.
    pub escape_html_json: bool,
}

impl<'a> Data<'a> {
    /// Data that behaves like a Go `map[string]interface{}` (decoded JSON).
    pub fn map(value: &'a Value) -> Self {
        Self {
            value,
            struct_type: None,
            escape_html_json: false,
        }
    }

    /// Data that behaves like one of Docker's formatter contexts (a Go struct).
    pub fn context(value: &'a Value, struct_type: &'a str) -> Self {
        Self {
            value,
            struct_type: Some(struct_type),
            escape_html_json: true,
        }
    }
}

/// Which function set to use: Docker renders table headers by running the same template over
/// the header names with functions that return their argument unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Header,
}

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    source: String,
    nodes: Vec<Node>,
}

impl Template {
    pub fn parse(source: &str) -> Result<Self> {
        let tokens = lex(source)?;
        let mut parser = Parser {
            source,
            tokens,
            pos: 0,
            range_depth: 0,
        };
        let (nodes, end) = parser.parse_list()?;
        match end {
            ListEnd::Eof => Ok(Self {
                source: source.to_string(),
                nodes,
            }),
            ListEnd::End(pos) => Err(parser.error_at(pos, "unexpected {{end}}")),
            ListEnd::Else(pos, _) => Err(parser.error_at(pos, "unexpected {{else}}")),
            ListEnd::Break(pos) | ListEnd::Continue(pos) => {
                Err(parser.error_at(pos, "{{break}} outside {{range}}"))
            }
        }
    }

    /// Runs the template over `data`.
    pub fn execute(&self, data: &Data<'_>, mode: Mode) -> Result<String> {
        let mut exec = Exec {
            source: &self.source,
            root: data,
            mode,
            vars: vec![("$".to_string(), Val::Json(data.value.clone()))],
            out: String::new(),
        };
        let dot = Dot {
            val: Val::Json(data.value.clone()),
            is_root: true,
        };
        match exec.walk(&self.nodes, &dot)? {
            Flow::Normal => {}
            Flow::Break | Flow::Continue => {}
        }
        Ok(exec.out)
    }
}

// ---------------------------------------------------------------------------------------
// Lexing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Text(String),
    /// `{{` (after trimming); the position is where the action's content starts.
    Open,
    Close,
    Field(String),
    Dot,
    Var(String),
    Ident(String),
    Str(String),
    Number(Value),
    Pipe,
    LParen,
    RParen,
    Comma,
    Declare,
    Assign,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
    /// Whether whitespace preceded the token inside an action (field chains must be adjacent).
    spaced: bool,
}

fn lex(src: &str) -> Result<Vec<Token>> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut trim_next_text = false;
    while i <= src.len() {
        // Text up to the next action.
        let next = src[i..].find("{{").map(|o| i + o);
        let text_end = next.unwrap_or(src.len());
        let mut text = &src[i..text_end];
        if trim_next_text {
            text = text.trim_start_matches([' ', '\t', '\n', '\r']);
            trim_next_text = false;
        }
        let Some(open) = next else {
            if !text.is_empty() {
                tokens.push(Token {
                    tok: Tok::Text(text.to_string()),
                    pos: i,
                    spaced: false,
                });
            }
            break;
        };
        let mut j = open + 2;
        let trim_left = bytes.get(j) == Some(&b'-')
            && bytes.get(j + 1).is_some_and(|c| c.is_ascii_whitespace());
        if trim_left {
            text = text.trim_end_matches([' ', '\t', '\n', '\r']);
            j += 1;
        }
        if !text.is_empty() {
            tokens.push(Token {
                tok: Tok::Text(text.to_string()),
                pos: i,
                spaced: false,
            });
        }
        // Comments.
        let rest = src[j..].trim_start();
        if rest.starts_with("/*") {
            let start = src.len() - rest.len();
            let Some(end) = src[start..].find("*/").map(|o| start + o + 2) else {
                return Err(TemplateError(format!(
                    "template: :{}: unclosed comment",
                    line_of(src, open)
                )));
            };
            let after = &src[end..];
            let (close_len, trim_right) = if let Some(r) = after.strip_prefix(" -}}") {
                (after.len() - r.len(), true)
            } else if after.starts_with("}}") {
                (2, false)
            } else {
                return Err(TemplateError(format!(
                    "template: :{}: comment ends before closing delimiter",
                    line_of(src, open)
                )));
            };
            trim_next_text = trim_right;
            i = end + close_len;
            continue;
        }
        tokens.push(Token {
            tok: Tok::Open,
            pos: open,
            spaced: false,
        });
        // Tokens inside the action.
        let mut spaced = true;
        loop {
            let Some(&c) = bytes.get(j) else {
                return Err(TemplateError(format!(
                    "template: :{}: unclosed action",
                    line_of(src, open)
                )));
            };
            if c == b' ' || c == b'\t' || c == b'\n' || c == b'\r' {
                // ` -}}` closes with trimming.
                if src[j..]
                    .trim_start_matches([' ', '\t', '\n', '\r'])
                    .starts_with("-}}")
                {
                    let k = j
                        + (src[j..].len()
                            - src[j..].trim_start_matches([' ', '\t', '\n', '\r']).len());
                    tokens.push(Token {
                        tok: Tok::Close,
                        pos: k,
                        spaced: true,
                    });
                    trim_next_text = true;
                    i = k + 3;
                    break;
                }
                spaced = true;
                j += 1;
                continue;
            }
            if src[j..].starts_with("}}") {
                tokens.push(Token {
                    tok: Tok::Close,
                    pos: j,
                    spaced,
                });
                i = j + 2;
                break;
            }
            let start = j;
            let tok = match c {
                b'|' => {
                    j += 1;
                    Tok::Pipe
                }
                b'(' => {
                    j += 1;
                    Tok::LParen
                }
                b')' => {
                    j += 1;
                    Tok::RParen
                }
                b',' => {
                    j += 1;
                    Tok::Comma
                }
                b':' if bytes.get(j + 1) == Some(&b'=') => {
                    j += 2;
                    Tok::Declare
                }
                b'=' => {
                    j += 1;
                    Tok::Assign
                }
                b'"' => {
                    let (s, end) = lex_quoted(src, j, open)?;
                    j = end;
                    Tok::Str(s)
                }
                b'`' => {
                    let Some(end) = src[j + 1..].find('`').map(|o| j + 1 + o) else {
                        return Err(TemplateError(format!(
                            "template: :{}: unterminated raw quoted string",
                            line_of(src, open)
                        )));
                    };
                    let s = src[j + 1..end].to_string();
                    j = end + 1;
                    Tok::Str(s)
                }
                b'\'' => {
                    let rest = &src[j + 1..];
                    let mut chars = rest.chars();
                    let ch = chars.next().unwrap_or('\'');
                    if chars.next() != Some('\'') {
                        return Err(TemplateError(format!(
                            "template: :{}: unterminated character constant",
                            line_of(src, open)
                        )));
                    }
                    j += 2 + ch.len_utf8();
                    Tok::Number(Value::from(ch as u32))
                }
                b'.' => {
                    let name_len = ident_len(&src[j + 1..]);
                    if name_len == 0 {
                        if bytes.get(j + 1).is_some_and(|c| c.is_ascii_digit()) {
                            let (n, end) = lex_number(src, j, open)?;
                            j = end;
                            Tok::Number(n)
                        } else {
                            j += 1;
                            Tok::Dot
                        }
                    } else {
                        let name = src[j + 1..j + 1 + name_len].to_string();
                        j += 1 + name_len;
                        Tok::Field(name)
                    }
                }
                b'$' => {
                    let name_len = ident_len(&src[j + 1..]);
                    let name = format!("${}", &src[j + 1..j + 1 + name_len]);
                    j += 1 + name_len;
                    Tok::Var(name)
                }
                b'0'..=b'9' | b'-' | b'+' => {
                    let (n, end) = lex_number(src, j, open)?;
                    j = end;
                    Tok::Number(n)
                }
                _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                    let len = ident_len(&src[j..]);
                    let len = len.max(1);
                    let name = src[j..j + len].to_string();
                    j += len;
                    Tok::Ident(name)
                }
                _ => {
                    let ch = src[j..].chars().next().unwrap_or('?');
                    return Err(TemplateError(format!(
                        "template: :{}: unexpected {:?} in command",
                        line_of(src, open),
                        ch
                    )));
                }
            };
            tokens.push(Token {
                tok,
                pos: start,
                spaced,
            });
            spaced = false;
        }
        if i >= src.len() {
            break;
        }
    }
    Ok(tokens)
}

fn ident_len(s: &str) -> usize {
    s.char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(s.len())
}

fn line_of(src: &str, pos: usize) -> usize {
    1 + src[..pos.min(src.len())].matches('\n').count()
}

fn lex_quoted(src: &str, start: usize, open: usize) -> Result<(String, usize)> {
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((o, c)) = chars.next() {
        match c {
            '"' => return Ok((out, start + 1 + o + 1)),
            '\n' => break,
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'v' => out.push('\x0b'),
                    '0' => out.push('\0'),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = chars.by_ref().take(n).map(|(_, c)| c).collect();
                        match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                            Some(ch) if hex.len() == n => out.push(ch),
                            _ => {
                                return Err(TemplateError(format!(
                                    "template: :{}: invalid syntax",
                                    line_of(src, open)
                                )))
                            }
                        }
                    }
                    _ => {
                        return Err(TemplateError(format!(
                            "template: :{}: invalid syntax",
                            line_of(src, open)
                        )))
                    }
                }
            }
            c => out.push(c),
        }
    }
    Err(TemplateError(format!(
        "template: :{}: unterminated quoted string",
        line_of(src, open)
    )))
}

fn lex_number(src: &str, start: usize, open: usize) -> Result<(Value, usize)> {
    let end = src[start..]
        .char_indices()
        .skip(1)
        .find(|&(_, c)| {
            !(c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '+' || c == '-')
        })
        .map(|(o, _)| start + o)
        .unwrap_or(src.len());
    let text = &src[start..end];
    let clean = text.replace('_', "");
    let value = if let Some(hex) = clean
        .strip_prefix("0x")
        .or_else(|| clean.strip_prefix("0X"))
    {
        i64::from_str_radix(hex, 16).ok().map(Value::from)
    } else if let Ok(n) = clean.parse::<i64>() {
        Some(Value::from(n))
    } else if let Ok(n) = clean.parse::<u64>() {
        Some(Value::from(n))
    } else {
        clean
            .parse::<f64>()
            .ok()
            .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
    };
    match value {
        Some(v) => Ok((v, end)),
        None => Err(TemplateError(format!(
            "template: :{}: bad number syntax: {:?}",
            line_of(src, open),
            text
        ))),
    }
}

// ---------------------------------------------------------------------------------------
// Parsing

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Action(Pipeline),
    If {
        pipe: Pipeline,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
    Range {
        pipe: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
    With {
        pipe: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
    Break,
    Continue,
}

#[derive(Debug, Clone)]
struct Pipeline {
    pos: usize,
    decl: Vec<String>,
    assign: bool,
    cmds: Vec<Command>,
}

#[derive(Debug, Clone)]
struct Command {
    args: Vec<Operand>,
}

#[derive(Debug, Clone)]
struct Operand {
    pos: usize,
    /// The source text, for error messages (`at <.Foo>`).
    text: String,
    term: Term,
    /// Field names following the term (`(…).A.B`, `$x.A`, `.A.B`).
    chain: Vec<String>,
}

#[derive(Debug, Clone)]
enum Term {
    Dot,
    Var(String),
    Func(String),
    Literal(Value),
    Nil,
    Sub(Box<Pipeline>),
}

enum ListEnd {
    Eof,
    End(usize),
    Else(usize, Vec<Token>),
    Break(usize),
    Continue(usize),
}

struct Parser<'s> {
    source: &'s str,
    tokens: Vec<Token>,
    pos: usize,
    /// How many `range`s enclose the current position (`break`/`continue` need one).
    range_depth: usize,
}

impl Parser<'_> {
    fn error_at(&self, pos: usize, msg: &str) -> TemplateError {
        TemplateError(format!("template: :{}: {}", line_of(self.source, pos), msg))
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    /// Parses nodes until EOF, `{{end}}`, or `{{else …}}`.
    fn parse_list(&mut self) -> Result<(Vec<Node>, ListEnd)> {
        let mut nodes = Vec::new();
        while let Some(tok) = self.next() {
            match tok.tok {
                Tok::Text(t) => nodes.push(Node::Text(t)),
                Tok::Open => {
                    let open_pos = tok.pos;
                    // Collect the action's tokens.
                    let mut inner = Vec::new();
                    loop {
                        let Some(t) = self.next() else {
                            return Err(self.error_at(open_pos, "unclosed action"));
                        };
                        if t.tok == Tok::Close {
                            break;
                        }
                        inner.push(t);
                    }
                    if let Some(Token {
                        tok: Tok::Ident(word),
                        pos,
                        ..
                    }) = inner.first().cloned()
                    {
                        match word.as_str() {
                            "end" => {
                                if inner.len() > 1 {
                                    return Err(self.error_at(pos, "unexpected token in end"));
                                }
                                return Ok((nodes, ListEnd::End(pos)));
                            }
                            "else" => return Ok((nodes, ListEnd::Else(pos, inner[1..].to_vec()))),
                            "break" => return Ok((nodes, ListEnd::Break(pos))),
                            "continue" => return Ok((nodes, ListEnd::Continue(pos))),
                            "if" | "range" | "with" => {
                                let node = self.parse_control(&word, pos, inner[1..].to_vec())?;
                                nodes.push(node);
                                continue;
                            }
                            "define" | "template" | "block" => {
                                return Err(self.error_at(
                                    pos,
                                    &format!(
                                        "{{{{{word}}}}} is not supported in --format templates"
                                    ),
                                ))
                            }
                            _ => {}
                        }
                    }
                    if inner.is_empty() {
                        return Err(self.error_at(open_pos, "missing value for command"));
                    }
                    let pipe = self.parse_pipeline_tokens(inner, open_pos, true)?;
                    nodes.push(Node::Action(pipe));
                }
                _ => return Err(self.error_at(tok.pos, "unexpected token")),
            }
        }
        Ok((nodes, ListEnd::Eof))
    }

    fn parse_control(&mut self, word: &str, pos: usize, tokens: Vec<Token>) -> Result<Node> {
        if tokens.is_empty() {
            return Err(self.error_at(pos, &format!("missing value for {word}")));
        }
        let pipe = self.parse_pipeline_tokens(tokens, pos, true)?;
        if word == "range" {
            self.range_depth += 1;
        }
        let body = self.parse_body();
        if word == "range" {
            self.range_depth -= 1;
        }
        let (body, end) = body?;
        let otherwise = match end {
            ListEnd::End(_) => Vec::new(),
            ListEnd::Else(epos, rest) => {
                if rest.is_empty() {
                    let (other, end2) = self.parse_body()?;
                    match end2 {
                        ListEnd::End(_) => other,
                        _ => return Err(self.error_at(epos, "expected end; found else")),
                    }
                } else if let Some(Token {
                    tok: Tok::Ident(w), ..
                }) = rest.first()
                {
                    // `{{else if …}}` / `{{else with …}}`: a nested node sharing our end.
                    if (w == "if" && word == "if") || (w == "with" && word == "with") {
                        let w = w.clone();
                        vec![self.parse_control(&w, epos, rest[1..].to_vec())?]
                    } else {
                        return Err(self.error_at(epos, "unexpected token in else"));
                    }
                } else {
                    return Err(self.error_at(epos, "unexpected token in else"));
                }
            }
            ListEnd::Eof => return Err(self.error_at(pos, "unexpected EOF")),
            ListEnd::Break(p) | ListEnd::Continue(p) => {
                return Err(self.error_at(p, "{{break}} outside {{range}}"))
            }
        };
        Ok(match word {
            "if" => Node::If {
                pipe,
                then: body,
                otherwise,
            },
            "range" => Node::Range {
                pipe,
                body,
                otherwise,
            },
            _ => Node::With {
                pipe,
                body,
                otherwise,
            },
        })
    }

    /// A body in which `{{break}}`/`{{continue}}` are allowed when inside a range.
    fn parse_body(&mut self) -> Result<(Vec<Node>, ListEnd)> {
        let in_range = self.range_depth > 0;
        let mut nodes = Vec::new();
        loop {
            let (mut part, end) = self.parse_list()?;
            nodes.append(&mut part);
            match end {
                ListEnd::Break(p) | ListEnd::Continue(p) if !in_range => {
                    return Err(self.error_at(p, "{{break}} outside {{range}}"))
                }
                ListEnd::Break(_) => nodes.push(Node::Break),
                ListEnd::Continue(_) => nodes.push(Node::Continue),
                other => return Ok((nodes, other)),
            }
        }
    }

    fn parse_pipeline_tokens(
        &self,
        tokens: Vec<Token>,
        pos: usize,
        allow_decl: bool,
    ) -> Result<Pipeline> {
        let mut p = TokenCursor { tokens, pos: 0 };
        let pipe = self.parse_pipeline(&mut p, pos, allow_decl)?;
        if let Some(t) = p.peek() {
            return Err(self.error_at(
                t.pos,
                &format!("unexpected {} in operand", describe(&t.tok)),
            ));
        }
        Ok(pipe)
    }

    fn parse_pipeline(
        &self,
        p: &mut TokenCursor,
        pos: usize,
        allow_decl: bool,
    ) -> Result<Pipeline> {
        let mut decl = Vec::new();
        let mut assign = false;
        // `$x :=`, `$x =`, `$i, $e :=`
        if allow_decl {
            let save = p.pos;
            let mut names = Vec::new();
            loop {
                match p.peek().map(|t| t.tok.clone()) {
                    Some(Tok::Var(name)) => {
                        p.pos += 1;
                        names.push(name);
                        match p.peek().map(|t| t.tok.clone()) {
                            Some(Tok::Comma) => {
                                p.pos += 1;
                                continue;
                            }
                            Some(Tok::Declare) => {
                                p.pos += 1;
                                decl = names;
                                break;
                            }
                            Some(Tok::Assign) => {
                                p.pos += 1;
                                decl = names;
                                assign = true;
                                break;
                            }
                            _ => {
                                p.pos = save;
                                break;
                            }
                        }
                    }
                    _ => {
                        p.pos = save;
                        break;
                    }
                }
            }
        }
        let mut cmds = Vec::new();
        loop {
            let mut args = Vec::new();
            while let Some(t) = p.peek() {
                if matches!(t.tok, Tok::Pipe | Tok::RParen) {
                    break;
                }
                args.push(self.parse_operand(p)?);
            }
            if args.is_empty() {
                return Err(self.error_at(pos, "missing value for command"));
            }
            cmds.push(Command { args });
            match p.peek().map(|t| &t.tok) {
                Some(Tok::Pipe) => {
                    p.pos += 1;
                }
                _ => break,
            }
        }
        Ok(Pipeline {
            pos,
            decl,
            assign,
            cmds,
        })
    }

    fn parse_operand(&self, p: &mut TokenCursor) -> Result<Operand> {
        let t = p.next().expect("caller peeked");
        let start = t.pos;
        let mut chain = Vec::new();
        let term = match t.tok {
            Tok::Dot => Term::Dot,
            Tok::Field(name) => {
                chain.push(name);
                Term::Dot
            }
            Tok::Var(name) => Term::Var(name),
            Tok::Ident(name) => match name.as_str() {
                "true" => Term::Literal(Value::Bool(true)),
                "false" => Term::Literal(Value::Bool(false)),
                "nil" => Term::Nil,
                _ => {
                    if !is_function(&name) {
                        return Err(self.error_at(start, &format!("function {name:?} not defined")));
                    }
                    Term::Func(name)
                }
            },
            Tok::Str(s) => Term::Literal(Value::String(s)),
            Tok::Number(n) => Term::Literal(n),
            Tok::LParen => {
                let inner = self.parse_pipeline(p, start, true)?;
                match p.next() {
                    Some(Token {
                        tok: Tok::RParen, ..
                    }) => {}
                    _ => return Err(self.error_at(start, "unclosed left paren")),
                }
                Term::Sub(Box::new(inner))
            }
            other => {
                return Err(self.error_at(
                    start,
                    &format!("unexpected {} in operand", describe(&other)),
                ))
            }
        };
        // Adjacent `.Field` tokens continue the chain.
        while let Some(Token {
            tok: Tok::Field(name),
            spaced: false,
            ..
        }) = p.peek()
        {
            chain.push(name.clone());
            p.pos += 1;
        }
        let end = p.peek().map(|t| t.pos).unwrap_or(self.source.len());
        let text = self.source[start..end.max(start)]
            .trim_end()
            .trim_end_matches('}')
            .trim_end()
            .to_string();
        Ok(Operand {
            pos: start,
            text,
            term,
            chain,
        })
    }
}

struct TokenCursor {
    tokens: Vec<Token>,
    pos: usize,
}

impl TokenCursor {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Pipe => "\"|\"".into(),
        Tok::LParen => "\"(\"".into(),
        Tok::RParen => "\")\"".into(),
        Tok::Comma => "\",\"".into(),
        Tok::Declare => "\":=\"".into(),
        Tok::Assign => "\"=\"".into(),
        Tok::Ident(s) | Tok::Field(s) | Tok::Var(s) => format!("<{s}>"),
        Tok::Str(s) => format!("{s:?}"),
        Tok::Number(n) => format!("<{n}>"),
        _ => "token".into(),
    }
}

const FUNCTIONS: &[&str] = &[
    "and", "or", "not", "len", "index", "print", "printf", "println", "eq", "ne", "lt", "le", "gt",
    "ge", "json", "join", "split", "title", "lower", "upper", "pad", "truncate", "slice",
];

fn is_function(name: &str) -> bool {
    FUNCTIONS.contains(&name)
}

// ---------------------------------------------------------------------------------------
// Values

/// A template value: Go's `reflect.Value` reduced to what decoded JSON can hold.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    /// An invalid value (a missing map key): prints `<no value>`.
    NoValue,
    Json(Value),
}

impl Val {
    fn truthy(&self) -> bool {
        match self {
            Val::NoValue => false,
            Val::Json(v) => match v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                Value::Object(o) => !o.is_empty(),
            },
        }
    }

    fn go_type(&self) -> &'static str {
        match self {
            Val::NoValue | Val::Json(Value::Null) => "interface {}",
            Val::Json(Value::Bool(_)) => "bool",
            Val::Json(Value::Number(n)) if n.is_f64() => "float64",
            Val::Json(Value::Number(_)) => "int",
            Val::Json(Value::String(_)) => "string",
            Val::Json(Value::Array(_)) => "[]interface {}",
            Val::Json(Value::Object(_)) => "map[string]interface {}",
        }
    }

    fn as_str(&self) -> String {
        print_val(self)
    }
}

/// Go's `fmt.Sprint` of a value.
fn print_val(v: &Val) -> String {
    match v {
        Val::NoValue => "<no value>".to_string(),
        Val::Json(v) => print_json(v),
    }
}

fn print_json(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => print_number(n),
        Value::String(s) => s.clone(),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(print_json).collect();
            format!("[{}]", items.join(" "))
        }
        Value::Object(o) => {
            let sorted: BTreeMap<&String, &Value> = o.iter().collect();
            let items: Vec<String> = sorted
                .iter()
                .map(|(k, v)| format!("{k}:{}", print_json(v)))
                .collect();
            format!("map[{}]", items.join(" "))
        }
    }
}

fn print_number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        super::units::format_g(n.as_f64().unwrap_or(0.0), None)
    }
}

fn to_json_text(v: &Val, escape_html: bool) -> String {
    let text = match v {
        Val::NoValue => "null".to_string(),
        Val::Json(v) => serde_json::to_string(v).unwrap_or_else(|_| "null".to_string()),
    };
    if escape_html {
        text.replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
    } else {
        text
    }
}

// ---------------------------------------------------------------------------------------
// Execution

#[derive(Debug, Clone)]
struct Dot {
    val: Val,
    /// True while dot is the template's top-level data.
    is_root: bool,
}

enum Flow {
    Normal,
    Break,
    Continue,
}

struct Exec<'a, 'd> {
    source: &'a str,
    root: &'a Data<'d>,
    mode: Mode,
    vars: Vec<(String, Val)>,
    out: String,
}

impl Exec<'_, '_> {
    fn err_at(&self, operand_pos: usize, node: &str, msg: &str) -> TemplateError {
        let line = line_of(self.source, operand_pos);
        let line_start = self.source[..operand_pos]
            .rfind('\n')
            .map(|i| i + 1)
            .unwrap_or(0);
        let col = operand_pos - line_start;
        TemplateError(format!(
            "template: :{line}:{col}: executing \"\" at <{node}>: {msg}"
        ))
    }

    fn walk(&mut self, nodes: &[Node], dot: &Dot) -> Result<Flow> {
        for node in nodes {
            match node {
                Node::Text(t) => self.out.push_str(t),
                Node::Action(pipe) => {
                    let v = self.eval_pipeline(pipe, dot)?;
                    if pipe.decl.is_empty() {
                        let text = print_val(&v);
                        self.out.push_str(&text);
                    }
                }
                Node::If {
                    pipe,
                    then,
                    otherwise,
                } => {
                    let mark = self.vars.len();
                    let v = self.eval_pipeline(pipe, dot)?;
                    let flow = if v.truthy() {
                        self.walk(then, dot)?
                    } else {
                        self.walk(otherwise, dot)?
                    };
                    self.vars.truncate(mark);
                    if !matches!(flow, Flow::Normal) {
                        return Ok(flow);
                    }
                }
                Node::With {
                    pipe,
                    body,
                    otherwise,
                } => {
                    let mark = self.vars.len();
                    let v = self.eval_pipeline(pipe, dot)?;
                    let flow = if v.truthy() {
                        self.walk(
                            body,
                            &Dot {
                                val: v,
                                is_root: false,
                            },
                        )?
                    } else {
                        self.walk(otherwise, dot)?
                    };
                    self.vars.truncate(mark);
                    if !matches!(flow, Flow::Normal) {
                        return Ok(flow);
                    }
                }
                Node::Range {
                    pipe,
                    body,
                    otherwise,
                } => {
                    let mark = self.vars.len();
                    // Declarations bind per element, not to the pipeline's value.
                    let mut plain = pipe.clone();
                    plain.decl.clear();
                    let v = self.eval_pipeline(&plain, dot)?;
                    let items: Vec<(Value, Value)> = match &v {
                        Val::NoValue | Val::Json(Value::Null) => Vec::new(),
                        Val::Json(Value::Array(a)) => a
                            .iter()
                            .enumerate()
                            .map(|(i, e)| (Value::from(i), e.clone()))
                            .collect(),
                        Val::Json(Value::Object(o)) => {
                            let sorted: BTreeMap<&String, &Value> = o.iter().collect();
                            sorted
                                .into_iter()
                                .map(|(k, e)| (Value::String(k.clone()), e.clone()))
                                .collect()
                        }
                        Val::Json(Value::Number(n)) if n.as_u64().is_some() => {
                            (0..n.as_u64().unwrap_or(0))
                                .map(|i| (Value::from(i), Value::from(i)))
                                .collect()
                        }
                        other => {
                            let first = &pipe.cmds[0].args[0];
                            return Err(self.err_at(
                                first.pos,
                                &first.text,
                                &format!("range can't iterate over {}", print_val(other)),
                            ));
                        }
                    };
                    if items.is_empty() {
                        let flow = self.walk(otherwise, dot)?;
                        self.vars.truncate(mark);
                        if !matches!(flow, Flow::Normal) {
                            return Ok(flow);
                        }
                        continue;
                    }
                    for (key, elem) in items {
                        let inner_mark = self.vars.len();
                        match pipe.decl.len() {
                            0 => {}
                            1 => self
                                .vars
                                .push((pipe.decl[0].clone(), Val::Json(elem.clone()))),
                            _ => {
                                self.vars.push((pipe.decl[0].clone(), Val::Json(key)));
                                self.vars
                                    .push((pipe.decl[1].clone(), Val::Json(elem.clone())));
                            }
                        }
                        let flow = self.walk(
                            body,
                            &Dot {
                                val: Val::Json(elem),
                                is_root: false,
                            },
                        )?;
                        self.vars.truncate(inner_mark);
                        if matches!(flow, Flow::Break) {
                            break;
                        }
                    }
                    self.vars.truncate(mark);
                }
                Node::Break => return Ok(Flow::Break),
                Node::Continue => return Ok(Flow::Continue),
            }
        }
        Ok(Flow::Normal)
    }

    fn eval_pipeline(&mut self, pipe: &Pipeline, dot: &Dot) -> Result<Val> {
        let mut value: Option<Val> = None;
        for cmd in &pipe.cmds {
            value = Some(self.eval_command(cmd, dot, value)?);
        }
        let value = value.unwrap_or(Val::NoValue);
        // Go turns a nil interface into an invalid value ("lovely!"): JSON null printed
        // from a map prints `<no value>`.
        let value = match value {
            Val::Json(Value::Null) => Val::NoValue,
            v => v,
        };
        for name in &pipe.decl {
            if pipe.assign {
                match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = value.clone(),
                    None => {
                        return Err(TemplateError(format!(
                            "template: :{}: undefined variable: {name}",
                            line_of(self.source, pipe.pos)
                        )))
                    }
                }
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn eval_command(&mut self, cmd: &Command, dot: &Dot, final_val: Option<Val>) -> Result<Val> {
        let first = &cmd.args[0];
        if let Term::Func(name) = &first.term {
            return self.call(name, first, &cmd.args[1..], dot, final_val);
        }
        if cmd.args.len() > 1 || final_val.is_some() {
            return Err(self.err_at(
                first.pos,
                &first.text,
                &format!("can't give argument to non-function {}", first.text),
            ));
        }
        self.eval_operand(first, dot)
    }

    fn eval_operand(&mut self, op: &Operand, dot: &Dot) -> Result<Val> {
        let (base, base_is_root) = match &op.term {
            Term::Dot => (dot.val.clone(), dot.is_root),
            Term::Var(name) => match self.vars.iter().rev().find(|(n, _)| n == name) {
                Some((_, v)) => (v.clone(), name == "$"),
                None => {
                    return Err(TemplateError(format!(
                        "template: :{}: undefined variable: {name}",
                        line_of(self.source, op.pos)
                    )))
                }
            },
            Term::Literal(v) => (Val::Json(v.clone()), false),
            Term::Nil => {
                if op.chain.is_empty() {
                    return Err(self.err_at(op.pos, "nil", "nil is not a command"));
                }
                (Val::NoValue, false)
            }
            Term::Sub(pipe) => (self.eval_pipeline(pipe, dot)?, false),
            Term::Func(name) => {
                return self.call(name, op, &[], dot, None);
            }
        };
        let mut cur = base;
        let mut strict = base_is_root && self.root.struct_type.is_some();
        for name in &op.chain {
            cur = match &cur {
                Val::Json(Value::Object(map)) => match map.get(name) {
                    Some(v) => Val::Json(v.clone()),
                    None if strict => {
                        let ty = self.root.struct_type.unwrap_or("struct");
                        return Err(self.err_at(
                            op.pos,
                            &op.text,
                            &format!("can't evaluate field {name} in type {ty}"),
                        ));
                    }
                    None => Val::NoValue,
                },
                Val::NoValue | Val::Json(Value::Null) => {
                    return Err(self.err_at(
                        op.pos,
                        &op.text,
                        &format!("nil pointer evaluating interface {{}}.{name}"),
                    ))
                }
                other => {
                    return Err(self.err_at(
                        op.pos,
                        &op.text,
                        &format!("can't evaluate field {name} in type {}", other.go_type()),
                    ))
                }
            };
            strict = false;
        }
        Ok(cur)
    }

    fn call(
        &mut self,
        name: &str,
        op: &Operand,
        args: &[Operand],
        dot: &Dot,
        final_val: Option<Val>,
    ) -> Result<Val> {
        // `and`/`or` evaluate lazily and return an argument, as Go's do.
        if name == "and" || name == "or" {
            let total = args.len() + usize::from(final_val.is_some());
            if total < 1 {
                return Err(self.err_at(
                    op.pos,
                    name,
                    &format!("wrong number of args for {name}: want at least 1 got 0"),
                ));
            }
            let mut last = Val::NoValue;
            for a in args {
                last = self.eval_operand(a, dot)?;
                if (name == "and") != last.truthy() {
                    return Ok(last);
                }
            }
            if let Some(f) = final_val {
                last = f;
            }
            return Ok(last);
        }
        let mut vals = Vec::with_capacity(args.len() + 1);
        for a in args {
            vals.push(self.eval_operand(a, dot)?);
        }
        if let Some(f) = final_val {
            vals.push(f);
        }
        let want = |n: usize, vals: &Vec<Val>, this: &Self| -> Result<()> {
            if vals.len() != n {
                Err(this.err_at(
                    op.pos,
                    name,
                    &format!(
                        "wrong number of args for {name}: want {n} got {}",
                        vals.len()
                    ),
                ))
            } else {
                Ok(())
            }
        };
        if self.mode == Mode::Header {
            // Docker's header functions hand the header text back untouched.
            match name {
                "json" | "title" | "lower" | "upper" => {
                    want(1, &vals, self)?;
                    return Ok(vals.remove(0));
                }
                "split" | "join" | "truncate" => {
                    want(2, &vals, self)?;
                    return Ok(vals.remove(0));
                }
                "pad" => {
                    want(3, &vals, self)?;
                    return Ok(vals.remove(0));
                }
                _ => {}
            }
        }
        let s = |v: &Val| v.as_str();
        Ok(match name {
            "not" => {
                want(1, &vals, self)?;
                Val::Json(Value::Bool(!vals[0].truthy()))
            }
            "len" => {
                want(1, &vals, self)?;
                let n = match &vals[0] {
                    Val::Json(Value::String(x)) => x.len(),
                    Val::Json(Value::Array(a)) => a.len(),
                    Val::Json(Value::Object(o)) => o.len(),
                    other => {
                        return Err(self.err_at(
                            op.pos,
                            name,
                            &format!("error calling len: len of type {}", other.go_type()),
                        ))
                    }
                };
                Val::Json(Value::from(n))
            }
            "index" => {
                if vals.is_empty() {
                    return Err(self.err_at(
                        op.pos,
                        name,
                        "wrong number of args for index: want at least 1 got 0",
                    ));
                }
                let mut cur = vals[0].clone();
                for key in &vals[1..] {
                    cur = match (&cur, key) {
                        (Val::Json(Value::Object(m)), k) => match m.get(&s(k)) {
                            Some(v) => Val::Json(v.clone()),
                            None => Val::NoValue,
                        },
                        (Val::Json(Value::Array(a)), Val::Json(Value::Number(n))) => {
                            let i = n.as_i64().unwrap_or(-1);
                            match usize::try_from(i).ok().and_then(|i| a.get(i)) {
                                Some(v) => Val::Json(v.clone()),
                                None => {
                                    return Err(self.err_at(
                                        op.pos,
                                        name,
                                        &format!("error calling index: index out of range: {i}"),
                                    ))
                                }
                            }
                        }
                        (Val::Json(Value::String(text)), Val::Json(Value::Number(n))) => {
                            let i = n.as_u64().unwrap_or(u64::MAX) as usize;
                            match text.as_bytes().get(i) {
                                Some(b) => Val::Json(Value::from(*b)),
                                None => {
                                    return Err(self.err_at(
                                        op.pos,
                                        name,
                                        &format!("error calling index: index out of range: {i}"),
                                    ))
                                }
                            }
                        }
                        (Val::NoValue | Val::Json(Value::Null), _) => {
                            return Err(self.err_at(
                                op.pos,
                                name,
                                "error calling index: index of untyped nil",
                            ))
                        }
                        (other, _) => {
                            return Err(self.err_at(
                                op.pos,
                                name,
                                &format!(
                                    "error calling index: can't index item of type {}",
                                    other.go_type()
                                ),
                            ))
                        }
                    };
                }
                cur
            }
            "slice" => {
                if vals.is_empty() {
                    return Err(self.err_at(
                        op.pos,
                        name,
                        "wrong number of args for slice: want at least 1 got 0",
                    ));
                }
                let idx: Vec<usize> = vals[1..]
                    .iter()
                    .map(|v| match v {
                        Val::Json(Value::Number(n)) => n.as_u64().unwrap_or(0) as usize,
                        _ => 0,
                    })
                    .collect();
                match &vals[0] {
                    Val::Json(Value::String(t)) => {
                        let from = idx.first().copied().unwrap_or(0);
                        let to = idx.get(1).copied().unwrap_or(t.len());
                        match t.get(from..to) {
                            Some(part) => Val::Json(Value::String(part.to_string())),
                            None => {
                                return Err(self.err_at(
                                    op.pos,
                                    name,
                                    "error calling slice: index out of range",
                                ))
                            }
                        }
                    }
                    Val::Json(Value::Array(a)) => {
                        let from = idx.first().copied().unwrap_or(0);
                        let to = idx.get(1).copied().unwrap_or(a.len());
                        match a.get(from..to) {
                            Some(part) => Val::Json(Value::Array(part.to_vec())),
                            None => {
                                return Err(self.err_at(
                                    op.pos,
                                    name,
                                    "error calling slice: index out of range",
                                ))
                            }
                        }
                    }
                    other => {
                        return Err(self.err_at(
                            op.pos,
                            name,
                            &format!(
                                "error calling slice: can't slice item of type {}",
                                other.go_type()
                            ),
                        ))
                    }
                }
            }
            "print" => Val::Json(Value::String(go_sprint(&vals))),
            "println" => {
                let parts: Vec<String> = vals.iter().map(print_val).collect();
                Val::Json(Value::String(format!("{}\n", parts.join(" "))))
            }
            "printf" => {
                if vals.is_empty() {
                    return Err(self.err_at(
                        op.pos,
                        name,
                        "wrong number of args for printf: want at least 1 got 0",
                    ));
                }
                Val::Json(Value::String(go_sprintf(&s(&vals[0]), &vals[1..])))
            }
            "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
                if vals.len() < 2 {
                    return Err(self.err_at(
                        op.pos,
                        name,
                        &format!("wrong number of args for {name}: want 2 got {}", vals.len()),
                    ));
                }
                let result = match name {
                    "eq" => {
                        let mut any = false;
                        for other in &vals[1..] {
                            if self.compare(op, name, &vals[0], other)? == std::cmp::Ordering::Equal
                            {
                                any = true;
                            }
                        }
                        any
                    }
                    "ne" => {
                        want(2, &vals, self)?;
                        self.compare(op, name, &vals[0], &vals[1])? != std::cmp::Ordering::Equal
                    }
                    _ => {
                        want(2, &vals, self)?;
                        let ord = self.compare(op, name, &vals[0], &vals[1])?;
                        match name {
                            "lt" => ord.is_lt(),
                            "le" => ord.is_le(),
                            "gt" => ord.is_gt(),
                            _ => ord.is_ge(),
                        }
                    }
                };
                Val::Json(Value::Bool(result))
            }
            "json" => {
                want(1, &vals, self)?;
                // Only a Docker context itself (a Go struct with MarshalJSON) escapes HTML.
                let escape = self.root.escape_html_json
                    && matches!(&args.first().map(|a| &a.term), Some(Term::Dot))
                    && args[0].chain.is_empty()
                    && dot.is_root;
                Val::Json(Value::String(to_json_text(&vals[0], escape)))
            }
            "join" => {
                want(2, &vals, self)?;
                let sep = s(&vals[1]);
                match &vals[0] {
                    Val::Json(Value::Array(a)) => {
                        let parts: Vec<String> = a.iter().map(print_json).collect();
                        Val::Json(Value::String(parts.join(&sep)))
                    }
                    Val::NoValue | Val::Json(Value::Null) => {
                        Val::Json(Value::String(String::new()))
                    }
                    other => {
                        return Err(self.err_at(
                            op.pos,
                            name,
                            &format!(
                                "wrong type for value; expected []string; got {}",
                                other.go_type()
                            ),
                        ))
                    }
                }
            }
            "split" => {
                want(2, &vals, self)?;
                let text = s(&vals[0]);
                let sep = s(&vals[1]);
                let parts: Vec<Value> = if sep.is_empty() {
                    text.chars().map(|c| Value::String(c.to_string())).collect()
                } else {
                    text.split(sep.as_str())
                        .map(|p| Value::String(p.to_string()))
                        .collect()
                };
                Val::Json(Value::Array(parts))
            }
            "title" => {
                want(1, &vals, self)?;
                Val::Json(Value::String(go_title(&s(&vals[0]))))
            }
            "lower" => {
                want(1, &vals, self)?;
                Val::Json(Value::String(s(&vals[0]).to_lowercase()))
            }
            "upper" => {
                want(1, &vals, self)?;
                Val::Json(Value::String(s(&vals[0]).to_uppercase()))
            }
            "pad" => {
                want(3, &vals, self)?;
                let text = s(&vals[0]);
                let n = |v: &Val| match v {
                    Val::Json(Value::Number(n)) => n.as_u64().unwrap_or(0) as usize,
                    _ => 0,
                };
                if text.is_empty() {
                    Val::Json(Value::String(text))
                } else {
                    Val::Json(Value::String(format!(
                        "{}{}{}",
                        " ".repeat(n(&vals[1])),
                        text,
                        " ".repeat(n(&vals[2]))
                    )))
                }
            }
            "truncate" => {
                want(2, &vals, self)?;
                let text = s(&vals[0]);
                let n = match &vals[1] {
                    Val::Json(Value::Number(n)) => n.as_u64().unwrap_or(0) as usize,
                    _ => 0,
                };
                // Docker truncates by bytes; stay on a character boundary.
                if text.len() < n {
                    Val::Json(Value::String(text))
                } else {
                    let mut cut = n;
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    Val::Json(Value::String(text[..cut].to_string()))
                }
            }
            _ => return Err(self.err_at(op.pos, name, &format!("function {name:?} not defined"))),
        })
    }

    fn compare(&self, op: &Operand, name: &str, a: &Val, b: &Val) -> Result<std::cmp::Ordering> {
        use std::cmp::Ordering;
        let incompatible = || {
            self.err_at(
                op.pos,
                name,
                &format!("error calling {name}: incompatible types for comparison"),
            )
        };
        match (a, b) {
            (Val::Json(Value::Number(x)), Val::Json(Value::Number(y))) => {
                let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                Ok(x.partial_cmp(&y).unwrap_or(Ordering::Equal))
            }
            (Val::Json(Value::String(x)), Val::Json(Value::String(y))) => Ok(x.cmp(y)),
            (Val::Json(Value::Bool(x)), Val::Json(Value::Bool(y)))
                if matches!(name, "eq" | "ne") =>
            {
                Ok(x.cmp(y))
            }
            (Val::NoValue | Val::Json(Value::Null), Val::NoValue | Val::Json(Value::Null))
                if matches!(name, "eq" | "ne") =>
            {
                Ok(Ordering::Equal)
            }
            (Val::NoValue | Val::Json(Value::Null), _)
            | (_, Val::NoValue | Val::Json(Value::Null))
                if matches!(name, "eq" | "ne") =>
            {
                Ok(Ordering::Less)
            }
            _ => Err(incompatible()),
        }
    }
}

/// Go's `fmt.Sprint`: spaces between operands when neither side is a string.
fn go_sprint(vals: &[Val]) -> String {
    let mut out = String::new();
    for (i, v) in vals.iter().enumerate() {
        let is_str = |v: &Val| matches!(v, Val::Json(Value::String(_)));
        if i > 0 && !is_str(v) && !is_str(&vals[i - 1]) {
            out.push(' ');
        }
        out.push_str(&print_val(v));
    }
    out
}

/// Go's `fmt.Sprintf` for the verbs templates use: `%s %v %d %q %t %x %X %f %%`, with
/// `-`, `0` and width/precision.
fn go_sprintf(format: &str, args: &[Val]) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    let mut next_arg = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut left = false;
        let mut zero = false;
        while let Some(&f) = chars.peek() {
            match f {
                '-' => left = true,
                '0' => zero = true,
                '+' | ' ' | '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            precision = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next_arg) else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        next_arg += 1;
        let mut text = match verb {
            'v' | 's' => print_val(arg),
            'd' => match arg {
                Val::Json(Value::Number(n)) if n.as_i64().is_some() || n.as_u64().is_some() => {
                    print_number(n)
                }
                other => format!("%!d({}={})", other.go_type(), print_val(other)),
            },
            'q' => format!("{:?}", print_val(arg)),
            't' => match arg {
                Val::Json(Value::Bool(b)) => b.to_string(),
                other => format!("%!t({}={})", other.go_type(), print_val(other)),
            },
            'x' | 'X' => {
                let t = match arg {
                    Val::Json(Value::Number(n)) if n.as_u64().is_some() => {
                        format!("{:x}", n.as_u64().unwrap_or(0))
                    }
                    other => print_val(other)
                        .bytes()
                        .map(|b| format!("{b:02x}"))
                        .collect(),
                };
                if verb == 'X' {
                    t.to_uppercase()
                } else {
                    t
                }
            }
            'f' => match arg {
                Val::Json(Value::Number(n)) => {
                    format!("{:.*}", precision.unwrap_or(6), n.as_f64().unwrap_or(0.0))
                }
                other => format!("%!f({}={})", other.go_type(), print_val(other)),
            },
            other => format!("%!{other}({}={})", arg.go_type(), print_val(arg)),
        };
        if matches!(verb, 's' | 'v') {
            if let Some(p) = precision {
                text = text.chars().take(p).collect();
            }
        }
        let width: usize = width.parse().unwrap_or(0);
        let len = text.chars().count();
        if len < width {
            let pad = width - len;
            if left {
                text.push_str(&" ".repeat(pad));
            } else if zero && matches!(verb, 'd' | 'f' | 'x' | 'X') {
                text = format!("{}{}", "0".repeat(pad), text);
            } else {
                text = format!("{}{}", " ".repeat(pad), text);
            }
        }
        out.push_str(&text);
    }
    if next_arg < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[next_arg..]
            .iter()
            .map(|a| format!("{}={}", a.go_type(), print_val(a)))
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

/// Go's (deprecated but used by Docker) `strings.Title`: upper-case each word's first letter.
fn go_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_letter = false;
    for c in s.chars() {
        if !prev_letter && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_letter = c.is_alphanumeric() || c == '_' || c == '\'';
    }
    out
}

/// Parses and runs a template over map-like data in one go.
pub fn render(source: &str, value: &Value) -> Result<String> {
    Template::parse(source)?.execute(&Data::map(value), Mode::Normal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(src: &str, v: &Value) -> String {
        match render(src, v) {
            Ok(s) => s,
            Err(e) => format!("ERR {e}"),
        }
    }

    fn data() -> Value {
        json!({
            "Id": "sha256:abc",
            "Os": "linux",
            "Size": 7380000,
            "RepoTags": ["alpine:3.19", "alpine:latest"],
            "Config": {"Env": ["PATH=/bin", "A=b"], "Labels": {"org.x": "1", "b": "two"}, "Cmd": null},
            "Empty": "",
            "Zero": 0,
            "Float": 1.5,
            "Html": "<none>&"
        })
    }

    #[test]
    fn fields_and_spacing() {
        let d = data();
        assert_eq!(r("{{.Os}}", &d), "linux");
        assert_eq!(r("{{ .Os }}/{{.Config.Env}}", &d), "linux/[PATH=/bin A=b]");
        assert_eq!(r("{{.Size}} {{.Float}}", &d), "7380000 1.5");
        assert_eq!(r("{{.Config.Labels}}", &d), "map[b:two org.x:1]");
        assert_eq!(r("{{.Nope}}", &d), "<no value>");
        assert_eq!(r("{{.Config.Cmd}}", &d), "<no value>");
        assert_eq!(r("plain text", &d), "plain text");
    }

    #[test]
    fn missing_nested_is_a_nil_pointer_error() {
        let d = data();
        assert_eq!(
            r("{{.Config.Foo.Bar}}", &d),
            "ERR template: :1:2: executing \"\" at <.Config.Foo.Bar>: nil pointer evaluating interface {}.Bar"
        );
        assert_eq!(
            r("x\n {{.Os.Name}}", &d),
            "ERR template: :2:3: executing \"\" at <.Os.Name>: can't evaluate field Name in type string"
        );
    }

    #[test]
    fn struct_contexts_reject_unknown_fields() {
        let v = json!({"ID": "abc"});
        let t = Template::parse("{{.Foo}}").unwrap();
        let err = t
            .execute(&Data::context(&v, "*formatter.imageContext"), Mode::Normal)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "template: :1:2: executing \"\" at <.Foo>: can't evaluate field Foo in type *formatter.imageContext"
        );
        assert_eq!(
            t.execute(&Data::map(&v), Mode::Normal).unwrap(),
            "<no value>"
        );
    }

    #[test]
    fn json_function() {
        let d = data();
        assert_eq!(
            r("{{json .RepoTags}}", &d),
            r#"["alpine:3.19","alpine:latest"]"#
        );
        assert_eq!(r("{{json .Html}}", &d), r#""<none>&""#);
        assert_eq!(r("{{json .Nope}}", &d), "null");
        let v = json!({"Digest": "<none>"});
        let t = Template::parse("{{json .}}").unwrap();
        assert_eq!(
            t.execute(&Data::context(&v, "*formatter.imageContext"), Mode::Normal)
                .unwrap(),
            r#"{"Digest":"\u003cnone\u003e"}"#
        );
    }

    #[test]
    fn index_range_and_variables() {
        let d = data();
        assert_eq!(r(r#"{{index .Config.Labels "org.x"}}"#, &d), "1");
        assert_eq!(r(r#"{{index .Config.Labels "missing"}}"#, &d), "<no value>");
        assert_eq!(r("{{index .RepoTags 1}}", &d), "alpine:latest");
        assert_eq!(
            r("{{range .RepoTags}}[{{.}}]{{end}}", &d),
            "[alpine:3.19][alpine:latest]"
        );
        assert_eq!(
            r("{{range $i, $t := .RepoTags}}{{$i}}={{$t}} {{end}}", &d),
            "0=alpine:3.19 1=alpine:latest "
        );
        assert_eq!(
            r(
                "{{range $k, $v := .Config.Labels}}{{$k}}:{{$v}};{{end}}",
                &d
            ),
            "b:two;org.x:1;"
        );
        assert_eq!(r("{{range .Nope}}x{{else}}none{{end}}", &d), "none");
        assert_eq!(
            r("{{$os := .Os}}{{range .RepoTags}}{{$os}}{{end}}", &d),
            "linuxlinux"
        );
        assert_eq!(r("{{range .RepoTags}}{{$.Os}}{{end}}", &d), "linuxlinux");
        assert_eq!(
            r(
                "{{range .RepoTags}}{{if eq . \"alpine:latest\"}}{{break}}{{end}}{{.}}{{end}}",
                &d
            ),
            "alpine:3.19"
        );
        assert_eq!(
            r(
                "{{range .RepoTags}}{{if eq . \"alpine:3.19\"}}{{continue}}{{end}}{{.}}{{end}}",
                &d
            ),
            "alpine:latest"
        );
    }

    #[test]
    fn conditionals_and_with() {
        let d = data();
        assert_eq!(r("{{if .Empty}}a{{else}}b{{end}}", &d), "b");
        assert_eq!(r("{{if .Zero}}a{{else if .Os}}c{{else}}b{{end}}", &d), "c");
        assert_eq!(r("{{with .Config}}{{.Env}}{{end}}", &d), "[PATH=/bin A=b]");
        assert_eq!(r("{{with .Nope}}x{{else}}y{{end}}", &d), "y");
        assert_eq!(r("{{if and .Os .Size}}yes{{end}}", &d), "yes");
        assert_eq!(r("{{if or .Empty .Zero}}yes{{else}}no{{end}}", &d), "no");
        assert_eq!(r("{{or .Empty \"fallback\"}}", &d), "fallback");
        assert_eq!(r("{{if not .Empty}}yes{{end}}", &d), "yes");
        assert_eq!(r("{{if gt .Size 1000}}big{{end}}", &d), "big");
        assert_eq!(r("{{if ne .Os \"windows\"}}ok{{end}}", &d), "ok");
        assert_eq!(
            r("{{if eq .Os \"mac\" \"linux\"}}one of{{end}}", &d),
            "one of"
        );
    }

    #[test]
    fn docker_functions() {
        let d = data();
        assert_eq!(
            r(r#"{{join .RepoTags ", "}}"#, &d),
            "alpine:3.19, alpine:latest"
        );
        assert_eq!(r(r#"{{split "a:b:c" ":"}}"#, &d), "[a b c]");
        assert_eq!(
            r(
                "{{upper .Os}} {{lower \"ABC\"}} {{title \"hello world\"}}",
                &d
            ),
            "LINUX abc Hello World"
        );
        assert_eq!(r("{{.Os | upper}}", &d), "LINUX");
        assert_eq!(
            r("{{len .RepoTags}} {{len .Os}} {{len .Config.Labels}}", &d),
            "2 5 2"
        );
        assert_eq!(r("{{pad .Os 1 2}}|", &d), " linux  |");
        assert_eq!(r("{{truncate .Os 3}}", &d), "lin");
        assert_eq!(r("{{println .Os}}", &d), "linux\n");
        assert_eq!(r("{{print .Os 1 2 \"x\"}}", &d), "linux1 2x");
        assert_eq!(
            r(r#"{{printf "%-6s|%5d|%q" .Os .Size .Os}}"#, &d),
            "linux |7380000|\"linux\""
        );
        assert_eq!(r("{{(index .RepoTags 0) | len}}", &d), "11");
        assert_eq!(r("{{slice .Os 1 3}}", &d), "in");
    }

    #[test]
    fn trimming_and_comments() {
        let d = data();
        assert_eq!(r("a  {{- .Os -}}  b", &d), "alinuxb");
        assert_eq!(r("a {{/* note */}}b", &d), "a b");
        assert_eq!(r("a {{- /* note */ -}} b", &d), "ab");
        assert_eq!(
            r("{{range .RepoTags}}\n  {{- .}}\n{{end}}", &d),
            "alpine:3.19\nalpine:latest\n"
        );
    }

    #[test]
    fn header_mode_returns_names() {
        let headers = json!({"ID": "IMAGE ID", "Repository": "REPOSITORY"});
        let t = Template::parse("{{.ID}}\t{{json .Repository}}\t{{upper .Repository}}\t{{.Other}}")
            .unwrap();
        assert_eq!(
            t.execute(&Data::map(&headers), Mode::Header).unwrap(),
            "IMAGE ID\tREPOSITORY\tREPOSITORY\t<no value>"
        );
    }

    #[test]
    fn parse_errors_read_like_go() {
        let d = data();
        assert_eq!(
            r("{{foo .Os}}", &d),
            "ERR template: :1: function \"foo\" not defined"
        );
        assert_eq!(r("{{.Os", &d), "ERR template: :1: unclosed action");
        assert_eq!(r("{{if .Os}}x", &d), "ERR template: :1: unexpected EOF");
        assert_eq!(r("{{end}}", &d), "ERR template: :1: unexpected {{end}}");
        assert_eq!(r("{{}}", &d), "ERR template: :1: missing value for command");
        assert!(r("{{.Os .Size}}", &d)
            .starts_with("ERR template: :1:2: executing \"\" at <.Os>: can't give argument"));
        assert!(r("{{$x}}", &d).contains("undefined variable: $x"));
    }
}
