// Glue: load the wasm and hand over to Rust.
import init, { options_main } from './pkg/extension.js';
init({ module_or_path: './pkg/extension_bg.wasm' }).then(options_main);
