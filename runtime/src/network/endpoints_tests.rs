use std::net::Ipv4Addr;

use super::*;
use crate::container::options::CreateOptions;
use crate::network::ipam::{pool_for, Cidr};

fn network(name: &str, subnet: &str, configured: bool) -> NetworkRecord {
    let driver = match name {
        "host" => "host",
        "none" => "null",
        _ => "bridge",
    };
    let ipam = if driver == "bridge" {
        vec![pool_for(Cidr::parse(subnet).unwrap(), None, None)]
    } else {
        Vec::new()
    };
    NetworkRecord {
        id: format!(
            "{:0>64}",
            format!("{:x}", name.len() * 7919 + name.as_bytes()[0] as usize)
        ),
        name: name.to_string(),
        created: chrono::Utc::now(),
        driver: driver.to_string(),
        scope: "local".into(),
        internal: false,
        attachable: false,
        ipam,
        options: Default::default(),
        labels: Default::default(),
        bridge: String::new(),
        ipam_configured: configured,
    }
}

fn networks() -> Vec<NetworkRecord> {
    vec![
        network("bridge", "172.17.0.0/16", false),
        network("host", "", false),
        network("none", "", false),
        network("labnet", "172.19.10.0/24", true),
        network("autonet", "172.18.0.0/16", false),
    ]
}

fn container(name: &str, plan: &NetworkPlan) -> ContainerRecord {
    let mut record: ContainerRecord = serde_json::from_value(serde_json::json!({
        "Id": crate::container::id::generate(), "Created": "2024-01-01T00:00:00Z", "Path": "sh",
        "Args": [], "Image": "sha256:x", "ResolvConfPath": "", "HostnamePath": "",
        "HostsPath": "", "LogPath": "", "Name": format!("/{name}"), "Driver": "overlay2",
        "Platform": "linux",
        "HostConfig": serde_json::to_value(crate::container::record::HostConfig::default()).unwrap(),
        "Mounts": [],
        "Config": serde_json::to_value(crate::container::record::Config::default()).unwrap(),
    }))
    .unwrap();
    record.networks = plan.endpoints.clone();
    record
}

fn opts(network: Option<&str>) -> CreateOptions {
    CreateOptions {
        image: "alpine".into(),
        network: network.map(str::to_string),
        ..CreateOptions::default()
    }
}

#[test]
fn default_is_the_bridge_with_the_next_free_address_and_a_derived_mac() {
    let nets = networks();
    let first = plan_create(&opts(None), "/a", &nets, &[]).unwrap();
    let e = &first.endpoints["bridge"];
    assert_eq!(e.ip, Some(Ipv4Addr::new(172, 17, 0, 2)));
    assert_eq!(e.prefix_len, 16);
    assert_eq!(e.gateway, Some(Ipv4Addr::new(172, 17, 0, 1)));
    assert_eq!(e.mac, "02:42:ac:11:00:02");
    assert_eq!(e.interface, "eth0");
    assert_eq!(e.endpoint_id.len(), 64);
    let a = container("a", &first);
    let second = plan_create(
        &opts(Some("default")),
        "/b",
        &nets,
        std::slice::from_ref(&a),
    )
    .unwrap();
    assert_eq!(
        second.endpoints["bridge"].ip,
        Some(Ipv4Addr::new(172, 17, 0, 3))
    );
    // `a` removed: its address is free again.
    let third = plan_create(&opts(Some("bridge")), "/c", &nets, &[]).unwrap();
    assert_eq!(
        third.endpoints["bridge"].ip,
        Some(Ipv4Addr::new(172, 17, 0, 2))
    );
}

#[test]
fn host_and_none_have_no_address() {
    let nets = networks();
    for mode in ["host", "none"] {
        let p = plan_create(&opts(Some(mode)), "/a", &nets, &[]).unwrap();
        let e = &p.endpoints[mode];
        assert_eq!((e.ip, e.mac.as_str()), (None, ""), "{mode}");
    }
}

#[test]
fn requested_ip_only_on_user_networks_with_a_subnet() {
    let nets = networks();
    let mut o = opts(Some("labnet"));
    o.ip = Some("172.19.10.50".into());
    let p = plan_create(&o, "/a", &nets, &[]).unwrap();
    let e = &p.endpoints["labnet"];
    assert_eq!(e.ip, Some(Ipv4Addr::new(172, 19, 10, 50)));
    assert_eq!(e.requested_ip, e.ip);
    let a = container("a", &p);
    assert_eq!(
        plan_create(&o, "/b", &nets, &[a]).unwrap_err().to_string(),
        "Address already in use"
    );
    let err = |network: &str, ip: &str| {
        let mut o = opts(Some(network));
        o.ip = Some(ip.into());
        plan_create(&o, "/x", &nets, &[]).unwrap_err().to_string()
    };
    assert_eq!(
        err("bridge", "172.17.0.9"),
        "invalid endpoint settings:\nuser specified IP address is supported on user defined networks only"
    );
    assert_eq!(
        err("autonet", "172.18.0.9"),
        "invalid endpoint settings:\nuser specified IP address is supported only when connecting to networks with user configured subnets"
    );
    assert_eq!(
        err("labnet", "10.0.0.5"),
        "invalid endpoint settings:\nno configured subnet or ip-range contain the IP address 10.0.0.5"
    );
    assert_eq!(err("labnet", "172.19.10.1"), "Address already in use");
}

#[test]
fn dockers_conflicts_and_unknown_networks() {
    let nets = networks();
    assert_eq!(
        plan_create(&opts(Some("nope")), "/a", &nets, &[])
            .unwrap_err()
            .to_string(),
        "network nope not found"
    );
    let mut o = opts(Some("bridge"));
    o.network_aliases = vec!["web".into()];
    assert_eq!(
        plan_create(&o, "/a", &nets, &[]).unwrap_err().to_string(),
        "invalid endpoint settings:\nnetwork-scoped alias is supported only for containers in user defined networks"
    );
    let web = container(
        "web",
        &plan_create(&opts(None), "/web", &nets, &[]).unwrap(),
    );
    let mut o = opts(Some(&format!("container:{}", web.bare_name())));
    o.hostname = Some("box".into());
    assert_eq!(
        plan_create(&o, "/a", &nets, std::slice::from_ref(&web))
            .unwrap_err()
            .to_string(),
        conflict::NETWORK_HOSTNAME
    );
    let o = opts(Some("container:web"));
    let p = plan_create(&o, "/a", &nets, std::slice::from_ref(&web)).unwrap();
    assert!(p.endpoints.is_empty());
    assert_eq!(
        plan_create(&opts(Some("container:ghost")), "/a", &nets, &[])
            .unwrap_err()
            .to_string(),
        "No such container: ghost"
    );
    let mut o = opts(Some("host"));
    o.links = vec!["web".into()];
    assert_eq!(
        plan_create(&o, "/a", &nets, &[web])
            .unwrap_err()
            .to_string(),
        conflict::HOST_NETWORK_AND_LINKS
    );
}

#[test]
fn links_on_the_default_bridge() {
    let nets = networks();
    let web = container(
        "web",
        &plan_create(&opts(None), "/web", &nets, &[]).unwrap(),
    );
    let mut o = opts(None);
    o.links = vec!["web:site".into()];
    let p = plan_create(&o, "/client", &nets, std::slice::from_ref(&web)).unwrap();
    assert_eq!(p.host_links, Some(vec!["/web:/client/site".to_string()]));
    assert_eq!(p.endpoints["bridge"].links, ["web:site"]);
    o.links = vec!["ghost".into()];
    assert!(plan_create(&o, "/client", &nets, &[web])
        .unwrap_err()
        .to_string()
        .starts_with("could not get container for ghost"));
}

#[test]
fn connect_adds_the_next_interface_and_disconnect_finds_the_endpoint() {
    let nets = networks();
    let mut a = container("a", &plan_create(&opts(None), "/a", &nets, &[]).unwrap());
    let labnet = &nets[3];
    let request = EndpointRequest {
        aliases: vec!["db".into()],
        ..EndpointRequest::default()
    };
    let e = plan_connect(&a, labnet, &request, std::slice::from_ref(&a)).unwrap();
    assert_eq!(e.interface, "eth1");
    assert_eq!(e.ip, Some(Ipv4Addr::new(172, 19, 10, 2)));
    assert_eq!(e.aliases, ["db"]);
    a.networks.insert("labnet".into(), e.clone());
    assert_eq!(
        plan_connect(&a, labnet, &request, &[])
            .unwrap_err()
            .to_string(),
        "endpoint with name a already exists in network labnet"
    );
    assert_eq!(
        plan_connect(&a, &nets[1], &request, &[])
            .unwrap_err()
            .to_string(),
        conflict::HOST_NETWORK
    );
    assert_eq!(plan_disconnect(&a, labnet).unwrap(), e);
    a.networks.remove("labnet");
    assert_eq!(
        plan_disconnect(&a, labnet).unwrap_err().to_string(),
        "container a is not connected to network labnet"
    );
    a.networks.remove("bridge");
    assert_eq!(next_interface(&a), "eth0");
}
