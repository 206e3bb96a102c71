//! The host's platform in the terms images use (OCI / Docker): `linux/amd64`, `linux/arm64/v8`.

/// An OS/architecture/variant triple.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostPlatform {
    pub os: &'static str,
    pub architecture: &'static str,
    pub variant: Option<&'static str>,
}

/// The platform this process runs on, named as Go (and so Docker) names it.
pub fn host() -> HostPlatform {
    let (architecture, variant) = match std::env::consts::ARCH {
        "x86_64" => ("amd64", None),
        "aarch64" => ("arm64", Some("v8")),
        "x86" => ("386", None),
        "arm" => ("arm", Some("v7")),
        "powerpc64" if cfg!(target_endian = "little") => ("ppc64le", None),
        "powerpc64" => ("ppc64", None),
        other => (other, None),
    };
    HostPlatform {
        os: "linux",
        architecture,
        variant,
    }
}

impl HostPlatform {
    /// `linux/amd64`, `linux/arm64/v8`
    pub fn describe(&self) -> String {
        match self.variant {
            Some(variant) => format!("{}/{}/{variant}", self.os, self.architecture),
            None => format!("{}/{}", self.os, self.architecture),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn host_is_named_like_docker() {
        let host = super::host();
        assert_eq!(host.os, "linux");
        assert!(!host.architecture.contains("x86_64") && !host.architecture.contains("aarch64"));
        assert!(host.describe().starts_with("linux/"));
    }
}
