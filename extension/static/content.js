// Glue: content scripts cannot be modules. On every page, load the small content module (`pkg/page*`: the page's
// job, its text for a proof, the Delegate button) when the page is idle. The full module (`pkg/extension*`, form
// filling) is loaded only when the popup asks this page to fill its form, and then kept for the form's later steps.
(() => {
  const load = async (name) => {
    const m = await import(chrome.runtime.getURL(`pkg/${name}.js`));
    await m.default({ module_or_path: chrome.runtime.getURL(`pkg/${name}_bg.wasm`) });
    return m;
  };
  let full = null;
  chrome.runtime.onMessage.addListener((msg, _sender, reply) => {
    const type = msg && msg.type;
    if (type === 'fill') {
      full = full || load('extension');
      full
        .then((m) => m.fill_start(msg.request))
        .then(reply, (e) => {
          console.warn('JobDelegate:', e);
          reply(null);
        });
      return true; // answered when the first round is done
    }
    if (type === 'fill_report') {
      if (!full) {
        reply(null); // nothing was filled on this page
        return false;
      }
      full.then((m) => reply(m.fill_report()), () => reply(null));
      return true;
    }
    return false; // the small module answers the rest
  });
  const start = async () => (await load('page')).content_main();
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 200));
  idle(() => { start().catch((e) => console.warn('JobDelegate:', e)); }, { timeout: 2000 });
})();
