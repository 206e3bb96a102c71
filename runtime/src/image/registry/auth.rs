//! Anonymous bearer-token authentication (the Docker Registry token protocol).
//!
//! A registry that wants a token answers `401 Unauthorized` with a challenge such as
//! `WWW-Authenticate: Bearer realm="https://auth.docker.io/token",service="registry.docker.io",
//! scope="repository:library/nginx:pull"`. The client then asks the realm for a token with
//! that service and scope — anonymously: Docker Hub hands out pull tokens for public
//! repositories to anyone — and repeats the request with `Authorization: Bearer <token>`.

use serde::Deserialize;

/// A parsed `Bearer` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub service: Option<String>,
    pub scope: Option<String>,
    /// `insufficient_scope` and friends, when the registry says why.
    pub error: Option<String>,
}

/// The pull scope of a repository: `repository:library/nginx:pull`.
pub fn pull_scope(path: &str) -> String {
    format!("repository:{path}:pull")
}

/// Parses a `WWW-Authenticate` value; `None` unless it is a `Bearer` challenge with a realm.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, params) = header.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut realm = None;
    let mut service = None;
    let mut scope = None;
    let mut error = None;
    for (key, value) in parse_params(params) {
        match key.to_ascii_lowercase().as_str() {
            "realm" => realm = Some(value),
            "service" => service = Some(value),
            "scope" => scope = Some(value),
            "error" => error = Some(value),
            _ => {}
        }
    }
    Some(Challenge {
        realm: realm.filter(|r| !r.is_empty())?,
        service,
        scope,
        error,
    })
}

/// `key=value` pairs separated by commas; values may be quoted with `\` escapes.
fn parse_params(input: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() && chars.peek().is_none() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '"' => break,
                        c => value.push(c),
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
            }
        }
        let key = key.trim().to_string();
        if !key.is_empty() {
            out.push((key, value.trim().to_string()));
        }
        if chars.peek().is_none() {
            break;
        }
    }
    out
}

/// The token endpoint's answer: `token`, or the OAuth2 spelling `access_token`.
#[derive(Debug, Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: String,
    #[serde(default)]
    access_token: String,
}

/// The token in a token endpoint's JSON answer.
pub fn parse_token(body: &[u8]) -> Option<String> {
    let response: TokenResponse = serde_json::from_slice(body).ok()?;
    [response.token, response.access_token]
        .into_iter()
        .find(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_hubs_challenge() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
        )
        .unwrap();
        assert_eq!(c.realm, "https://auth.docker.io/token");
        assert_eq!(c.service.as_deref(), Some("registry.docker.io"));
        assert_eq!(c.scope.as_deref(), Some("repository:library/nginx:pull"));
        assert_eq!(c.error, None);
    }

    #[test]
    fn parses_unquoted_values_escapes_and_errors() {
        let c = parse_challenge(
            r#"bearer realm=http://127.0.0.1:5000/token, scope="repository:a/b:pull,push", error="insufficient_scope", service="a \"b\"""#,
        )
        .unwrap();
        assert_eq!(c.realm, "http://127.0.0.1:5000/token");
        assert_eq!(c.scope.as_deref(), Some("repository:a/b:pull,push"));
        assert_eq!(c.error.as_deref(), Some("insufficient_scope"));
        assert_eq!(c.service.as_deref(), Some("a \"b\""));
    }

    #[test]
    fn basic_and_realmless_challenges_are_not_bearer_tokens() {
        assert_eq!(parse_challenge(r#"Basic realm="registry""#), None);
        assert_eq!(parse_challenge(r#"Bearer service="x""#), None);
        assert_eq!(parse_challenge(""), None);
    }

    #[test]
    fn token_answers_use_either_field() {
        assert_eq!(
            parse_token(br#"{"token":"abc","expires_in":300}"#).as_deref(),
            Some("abc")
        );
        assert_eq!(
            parse_token(br#"{"access_token":"xyz"}"#).as_deref(),
            Some("xyz")
        );
        assert_eq!(parse_token(br#"{"token":""}"#), None);
        assert_eq!(parse_token(b"not json"), None);
        assert_eq!(pull_scope("library/nginx"), "repository:library/nginx:pull");
    }
}
