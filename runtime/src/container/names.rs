//! Container names: Docker's validation rule and random `adjective_surname` names.
//!
//! A name is stored with a leading `/` (`/web`), as Docker's API reports it; the front-end
//! strips it. Random names pair an adjective with the surname of a notable scientist or
//! engineer; the word lists are dockerlings' own.

use super::ContainerError;

const ADJECTIVES: &[&str] = &[
    "agile",
    "amber",
    "ancient",
    "bold",
    "brave",
    "breezy",
    "bright",
    "calm",
    "candid",
    "careful",
    "cheerful",
    "clever",
    "cosmic",
    "crisp",
    "curious",
    "daring",
    "dazzling",
    "eager",
    "earnest",
    "electric",
    "elegant",
    "fearless",
    "festive",
    "fierce",
    "friendly",
    "gallant",
    "gentle",
    "gleaming",
    "graceful",
    "happy",
    "hardy",
    "honest",
    "humble",
    "jolly",
    "keen",
    "kind",
    "lively",
    "loyal",
    "lucid",
    "lucky",
    "merry",
    "mighty",
    "modest",
    "nimble",
    "noble",
    "patient",
    "peaceful",
    "playful",
    "plucky",
    "polished",
    "proud",
    "quick",
    "quiet",
    "radiant",
    "rapid",
    "serene",
    "sharp",
    "shiny",
    "silent",
    "sincere",
    "snappy",
    "spirited",
    "steady",
    "stoic",
    "sunny",
    "swift",
    "tender",
    "thoughtful",
    "tidy",
    "tranquil",
    "upbeat",
    "valiant",
    "vibrant",
    "vivid",
    "warm",
    "wise",
    "witty",
    "zealous",
    "zesty",
];

const SURNAMES: &[&str] = &[
    "agnesi",
    "al_khwarizmi",
    "babbage",
    "bardeen",
    "bohr",
    "boole",
    "bose",
    "brattain",
    "cannon",
    "cerf",
    "chandrasekhar",
    "curie",
    "darwin",
    "dijkstra",
    "einstein",
    "euler",
    "faraday",
    "fermi",
    "feynman",
    "franklin",
    "galileo",
    "gauss",
    "goodall",
    "hamilton",
    "hawking",
    "heisenberg",
    "hopper",
    "hypatia",
    "jackson",
    "johnson",
    "joule",
    "kepler",
    "knuth",
    "kovalevskaya",
    "lamarr",
    "lamport",
    "leavitt",
    "lovelace",
    "maxwell",
    "mcclintock",
    "meitner",
    "mendel",
    "mirzakhani",
    "newton",
    "noether",
    "nobel",
    "ochoa",
    "pascal",
    "pasteur",
    "pauling",
    "planck",
    "raman",
    "ramanujan",
    "ritchie",
    "rubin",
    "sagan",
    "shannon",
    "somerville",
    "tesla",
    "thompson",
    "torvalds",
    "turing",
    "volta",
    "vonneumann",
    "wiles",
    "wu",
    "yalow",
    "yonath",
];

/// Docker's rule: `^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$` (so at least two characters).
pub fn is_valid(name: &str) -> bool {
    let name = name.strip_prefix('/').unwrap_or(name);
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let rest: Vec<char> = chars.collect();
    first.is_ascii_alphanumeric()
        && !rest.is_empty()
        && rest
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Validates a user-given name and returns it in stored form (`/web`).
pub fn normalize(name: &str) -> Result<String, ContainerError> {
    if !is_valid(name) {
        return Err(ContainerError::InvalidName(name.to_string()));
    }
    Ok(if name.starts_with('/') {
        name.to_string()
    } else {
        format!("/{name}")
    })
}

fn random_index(len: usize) -> usize {
    let id = super::id::generate();
    let n = u64::from_str_radix(&id[..15], 16).expect("hex digits");
    (n % len as u64) as usize
}

/// A random `adjective_surname`; with `retry > 0` a digit is appended, as Docker does after
/// a collision.
pub fn random(retry: u32) -> String {
    let mut name = format!(
        "{}_{}",
        ADJECTIVES[random_index(ADJECTIVES.len())],
        SURNAMES[random_index(SURNAMES.len())]
    );
    if retry > 0 {
        name.push_str(&random_index(10).to_string());
    }
    name
}

/// A random stored-form name (`/calm_turing`) that `taken` does not contain.
pub fn random_free(taken: impl Fn(&str) -> bool) -> String {
    for retry in 0..64 {
        let name = format!("/{}", random(retry.min(1)));
        if !taken(&name) {
            return name;
        }
    }
    // Practically unreachable (over 5000 pairs × 10 digits): fall back to the ID's form.
    format!("/{}", &super::id::generate()[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_name_rule() {
        for ok in ["web", "/web", "my-app_1.2", "a1", "9lives", "Web"] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "/",
            "a",
            "-web",
            "_web",
            ".web",
            "web!",
            "we b",
            "웹서버",
            "//web",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
        assert_eq!(normalize("web").unwrap(), "/web");
        assert_eq!(normalize("/web").unwrap(), "/web");
        assert_eq!(
            normalize("my web").unwrap_err().to_string(),
            "Invalid container name (my web), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
        );
    }

    #[test]
    fn random_names_are_valid_adjective_surname_pairs() {
        for retry in [0, 1] {
            for _ in 0..50 {
                let name = random(retry);
                assert!(is_valid(&name), "{name}");
                let (adjective, rest) = name.split_once('_').unwrap();
                assert!(ADJECTIVES.contains(&adjective), "{name}");
                let surname = if retry > 0 {
                    assert!(rest.chars().last().unwrap().is_ascii_digit(), "{name}");
                    &rest[..rest.len() - 1]
                } else {
                    rest
                };
                assert!(SURNAMES.contains(&surname), "{name}");
            }
        }
    }

    #[test]
    fn random_free_avoids_taken_names() {
        let first = random_free(|_| false);
        // Everything without a digit suffix is "taken": the retry must add one.
        let next = random_free(|n| !n.chars().last().unwrap().is_ascii_digit());
        assert!(first.starts_with('/'));
        assert!(next.chars().last().unwrap().is_ascii_digit(), "{next}");
    }

    #[test]
    fn word_lists_are_clean() {
        for w in ADJECTIVES.iter().chain(SURNAMES) {
            assert!(w.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{w}");
        }
        let mut a = ADJECTIVES.to_vec();
        a.sort();
        a.dedup();
        assert_eq!(a.len(), ADJECTIVES.len());
        let mut s = SURNAMES.to_vec();
        s.sort();
        s.dedup();
        assert_eq!(s.len(), SURNAMES.len());
    }
}
