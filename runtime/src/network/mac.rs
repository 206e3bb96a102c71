//! MAC addresses as Docker gives them: `02:42` (a locally administered, unicast prefix)
//! followed by the four bytes of the endpoint's IPv4 address — 172.17.0.2 gets
//! `02:42:ac:11:00:02` — unless `--mac-address` set one.

use std::net::Ipv4Addr;

/// Docker's MAC for `ip`.
pub fn from_ip(ip: Ipv4Addr) -> String {
    let [a, b, c, d] = ip.octets();
    format!("02:42:{a:02x}:{b:02x}:{c:02x}:{d:02x}")
}

/// Whether `text` is a 48-bit MAC in colon or dash notation (Go's `net.ParseMAC` for the
/// lengths Docker accepts), normalised to lowercase colons.
pub fn parse(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.split([':', '-']).collect();
    if parts.len() != 6
        || !parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return None;
    }
    Some(parts.join(":").to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_from_the_ip() {
        assert_eq!(from_ip(Ipv4Addr::new(172, 17, 0, 2)), "02:42:ac:11:00:02");
        assert_eq!(from_ip(Ipv4Addr::new(172, 19, 10, 3)), "02:42:ac:13:0a:03");
    }

    #[test]
    fn parses_user_macs() {
        assert_eq!(
            parse("92:D0:C6:0A:29:33").as_deref(),
            Some("92:d0:c6:0a:29:33")
        );
        assert_eq!(
            parse("92-d0-c6-0a-29-33").as_deref(),
            Some("92:d0:c6:0a:29:33")
        );
        for bad in ["", "92:d0:c6:0a:29", "92:d0:c6:0a:29:3g", "92d0c60a2933"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
