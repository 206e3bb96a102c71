//! What can go wrong with networks and endpoints. Texts are Docker 25's daemon messages.

use super::plumbing::PlumbingError;

#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("network {0} not found")]
    NotFound(String),
    #[error("network {reference} is ambiguous ({count} matches found based on {based_on})")]
    Ambiguous {
        reference: String,
        count: usize,
        based_on: &'static str,
    },
    #[error("operation is not permitted on predefined {0} network ")]
    PredefinedName(String),
    #[error("network with name {0} already exists")]
    NameExists(String),
    #[error("Pool overlaps with other one on this address space")]
    PoolOverlap,
    #[error("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network")]
    NoAvailablePool,
    #[error("invalid network config:\n{}", .0.join("\n"))]
    InvalidConfig(Vec<String>),
    #[error("{0} is a pre-defined network and cannot be removed")]
    PreDefined(String),
    #[error("error while removing network: network {name} id {id} has active endpoints")]
    ActiveEndpoints { name: String, id: String },
    #[error("invalid endpoint settings:\n{}", .0.join("\n"))]
    InvalidEndpointSettings(Vec<String>),
    #[error("plugin \"{0}\" not found")]
    PluginNotFound(String),
    #[error("only one instance of \"{0}\" network is allowed")]
    OnlyOneInstance(String),
    #[error("This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.")]
    NotSwarmManager,
    /// Docker's `runconfig` conflicts (`conflicting options: …`) and other refusals whose
    /// text is built where they happen.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    InvalidArgument(String),
    #[error("Address already in use")]
    AddressInUse,
    #[error("no available IPv4 addresses on this network's address pools: {name} ({id})")]
    NoAvailableAddress { name: String, id: String },
    #[error("container {container} is not connected to network {network}")]
    NotConnected { container: String, network: String },
    #[error("endpoint with name {container} already exists in network {network}")]
    AlreadyConnected { container: String, network: String },
    #[error(transparent)]
    Plumbing(#[from] PlumbingError),
    #[error("network store is corrupt: {0}")]
    Corrupt(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl NetworkError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }

    /// Whether the error means "no network by that name".
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound(_))
    }
}

/// `runconfig`'s conflict texts, as Docker 25's daemon words them.
pub mod conflict {
    pub const CONTAINER_NETWORK_AND_LINKS: &str = "conflicting options: container type network can't be used with links. This would result in undefined behavior";
    pub const HOST_NETWORK_AND_LINKS: &str = "conflicting options: host type networking can't be used with links. This would result in undefined behavior";
    pub const SHARED_NETWORK: &str = "container sharing network namespace with another container or host cannot be connected to any other network";
    pub const HOST_NETWORK: &str =
        "container cannot be disconnected from host network or connected to host network";
    pub const NO_NETWORK: &str = "container cannot be connected to multiple networks with one of the networks in private (none) mode";
    pub const NETWORK_AND_DNS: &str = "conflicting options: dns and the network mode";
    pub const NETWORK_HOSTNAME: &str = "conflicting options: hostname and the network mode";
    pub const NETWORK_HOSTS: &str =
        "conflicting options: custom host-to-IP mapping and the network mode";
    pub const CONTAINER_NETWORK_AND_MAC: &str =
        "conflicting options: mac-address and the network mode";
    pub const NETWORK_PUBLISH_PORTS: &str =
        "conflicting options: port publishing and the container type network mode";
    pub const NETWORK_EXPOSE_PORTS: &str =
        "conflicting options: port exposing and the container type network mode";
    pub const IP_ON_PREDEFINED: &str =
        "user specified IP address is supported on user defined networks only";
    pub const IP_WITHOUT_SUBNET: &str =
        "user specified IP address is supported only when connecting to networks with user configured subnets";
    pub const ALIAS_ON_PREDEFINED: &str =
        "network-scoped alias is supported only for containers in user defined networks";
}
