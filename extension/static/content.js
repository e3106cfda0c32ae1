// Glue: content scripts cannot be modules; load the wasm when the page is idle, then hand over to Rust.
(() => {
  const start = async () => {
    const m = await import(chrome.runtime.getURL('pkg/extension.js'));
    await m.default({ module_or_path: chrome.runtime.getURL('pkg/extension_bg.wasm') });
    m.content_main();
  };
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 200));
  idle(() => { start().catch((e) => console.warn('JobDelegate:', e)); }, { timeout: 2000 });
})();
