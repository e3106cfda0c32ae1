//! What goes over the wire: static files as their precompressed copies, pages and JSON compressed on the fly, each
//! decoding to exactly the bytes asked for; hashed assets cached for a year, pages never.

use std::io::{Read, Write};

use reqwest::header;

use crate::{both, helpers::*};

both!(
    static_files_are_served_precompressed_and_cached_by_their_hash,
    pages_and_json_are_compressed_and_decode_to_the_same_bytes,
);

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
    w.write_all(data).unwrap();
    drop(w);
    out
}

fn unbrotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(data, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// A site root as `cargo leptos build --release --precompress` leaves it: a hashed wasm with its `.br` and `.gz`
/// beside it, and an unhashed icon.
fn site(wasm: &[u8]) -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("jd-site-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    let name = root.join("pkg/jobdelegate.Q2hlY2tUaGVIYXNo.wasm");
    std::fs::write(&name, wasm).unwrap();
    std::fs::write(name.with_extension("wasm.br"), brotli(wasm)).unwrap();
    std::fs::write(name.with_extension("wasm.gz"), gzip(wasm)).unwrap();
    std::fs::write(
        root.join("favicon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    root
}

async fn static_files_are_served_precompressed_and_cached_by_their_hash(b: Backend) {
    // Compressible, like code: repeated words with some variety.
    let wasm: Vec<u8> = (0..40_000u32)
        .flat_map(|i| format!("fn{} ", i % 97).into_bytes())
        .collect();
    let root = site(&wasm);
    let app = TestApp::spawn_with(b, |s| {
        s.leptos_options.site_root = root.to_string_lossy().to_string().into();
        s.leptos_options.hash_files = true;
    })
    .await;
    let http = app.client();
    let url = format!("{}/pkg/jobdelegate.Q2hlY2tUaGVIYXNo.wasm", app.base);
    for (accept, encoding) in [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("gzip, br", Some("br")),
        ("identity", None),
    ] {
        let res = http
            .get(&url)
            .header(header::ACCEPT_ENCODING, accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{accept}");
        let h = res.headers().clone();
        assert_eq!(
            h.get(header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok()),
            encoding,
            "Accept-Encoding: {accept}"
        );
        assert_eq!(
            h.get(header::CACHE_CONTROL).unwrap(),
            "public, max-age=31536000, immutable",
            "a hashed asset is cached for a year"
        );
        assert_eq!(h.get(header::CONTENT_TYPE).unwrap(), "application/wasm");
        let body = res.bytes().await.unwrap().to_vec();
        let decoded = match encoding {
            Some("br") => {
                assert!(body.len() * 4 < wasm.len(), "the brotli copy is sent");
                unbrotli(&body)
            }
            Some(_) => gunzip(&body),
            None => body,
        };
        assert!(decoded == wasm, "{accept}: decodes to the file's own bytes");
    }
    // Not hashed: cached, but checked with the server each time.
    let icon = http
        .get(format!("{}/favicon.svg", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(
        icon.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-cache"
    );
    // No such file: the app's own "not found" page, never cached.
    let missing = http
        .get(format!("{}/pkg/nothing.Zm9v.wasm", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
    let _ = std::fs::remove_dir_all(&root);
}

async fn pages_and_json_are_compressed_and_decode_to_the_same_bytes(b: Backend) {
    let app = TestApp::spawn(b).await;
    let http = app.client();
    // JSON: the same document three ways.
    let url = format!("{}/api/v1/openapi.json", app.base);
    let get = |accept: &'static str| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let res = http
                .get(&url)
                .header(header::ACCEPT_ENCODING, accept)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let enc = res
                .headers()
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap().to_string());
            (enc, res.bytes().await.unwrap().to_vec())
        }
    };
    let (plain_enc, plain) = get("identity").await;
    assert_eq!(plain_enc, None);
    let (br_enc, br) = get("br").await;
    assert_eq!(br_enc.as_deref(), Some("br"));
    assert!(
        br.len() < plain.len() / 3,
        "{} of {} bytes",
        br.len(),
        plain.len()
    );
    assert!(unbrotli(&br) == plain, "brotli decodes to the same JSON");
    let (gz_enc, gz) = get("gzip").await;
    assert_eq!(gz_enc.as_deref(), Some("gzip"));
    assert!(gunzip(&gz) == plain, "gzip decodes to the same JSON");

    // A page: compressed, and never cached.
    let res = http
        .get(format!("{}/login", app.base))
        .header(header::ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get(header::CONTENT_ENCODING).unwrap(), "br");
    assert_eq!(
        res.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
    let html = String::from_utf8(unbrotli(&res.bytes().await.unwrap())).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{}",
        &html[..80.min(html.len())]
    );
    assert!(
        html.contains("Sign in") || html.contains("Log in"),
        "the login page"
    );
}
