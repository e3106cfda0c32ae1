//! Preload hints for a lazily loaded group's wasm chunks, written into the page's head by the server while it
//! renders the page (server only).
//!
//! leptos 0.8 writes these hints itself, but only by chance. Its `from_app` looks the split manifest up after the
//! render, outside any owner, so it finds the manifest only when the thread that finished the render still has one of
//! the app's owners current. About half the pages went out without the hints, and a phone then asked for the screen's
//! chunks only once the main module had arrived: 0.7 s later on the emulated phone of `end2end/perf/phone.mjs`.
//!
//! Here the hints are written from inside the render, for the group just loaded. The group is also taken out of
//! leptos's own list, so that no page carries its hints twice.

use std::{collections::HashMap, path::PathBuf, sync::OnceLock};

use leptos::{config::LeptosOptions, nonce::use_nonce, prelude::*};
use leptos_meta::Link;

/// The split build's manifest: the pkg path, each lazy function's files, and the name of the split loader's script.
struct Manifest {
    pkg: String,
    groups: HashMap<String, Vec<String>>,
    loader: String,
}

static MANIFEST: OnceLock<Option<Manifest>> = OnceLock::new();

/// Read the split manifest the first time a page is rendered (the shell has the site's options on every page).
pub fn remember(options: &LeptosOptions) {
    MANIFEST.get_or_init(|| load(options));
}

fn load(options: &LeptosOptions) -> Option<Manifest> {
    let mut manifest_file = "__wasm_split_manifest.json".to_string();
    let mut loader = "__wasm_split.______________________.js".to_string();
    if options.hash_files {
        let hashes = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
            .and_then(|path| std::fs::read_to_string(path).ok())?;
        for (file, hash) in hashes.lines().filter_map(|l| l.trim().split_once(':')) {
            match file {
                "manifest" => manifest_file = format!("__wasm_split_manifest.{}.json", hash.trim()),
                "split" => loader = format!("__wasm_split.{}.js", hash.trim()),
                _ => {}
            }
        }
    }
    let path = PathBuf::from(options.site_root.as_ref())
        .join(options.site_pkg_dir.as_ref())
        .join(manifest_file);
    let groups = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    Some(Manifest {
        pkg: format!("/{}", options.site_pkg_dir),
        groups,
        loader,
    })
}

/// Write the preload hints of the lazy function `name` (its name without the hash the macro adds), and of the split
/// loader's script, into the head of the page being rendered.
pub fn chunks(name: &str) {
    let Some(m) = MANIFEST.get().and_then(Option::as_ref) else {
        return;
    };
    let Some((key, files)) = m.groups.iter().find(|(key, _)| {
        key.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|hash| !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_digit()))
    }) else {
        return;
    };
    if let Some(listed) = use_context::<leptos::PrefetchLazyFn>() {
        if let Some(mut set) = listed.0.try_write_value() {
            set.retain(|listed| *listed != key.as_str());
        }
    }
    let nonce = use_nonce().map(|n| n.to_string()).unwrap_or_default();
    for file in files {
        let _ = view! {
            <Link
                rel="preload"
                href=format!("{}/{file}.wasm", m.pkg)
                as_="fetch"
                type_="application/wasm"
                crossorigin=nonce.clone()
            />
        }
        .to_html();
    }
    let _ = view! { <Link rel="modulepreload" href=format!("{}/{}", m.pkg, m.loader) crossorigin=nonce /> }.to_html();
}
