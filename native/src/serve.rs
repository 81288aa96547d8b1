//! `threadlab serve`: the built browser course on localhost, with the two headers that make a
//! page cross-origin isolated. Without them the browser withholds `SharedArrayBuffer`, and
//! Python threads cannot share one WebAssembly memory.

use std::fs;
use std::path::{Component, Path, PathBuf};

use tiny_http::{Header, Request, Response, Server, StatusCode};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub struct Config {
    /// The built site (`trunk build` writes `dist/`).
    pub dir: PathBuf,
    pub port: u16,
    /// Off only to try the page as a plain static host serves it.
    pub isolation_headers: bool,
    /// Off only to try the page where not even its service worker can isolate it.
    pub service_worker: bool,
}

/// The script that isolates a page whose host sends no headers (see `index.html`).
const SERVICE_WORKER: &str = "coi-serviceworker.js";

/// Serves until the process is stopped.
pub fn serve(config: &Config) -> Result<()> {
    if !config.dir.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html: build the course first (scripts/setup.sh does)",
            config.dir.display()
        )
        .into());
    }
    let server = Server::http(("127.0.0.1", config.port))
        .map_err(|err| format!("cannot listen on 127.0.0.1:{}: {err}", config.port))?;
    let port = server
        .server_addr()
        .to_ip()
        .map_or(config.port, |addr| addr.port());
    println!("threadlab: the course is at http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    for request in server.incoming_requests() {
        let response = respond(config, &request);
        // A browser that went away mid-response is no error of ours.
        let _ = request.respond(response);
    }
    Ok(())
}

fn respond(config: &Config, request: &Request) -> Response<std::io::Cursor<Vec<u8>>> {
    let path = request.url().split(['?', '#']).next().unwrap_or("/");
    let served = |file: &PathBuf| {
        config.service_worker || file.file_name().is_none_or(|name| name != SERVICE_WORKER)
    };
    let (status, body, content_type) = match file_for(&config.dir, path)
        .filter(served)
        .and_then(|f| fs::read(&f).ok().map(|b| (f, b)))
    {
        Some((file, body)) => (200, body, content_type(&file)),
        None => (404, b"not found\n".to_vec(), "text/plain; charset=utf-8"),
    };
    let mut response = Response::from_data(body).with_status_code(StatusCode(status));
    let isolation = [
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Embedder-Policy", "require-corp"),
    ];
    let headers = [
        ("Content-Type", content_type),
        ("Cache-Control", "no-cache"),
    ]
    .into_iter()
    .chain(isolation.into_iter().filter(|_| config.isolation_headers));
    for (name, value) in headers {
        if let Ok(header) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    response
}

/// The file a URL path names under `root`; `None` for anything that would leave it.
fn file_for(root: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = url_path.trim_start_matches('/');
    let relative = if relative.is_empty() {
        "index.html"
    } else {
        relative
    };
    let mut file = root.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(part) => file.push(part),
            _ => return None,
        }
    }
    file.is_file().then_some(file)
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|ext| ext.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") | Some("mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_site() {
        let root = std::env::temp_dir().join(format!("threadlab-serve-{}", std::process::id()));
        fs::create_dir_all(root.join("assets")).unwrap();
        fs::write(root.join("index.html"), "<!doctype html>").unwrap();
        fs::write(root.join("assets/app.js"), "").unwrap();
        assert_eq!(file_for(&root, "/"), Some(root.join("index.html")));
        assert_eq!(
            file_for(&root, "/assets/app.js"),
            Some(root.join("assets/app.js"))
        );
        assert_eq!(file_for(&root, "/../etc/passwd"), None);
        assert_eq!(file_for(&root, "/assets/../../secret"), None);
        assert_eq!(file_for(&root, "/missing.js"), None);
        assert_eq!(content_type(Path::new("a.wasm")), "application/wasm");
        fs::remove_dir_all(root).unwrap();
    }
}
