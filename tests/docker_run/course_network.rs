//! The course's two-container network exercise, exactly as the week 1 chapter runs it: a
//! user network with its own subnet where containers reach each other by IP and by name, and
//! the default bridge where only IPs (and `--link` names) work.

use super::Lab;

fn ip_of(lab: &Lab, name: &str) -> String {
    lab.ok(&["exec", name, "hostname", "-i"]).trim().to_string()
}

#[test]
fn custom_network_by_ip_and_name_default_bridge_by_ip_only() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&[
        "network",
        "create",
        "--subnet",
        "172.19.10.0/24",
        "--gateway",
        "172.19.10.1",
        "custom_network",
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "web1",
        "--network",
        "custom_network",
        "nginx",
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "web2",
        "--network",
        "custom_network",
        "nginx",
    ]);
    let ip1 = ip_of(&lab, "web1");
    assert!(ip1.starts_with("172.19.10."), "{ip1}");
    let by_ip = lab.ok(&["exec", "web2", "ping", "-c", "3", &ip1]);
    assert!(
        by_ip.contains("3 packets transmitted, 3 received, 0% packet loss"),
        "{by_ip}"
    );
    let by_name = lab.ok(&["exec", "web2", "ping", "-c", "3", "web1"]);
    assert!(
        by_name.contains(&format!(
            "64 bytes from web1.custom_network ({ip1}): icmp_seq=1 ttl=64"
        )),
        "{by_name}"
    );

    // The same on the default bridge: IPs work, names do not.
    lab.ok(&["run", "-d", "--name", "b1", "nginx"]);
    lab.ok(&["run", "-d", "--name", "b2", "nginx"]);
    let b1 = ip_of(&lab, "b1");
    assert!(b1.starts_with("172.17.0."), "{b1}");
    let ok = lab.ok(&["exec", "b2", "ping", "-c", "1", &b1]);
    assert!(ok.contains("1 received"), "{ok}");
    let no = lab.docker(&["exec", "b2", "ping", "-c", "1", "b1"]);
    assert_eq!(no.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no.stderr).contains("ping: b1: Name or service not known"));
    // --link makes the name work.
    lab.ok(&["run", "-d", "--name", "b3", "--link", "b1", "nginx"]);
    let linked = lab.ok(&["exec", "b3", "ping", "-c", "1", "b1"]);
    assert!(linked.contains("1 received"), "{linked}");

    for name in ["web1", "web2", "b1", "b2", "b3"] {
        lab.ok(&["rm", "-f", name]);
    }
    lab.ok(&["network", "rm", "custom_network"]);
    lab.assert_nothing_left();
}
