//! A tiny Docker Registry HTTP API v2 server on 127.0.0.1, for pull tests: manifests, blobs,
//! an anonymous bearer-token endpoint, Docker Hub's error bodies, and a log of every request
//! (so tests can count downloads and check what was sent). One thread per connection,
//! `Connection: close` on every answer. It never talks to anything but the test's client.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use crate::common::sha256;

pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// How the registry wants clients to authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// Anonymous access, no tokens.
    Open,
    /// Bearer tokens: requests need `Authorization: Bearer <valid>`; the token endpoint
    /// hands out `issued` (make it differ from `valid` to test refusal). With
    /// `challenge_on_ping`, `GET /v2/` already asks for a token (like Docker Hub); without,
    /// only manifest and blob requests do (with the repository scope in the challenge).
    Token {
        valid: String,
        issued: String,
        challenge_on_ping: bool,
    },
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
    pub accept: Option<String>,
}

#[derive(Default)]
struct Content {
    /// (repository, tag or digest) → (bytes, media type).
    manifests: HashMap<(String, String), (Vec<u8>, String)>,
    /// (repository, digest) → bytes served (tests may serve bytes that do not match).
    blobs: HashMap<(String, String), Vec<u8>>,
    requests: Vec<Request>,
    /// A blob whose transfer stops halfway until released.
    stalled: Option<String>,
}

struct Shared {
    content: Mutex<Content>,
    auth: Mutex<Auth>,
    released: Condvar,
    stop: AtomicBool,
}

pub struct FakeRegistry {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

/// A layer as pushed: the uncompressed tar and the bytes the registry serves.
pub struct PushedLayer {
    pub tar: Vec<u8>,
    pub blob: Vec<u8>,
    pub media_type: &'static str,
}

impl PushedLayer {
    pub fn digest(&self) -> String {
        sha256(&self.blob)
    }

    pub fn plain(tar: Vec<u8>) -> Self {
        Self {
            blob: tar.clone(),
            tar,
            media_type: "application/vnd.oci.image.layer.v1.tar",
        }
    }

    pub fn gzip(tar: Vec<u8>) -> Self {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&tar).unwrap();
        Self {
            blob: e.finish().unwrap(),
            tar,
            media_type: "application/vnd.docker.image.rootfs.diff.tar.gzip",
        }
    }

    pub fn zstd(tar: Vec<u8>) -> Self {
        Self {
            blob: ruzstd::encoding::compress_to_vec(
                &tar[..],
                ruzstd::encoding::CompressionLevel::Fastest,
            ),
            tar,
            media_type: "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }
}

/// What a push produced.
pub struct Pushed {
    /// The digest of the manifest (or index) the tag names.
    pub digest: String,
    /// The image ID (config digest) of the single-platform image.
    pub config_digest: String,
}

impl FakeRegistry {
    pub fn start(auth: Auth) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            content: Mutex::new(Content::default()),
            auth: Mutex::new(auth),
            released: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let server = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if server.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let server = server.clone();
                std::thread::spawn(move || {
                    let _ = handle(&server, addr, stream);
                });
            }
        });
        Self { addr, shared }
    }

    /// `127.0.0.1:PORT`
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// `127.0.0.1:PORT/<repo>:<tag>`
    pub fn reference(&self, repo: &str, tag: &str) -> String {
        format!("{}/{repo}:{tag}", self.host())
    }

    pub fn requests(&self) -> Vec<Request> {
        self.shared.content.lock().unwrap().requests.clone()
    }

    /// How many requests asked for the blob `digest`.
    pub fn blob_requests(&self, digest: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path.contains("/blobs/") && r.path.ends_with(digest))
            .count()
    }

    pub fn put_blob(&self, repo: &str, digest: &str, bytes: Vec<u8>) {
        self.shared
            .content
            .lock()
            .unwrap()
            .blobs
            .insert((repo.to_string(), digest.to_string()), bytes);
    }

    pub fn put_manifest(
        &self,
        repo: &str,
        tag: Option<&str>,
        bytes: Vec<u8>,
        media_type: &str,
    ) -> String {
        let digest = sha256(&bytes);
        let mut content = self.shared.content.lock().unwrap();
        for key in std::iter::once(digest.clone()).chain(tag.map(str::to_string)) {
            content.manifests.insert(
                (repo.to_string(), key),
                (bytes.clone(), media_type.to_string()),
            );
        }
        digest
    }

    /// Pushes an image: config (from `config`) and layers as blobs, and its manifest under
    /// `tag` (when given) and its digest. Returns the manifest digest and the image ID.
    pub fn push_image(
        &self,
        repo: &str,
        tag: Option<&str>,
        config: Vec<u8>,
        layers: &[PushedLayer],
        manifest_type: &str,
    ) -> Pushed {
        let config_digest = sha256(&config);
        let config_type = if manifest_type == DOCKER_MANIFEST {
            "application/vnd.docker.container.image.v1+json"
        } else {
            "application/vnd.oci.image.config.v1+json"
        };
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest_type,
            "config": {"mediaType": config_type, "size": config.len(), "digest": config_digest},
            "layers": layers.iter().map(|l| serde_json::json!({
                "mediaType": l.media_type, "size": l.blob.len(), "digest": l.digest()
            })).collect::<Vec<_>>(),
        });
        self.put_blob(repo, &config_digest, config);
        for layer in layers {
            self.put_blob(repo, &layer.digest(), layer.blob.clone());
        }
        let digest = self.put_manifest(
            repo,
            tag,
            serde_json::to_vec_pretty(&manifest).unwrap(),
            manifest_type,
        );
        Pushed {
            digest,
            config_digest,
        }
    }

    /// Serves the blob `digest` only halfway, then waits until [`Self::release`].
    pub fn stall_blob(&self, digest: &str) {
        self.shared.content.lock().unwrap().stalled = Some(digest.to_string());
    }

    pub fn release(&self) {
        self.shared.content.lock().unwrap().stalled = None;
        self.shared.released.notify_all();
    }
}

impl Drop for FakeRegistry {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.release();
        let _ = TcpStream::connect(self.addr);
    }
}

fn handle(shared: &Shared, addr: SocketAddr, stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let request = Request {
        path: path.to_string(),
        query: query.to_string(),
        authorization: headers.get("authorization").cloned(),
        accept: headers.get("accept").cloned(),
    };
    shared
        .content
        .lock()
        .unwrap()
        .requests
        .push(request.clone());
    let mut out = stream;
    let auth = shared.auth.lock().unwrap().clone();
    let realm = format!("http://{addr}/token");

    if path == "/token" {
        let Auth::Token { issued, .. } = &auth else {
            return respond(&mut out, 404, "text/plain", &[], b"no tokens here");
        };
        let body =
            serde_json::to_vec(&serde_json::json!({"token": issued, "expires_in": 300})).unwrap();
        return respond(&mut out, 200, "application/json", &[], &body);
    }

    let authorized = match &auth {
        Auth::Open => true,
        Auth::Token { valid, .. } => {
            request.authorization.as_deref() == Some(&format!("Bearer {valid}"))
        }
    };
    if path == "/v2/" || path == "/v2" {
        return match &auth {
            Auth::Token {
                challenge_on_ping: true,
                ..
            } if !authorized => {
                let challenge = format!("Bearer realm=\"{realm}\",service=\"fake-registry\"");
                respond(
                    &mut out,
                    401,
                    "application/json",
                    &[("WWW-Authenticate", &challenge)],
                    &errors("UNAUTHORIZED", "authentication required"),
                )
            }
            _ => respond(&mut out, 200, "application/json", &[], b"{}"),
        };
    }
    let Some(rest) = path.strip_prefix("/v2/") else {
        return respond(&mut out, 404, "text/plain", &[], b"404 page not found");
    };
    let (repo, kind, key) = if let Some((repo, key)) = rest.rsplit_once("/manifests/") {
        (repo, "manifests", key)
    } else if let Some((repo, key)) = rest.rsplit_once("/blobs/") {
        (repo, "blobs", key)
    } else {
        return respond(&mut out, 404, "text/plain", &[], b"404 page not found");
    };
    if !authorized {
        let challenge = format!(
            "Bearer realm=\"{realm}\",service=\"fake-registry\",scope=\"repository:{repo}:pull\",error=\"invalid_token\""
        );
        return respond(
            &mut out,
            401,
            "application/json",
            &[("WWW-Authenticate", &challenge)],
            &errors("UNAUTHORIZED", "authentication required"),
        );
    }
    let content = shared.content.lock().unwrap();
    let repo_known = content.manifests.keys().any(|(r, _)| r == repo);
    if !repo_known {
        // Docker Hub answers unknown repositories as unauthorized.
        drop(content);
        return respond(
            &mut out,
            401,
            "application/json",
            &[],
            &errors("UNAUTHORIZED", "authentication required"),
        );
    }
    if kind == "manifests" {
        let Some((bytes, media_type)) = content
            .manifests
            .get(&(repo.to_string(), key.to_string()))
            .cloned()
        else {
            drop(content);
            return respond(
                &mut out,
                404,
                "application/json",
                &[],
                &errors("MANIFEST_UNKNOWN", "manifest unknown"),
            );
        };
        drop(content);
        let digest = sha256(&bytes);
        return respond(
            &mut out,
            200,
            &media_type,
            &[("Docker-Content-Digest", &digest)],
            &bytes,
        );
    }
    let Some(bytes) = content
        .blobs
        .get(&(repo.to_string(), key.to_string()))
        .cloned()
    else {
        drop(content);
        return respond(
            &mut out,
            404,
            "application/json",
            &[],
            &errors("BLOB_UNKNOWN", "blob unknown to registry"),
        );
    };
    let stalled = content.stalled.as_deref() == Some(key);
    drop(content);
    if stalled {
        let half = bytes.len() / 2;
        write_head(&mut out, 200, "application/octet-stream", &[], bytes.len())?;
        out.write_all(&bytes[..half])?;
        out.flush()?;
        let mut content = shared.content.lock().unwrap();
        while content.stalled.as_deref() == Some(key) {
            content = shared.released.wait(content).unwrap();
        }
        drop(content);
        out.write_all(&bytes[half..])?;
        return out.flush();
    }
    respond(&mut out, 200, "application/octet-stream", &[], &bytes)
}

fn errors(code: &str, message: &str) -> Vec<u8> {
    serde_json::to_vec(
        &serde_json::json!({"errors": [{"code": code, "message": message, "detail": null}]}),
    )
    .unwrap()
}

fn write_head(
    out: &mut TcpStream,
    status: u16,
    content_type: &str,
    headers: &[(&str, &str)],
    len: usize,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Error",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\nConnection: close\r\nDocker-Distribution-API-Version: registry/2.0\r\n"
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())
}

fn respond(
    out: &mut TcpStream,
    status: u16,
    content_type: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<()> {
    write_head(out, status, content_type, headers, body.len())?;
    out.write_all(body)?;
    out.flush()
}
