// Glue: a service worker must register its listeners synchronously; they wait for the wasm, then call Rust.
import init, { background_alarm } from './pkg/extension.js';

const ready = init({ module_or_path: chrome.runtime.getURL('pkg/extension_bg.wasm') });

// The page's button asks for the extension's own window on its tab: the job is shown there, editable, and sent only
// when the user confirms. Nothing is delegated from the page itself.
chrome.runtime.onMessage.addListener((message, sender, reply) => {
  if (!message || message.type !== 'confirm' || !sender.tab || sender.id !== chrome.runtime.id) return false;
  chrome.windows
    .create({ url: chrome.runtime.getURL(`popup.html?tab=${sender.tab.id}`), type: 'popup', width: 420, height: 700 })
    .then(() => reply({ status: 'opened' }), (e) => reply({ status: 'error', message: String(e) }));
  return true; // the reply comes later
});
chrome.alarms.onAlarm.addListener((alarm) => { ready.then(() => background_alarm(alarm.name)); });
chrome.runtime.onInstalled.addListener(() => { chrome.alarms.create('flush-outbox', { periodInMinutes: 1 }); });
chrome.runtime.onStartup.addListener(() => { ready.then(() => background_alarm('startup')); });
