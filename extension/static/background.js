// Glue: a service worker must register its listeners synchronously; they wait for the wasm, then call Rust.
import init, { background_message, background_alarm } from './pkg/extension.js';

const ready = init({ module_or_path: chrome.runtime.getURL('pkg/extension_bg.wasm') });

chrome.runtime.onMessage.addListener((message, _sender, reply) => {
  if (!message || message.type !== 'delegate') return false;
  ready.then(() => background_message(message)).then(reply, (e) => reply({ status: 'error', message: String(e) }));
  return true; // the reply comes later
});
chrome.alarms.onAlarm.addListener((alarm) => { ready.then(() => background_alarm(alarm.name)); });
chrome.runtime.onInstalled.addListener(() => { chrome.alarms.create('flush-outbox', { periodInMinutes: 1 }); });
chrome.runtime.onStartup.addListener(() => { ready.then(() => background_alarm('startup')); });
