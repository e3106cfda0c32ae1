//! The site's static files (`/pkg`: the wasm, its JavaScript and the stylesheet; `public/`: the icon), served from
//! the site root with the brotli or gzip copy `cargo leptos build --release --precompress` made beside each file,
//! whichever the browser accepts. A path that is no file renders the app's "not found" page.
//!
//! Caching: with hashed asset names (`hash-files`, release builds), a name changes whenever its content does, so
//! `/pkg` is cached for a year and never revalidated. Without hashes (`cargo leptos watch`), browsers revalidate.
//! Pages are never cached (`security::security_headers`).

use app::rpc::AppState;
use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
    Router,
};
use tower_http::services::ServeDir;

/// `Cache-Control` of a file under `/pkg` whose name carries its content's hash.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of the other static files: cached, but checked with the server first.
pub const REVALIDATE: &str = "no-cache";

/// The static files, falling back to the app's "not found" page.
pub fn service(state: &AppState) -> Router<AppState> {
    let not_found = leptos_axum::file_and_error_handler::<AppState, _>(app::ui::shell);
    let files = ServeDir::new(&*state.leptos_options.site_root)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
        .fallback(axum::handler::Handler::with_state(not_found, state.clone()));
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn_with_state(state.clone(), caching))
}

/// Cache headers for what [`service`] found.
async fn caching(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let pkg = req
        .uri()
        .path()
        .starts_with(&format!("/{}/", state.leptos_options.site_pkg_dir));
    let mut res = next.run(req).await;
    let is_file = res.status().is_success() || res.status() == axum::http::StatusCode::NOT_MODIFIED;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_file && !html {
        let policy = if pkg && state.leptos_options.hash_files {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    res
}

/// The stylesheet's address, for pages rendered outside the app (the API's documentation page): hashed in release
/// builds, as the app's own pages link it.
pub fn stylesheet_href() -> &'static str {
    static HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HREF.get_or_init(|| {
        let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
        let (pkg, name) = (
            env("LEPTOS_SITE_PKG_DIR", "pkg"),
            env("LEPTOS_OUTPUT_NAME", "jobdelegate"),
        );
        let hash = (env("LEPTOS_HASH_FILES", "false") == "true")
            .then(|| {
                let file = std::env::current_exe()
                    .ok()?
                    .parent()?
                    .join(env("LEPTOS_HASH_FILE_NAME", "hash.txt"));
                std::fs::read_to_string(file)
                    .ok()?
                    .lines()
                    .find_map(|l| l.strip_prefix("css:").map(|h| format!(".{}", h.trim())))
            })
            .flatten()
            .unwrap_or_default();
        format!("/{pkg}/{name}{hash}.css")
    })
}
