//! A fake Kubernetes API server on 127.0.0.1, enough for `helm template
//! --dry-run=server` and `kubectl get` to talk to: discovery (`/version`,
//! `/api`, `/apis`, `/api/v1`, `/apis/GROUP/VERSION`), GET of the objects
//! it holds (a 404 `Status` for the others) and lists (with
//! `labelSelector=a=b,c=d`). Plain HTTP/1.1 with keep-alive; every request
//! is logged so tests can check what a client asked for.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

/// The kinds served: (group, version, resource, kind, namespaced).
const RESOURCES: &[(&str, &str, &str, &str, bool)] = &[
    ("", "v1", "configmaps", "ConfigMap", true),
    ("", "v1", "namespaces", "Namespace", false),
    (
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
    ),
    ("", "v1", "pods", "Pod", true),
    ("", "v1", "secrets", "Secret", true),
    ("", "v1", "serviceaccounts", "ServiceAccount", true),
    ("", "v1", "services", "Service", true),
    ("apps", "v1", "deployments", "Deployment", true),
    ("apps", "v1", "statefulsets", "StatefulSet", true),
    ("networking.k8s.io", "v1", "ingresses", "Ingress", true),
];

/// A running fake API server; it stops accepting when dropped.
pub struct KubeApi {
    addr: SocketAddr,
    state: Arc<State>,
}

struct State {
    objects: Vec<Value>,
    log: Mutex<Vec<String>>,
    stopped: AtomicBool,
}

impl KubeApi {
    /// Starts a server holding these objects (as `kubectl get -o json`
    /// prints them, each with apiVersion, kind and metadata).
    pub fn start(objects: Vec<Value>) -> KubeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(State {
            objects,
            log: Mutex::new(Vec::new()),
            stopped: AtomicBool::new(false),
        });
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if shared.stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        KubeApi { addr, state }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, as `GET /path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.state.log.lock().unwrap().clone()
    }

    /// The requests so far for objects (not discovery), without the query.
    pub fn object_requests(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| r.contains("/namespaces/") || object_path(r))
            .map(|r| r.split('?').next().unwrap_or_default().to_string())
            .collect()
    }

    /// Writes a kubeconfig whose context `fake` (the current one) points here.
    pub fn kubeconfig(&self, dir: &Path) -> PathBuf {
        write_kubeconfig(dir, &[("fake", &self.url())], "fake")
    }
}

impl Drop for KubeApi {
    fn drop(&mut self) {
        self.state.stopped.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

/// Writes `dir/kubeconfig` with one context per (name, server URL).
pub fn write_kubeconfig(dir: &Path, contexts: &[(&str, &str)], current: &str) -> PathBuf {
    let mut text = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (name, url) in contexts {
        text.push_str(&format!(
            "- name: {name}\n  cluster:\n    server: {url}\n    insecure-skip-tls-verify: true\n"
        ));
    }
    text.push_str("contexts:\n");
    for (name, _) in contexts {
        text.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: {name}\n    user: {name}\n    namespace: default\n"
        ));
    }
    text.push_str("users:\n");
    for (name, _) in contexts {
        text.push_str(&format!("- name: {name}\n  user: {{}}\n"));
    }
    text.push_str(&format!("current-context: {current}\n"));
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).expect("writing kubeconfig");
    path
}

/// A cluster-wide list path (`/api/v1/secrets`, `/apis/apps/v1/statefulsets`).
fn object_path(request: &str) -> bool {
    let path = request.split(' ').nth(1).unwrap_or_default();
    let path = path.split('?').next().unwrap_or_default();
    RESOURCES
        .iter()
        .any(|(g, v, r, _, _)| path == format!("{}/{r}", prefix(g, v)))
}

fn prefix(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    }
}

/// Answers the requests of one connection until the client closes it.
fn serve(stream: TcpStream, state: &State) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let mut reader = BufReader::new(stream.try_clone().expect("cloning stream"));
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut content_length = 0;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; content_length];
        if std::io::Read::read_exact(&mut reader, &mut body).is_err() {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        state.log.lock().unwrap().push(format!("{method} {target}"));
        let (code, reply) = if method == "GET" {
            answer(state, &target)
        } else {
            status(
                405,
                "MethodNotAllowed",
                &format!("{method} is not supported here"),
            )
        };
        let body = reply.to_string();
        let reason = match code {
            200 => "OK",
            404 => "Not Found",
            _ => "Method Not Allowed",
        };
        let head = format!(
            "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(body.as_bytes()).is_err()
        {
            return;
        }
    }
}

fn status(code: u16, reason: &str, message: &str) -> (u16, Value) {
    let body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    (code, body)
}

fn answer(state: &State, target: &str) -> (u16, Value) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = path.trim_end_matches('/');
    match path {
        "/version" => return (200, version()),
        "/api" => {
            return (
                200,
                json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}),
            )
        }
        "/apis" => return (200, groups()),
        _ => {}
    }
    for (group, version) in group_versions() {
        if path == prefix(group, version) {
            return (200, resources(group, version));
        }
    }
    for &(group, version, resource, kind, namespaced) in RESOURCES {
        let base = prefix(group, version);
        let Some(rest) = path.strip_prefix(&base) else {
            continue;
        };
        let parts: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        let api_version = if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        let (namespace, name) = match parts.as_slice() {
            [r] if *r == resource => (None, None),
            [r, name] if *r == resource && !namespaced => (None, Some(*name)),
            ["namespaces", ns, r] if *r == resource && namespaced => (Some(*ns), None),
            ["namespaces", ns, r, name] if *r == resource && namespaced => (Some(*ns), Some(*name)),
            _ => continue,
        };
        let matching: Vec<&Value> = state
            .objects
            .iter()
            .filter(|o| o["apiVersion"] == api_version.as_str() && o["kind"] == kind)
            .filter(|o| namespace.is_none_or(|ns| o["metadata"]["namespace"] == ns))
            .collect();
        return match name {
            Some(name) => match matching.into_iter().find(|o| o["metadata"]["name"] == name) {
                Some(object) => (200, object.clone()),
                None => status(404, "NotFound", &format!("{resource} \"{name}\" not found")),
            },
            None => {
                let selector = query
                    .split('&')
                    .find_map(|p| p.strip_prefix("labelSelector="))
                    .map(percent_decode)
                    .unwrap_or_default();
                let mut matching = matching;
                // etcd's key order, as a real API server lists.
                matching.sort_by_key(|o| {
                    let meta = &o["metadata"];
                    (
                        meta["namespace"].as_str().map(String::from),
                        meta["name"].as_str().map(String::from),
                    )
                });
                let items: Vec<Value> = matching
                    .into_iter()
                    .filter(|o| selects(&selector, &o["metadata"]["labels"]))
                    .map(|o| {
                        let mut item = o.clone();
                        let map = item.as_object_mut().unwrap();
                        map.remove("apiVersion");
                        map.remove("kind");
                        item
                    })
                    .collect();
                (
                    200,
                    json!({"kind": format!("{kind}List"), "apiVersion": api_version,
                           "metadata": {"resourceVersion": "1000"}, "items": items}),
                )
            }
        };
    }
    status(
        404,
        "NotFound",
        "the server could not find the requested resource",
    )
}

/// Whether labels match an equality selector `a=b,c=d` (empty: everything).
fn selects(selector: &str, labels: &Value) -> bool {
    selector.split(',').filter(|s| !s.is_empty()).all(|term| {
        let (key, value) = term
            .split_once("==")
            .or_else(|| term.split_once('='))
            .unwrap_or((term, ""));
        labels[key] == value
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn version() -> Value {
    json!({
        "major": "1", "minor": "32", "gitVersion": "v1.32.0",
        "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
        "buildDate": "2024-12-11T00:00:00Z", "goVersion": "go1.23.3", "compiler": "gc",
        "platform": "linux/amd64"
    })
}

fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut all: Vec<(&str, &str)> = RESOURCES.iter().map(|(g, v, ..)| (*g, *v)).collect();
    all.dedup();
    all
}

fn groups() -> Value {
    let groups: Vec<Value> = group_versions()
        .into_iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(group, version)| {
            let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
            json!({"name": group, "versions": [gv], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn resources(group: &str, version: &str) -> Value {
    let list: Vec<Value> = RESOURCES
        .iter()
        .filter(|(g, v, ..)| *g == group && *v == version)
        .map(|(_, _, resource, kind, namespaced)| {
            json!({
                "name": resource, "singularName": kind.to_lowercase(), "namespaced": namespaced,
                "kind": kind,
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
            })
        })
        .collect();
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": list})
}
