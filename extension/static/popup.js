// Glue: load the wasm and hand over to Rust.
import init, { popup_main } from './pkg/extension.js';
init({ module_or_path: './pkg/extension_bg.wasm' }).then(popup_main);
