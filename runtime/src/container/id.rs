//! Container IDs: 64 random hex digits, shown as their first 12, found by unique prefix.
//!
//! Docker's daemon resolves a container reference in this order: a full ID, then a name
//! (with or without its leading `/`), then a unique ID prefix; a prefix shared by several
//! containers is an error rather than a guess.

use std::io::Read;

use super::ContainerError;

/// A new random 64-hex ID (32 bytes from the kernel's CSPRNG). Like Docker, an ID made only
/// of digits is rejected, so an ID can never be mistaken for a number (e.g. a short ID read
/// by a shell as an integer).
pub fn generate() -> String {
    loop {
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .expect("/dev/urandom is readable");
        let id = hex::encode(bytes);
        if !id[..12].bytes().all(|b| b.is_ascii_digit()) {
            return id;
        }
    }
}

/// The 12-hex short form.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// Whether `text` looks like a full 64-hex ID.
pub fn is_full_id(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Resolves `reference` against `(id, name)` pairs (names with their leading `/`): full ID,
/// then name, then unique ID prefix. Returns the matching ID.
pub fn resolve<'a>(
    reference: &str,
    containers: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
) -> Result<String, ContainerError> {
    if reference.is_empty() {
        return Err(ContainerError::NoSuchContainer(reference.to_string()));
    }
    if let Some((id, _)) = containers
        .clone()
        .into_iter()
        .find(|(id, _)| *id == reference)
    {
        return Ok(id.to_string());
    }
    let wanted_name = if reference.starts_with('/') {
        reference.to_string()
    } else {
        format!("/{reference}")
    };
    if let Some((id, _)) = containers
        .clone()
        .into_iter()
        .find(|(_, name)| *name == wanted_name)
    {
        return Ok(id.to_string());
    }
    if reference.bytes().all(|b| b.is_ascii_hexdigit()) {
        let mut found = containers
            .into_iter()
            .filter(|(id, _)| id.starts_with(reference));
        match (found.next(), found.next()) {
            (Some((id, _)), None) => return Ok(id.to_string()),
            (Some(_), Some(_)) => {
                return Err(ContainerError::AmbiguousPrefix(reference.to_string()))
            }
            _ => {}
        }
    }
    Err(ContainerError::NoSuchContainer(reference.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_64_hex_and_distinct() {
        let a = generate();
        let b = generate();
        assert!(is_full_id(&a) && is_full_id(&b), "{a} {b}");
        assert_ne!(a, b);
        assert_eq!(short(&a).len(), 12);
        assert!(a.starts_with(short(&a)));
        assert!(!is_full_id("abc"));
        assert!(!is_full_id(&"g".repeat(64)));
    }

    fn fixture() -> Vec<(String, String)> {
        vec![
            (format!("abc1{}", "0".repeat(60)), "/web".to_string()),
            (format!("abc2{}", "0".repeat(60)), "/db".to_string()),
            (format!("def0{}", "0".repeat(60)), "/abc1".to_string()),
        ]
    }

    fn lookup(reference: &str) -> Result<String, ContainerError> {
        let f = fixture();
        resolve(reference, f.iter().map(|(i, n)| (i.as_str(), n.as_str())))
    }

    #[test]
    fn full_id_then_name_then_prefix() {
        let f = fixture();
        assert_eq!(lookup(&f[1].0).unwrap(), f[1].0);
        assert_eq!(lookup("web").unwrap(), f[0].0);
        assert_eq!(lookup("/web").unwrap(), f[0].0);
        assert_eq!(lookup("def").unwrap(), f[2].0);
        // A name wins over an ID prefix, as in Docker.
        assert_eq!(lookup("abc1").unwrap(), f[2].0);
        assert_eq!(lookup("abc2").unwrap(), f[1].0);
    }

    #[test]
    fn docker_errors_for_unknown_and_ambiguous() {
        assert_eq!(
            lookup("abc").unwrap_err().to_string(),
            "multiple IDs found with provided prefix: abc"
        );
        assert_eq!(
            lookup("nosuch").unwrap_err().to_string(),
            "No such container: nosuch"
        );
        assert_eq!(lookup("").unwrap_err().to_string(), "No such container: ");
        assert!(lookup("fff").unwrap_err().is_not_found());
    }
}
