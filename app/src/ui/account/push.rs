//! Browser push on the settings page: turn it on or off for this browser. Turning it on asks the browser's
//! permission, registers the service worker (`/sw.js`, which shows the pushes), subscribes with the server's key and
//! hands the subscription to the server.

use leptos::prelude::*;

use crate::{
    api::{push::PushStatus, AppError},
    rpc::push::get_push_status,
    ui::{
        shared::status::{for_role, ErrorAlert, Loading},
        use_auth,
    },
};

/// The section's data, made by the route component (outside the role gate's Suspense).
#[derive(Clone, Copy)]
pub struct PushData {
    status: Resource<Result<Option<PushStatus>, AppError>>,
    changed: RwSignal<u32>,
}

impl PushData {
    pub fn new() -> PushData {
        let auth = use_auth();
        let changed = RwSignal::new(0u32);
        let status = Resource::new(
            move || changed.get(),
            move |_| async move { for_role(auth.user, |_| true, get_push_status()).await },
        );
        PushData { status, changed }
    }
}

#[component]
pub fn PushDevice(data: PushData) -> impl IntoView {
    let PushData { status, changed } = data;
    let message = RwSignal::new(None::<String>);
    let turn = move |on: bool, key: String| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            message.set(Some(
                if on {
                    "Turning on…"
                } else {
                    "Turning off…"
                }
                .into(),
            ));
            let result = if on {
                browser::subscribe(&key).await
            } else {
                browser::unsubscribe().await
            };
            message.set(Some(match result {
                Ok(text) => text,
                Err(e) => e,
            }));
            changed.update(|n| *n += 1);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (on, key, message, changed);
    };
    view! {
        <div class="push-device" data-testid="push-device">
            <h3>"Push in this browser"</h3>
            <p class="muted">"Pushes reach this browser even when the site is closed. Turn them on in each browser you want them in."</p>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(None) => ().into_any(),
                        Ok(Some(s)) => {
                            let on_key = s.public_key.clone();
                            let off_key = s.public_key;
                            view! {
                                <p data-testid="push-devices">{match s.devices {
                                    0 => "No browser of yours receives pushes.".to_string(),
                                    1 => "1 browser of yours receives pushes.".to_string(),
                                    n => format!("{n} browsers of yours receive pushes."),
                                }}</p>
                                <div class="row">
                                    <button type="button" class="btn" data-testid="push-on"
                                        on:click=move |_| turn(true, on_key.clone())>"Turn on push in this browser"</button>
                                    <button type="button" class="btn btn-ghost" data-testid="push-off"
                                        on:click=move |_| turn(false, off_key.clone())>"Turn off"</button>
                                </div>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
            <p role="status" data-testid="push-message">{move || message.get()}</p>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        PushEncryptionKeyName, PushManager, PushSubscription, PushSubscriptionOptionsInit,
        ServiceWorkerRegistration,
    };

    use crate::rpc::push::{push_subscribe, push_unsubscribe};

    fn js(e: JsValue) -> String {
        e.as_string()
            .or_else(|| {
                e.dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
            })
            .unwrap_or_else(|| "the browser refused".into())
    }

    async fn await_js(p: js_sys::Promise) -> Result<JsValue, String> {
        JsFuture::from(p).await.map_err(js)
    }

    async fn manager() -> Result<PushManager, String> {
        let window = web_sys::window().ok_or("no window")?;
        let container = window.navigator().service_worker();
        await_js(container.register("/sw.js")).await?;
        let ready: ServiceWorkerRegistration = await_js(container.ready().map_err(js)?)
            .await?
            .dyn_into()
            .map_err(js)?;
        ready.push_manager().map_err(js)
    }

    fn key_of(sub: &PushSubscription, name: PushEncryptionKeyName) -> Result<String, String> {
        let buf = sub
            .get_key(name)
            .map_err(js)?
            .ok_or("the subscription has no key")?;
        use base64::Engine as _;
        Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(js_sys::Uint8Array::new(&buf).to_vec()))
    }

    /// Ask permission, subscribe with the server's key, and hand the subscription to the server.
    pub async fn subscribe(public_key: &str) -> Result<String, String> {
        let permission = await_js(web_sys::Notification::request_permission().map_err(js)?).await?;
        if permission.as_string().as_deref() != Some("granted") {
            return Err("This browser blocks notifications from this site: allow them in its site settings, then try again.".into());
        }
        let key = crate::api::push::base64url(public_key).ok_or("the server's key is not valid")?;
        let options = PushSubscriptionOptionsInit::new();
        options.set_user_visible_only(true);
        options.set_application_server_key(&js_sys::Uint8Array::from(&key[..]).into());
        let sub: PushSubscription = await_js(
            manager()
                .await?
                .subscribe_with_options(&options)
                .map_err(js)?,
        )
        .await?
        .dyn_into()
        .map_err(js)?;
        let devices = push_subscribe(
            sub.endpoint(),
            key_of(&sub, PushEncryptionKeyName::P256dh)?,
            key_of(&sub, PushEncryptionKeyName::Auth)?,
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(format!("Push is on in this browser ({devices} in all)."))
    }

    /// Unsubscribe this browser, here and on the server.
    pub async fn unsubscribe() -> Result<String, String> {
        let current = await_js(manager().await?.get_subscription().map_err(js)?).await?;
        let Some(sub) = current.dyn_ref::<PushSubscription>() else {
            return Ok("Push was not on in this browser.".into());
        };
        let endpoint = sub.endpoint();
        await_js(sub.unsubscribe().map_err(js)?).await?;
        push_unsubscribe(endpoint)
            .await
            .map_err(|e| e.to_string())?;
        Ok("Push is off in this browser.".into())
    }
}
