//! Live refresh: while someone is signed in, the page listens to `/events` (Server-Sent Events) and bumps a counter
//! on every "refresh"; resources that include the counter in their source refetch.

use leptos::prelude::*;

use crate::api::{AppError, CurrentUser};

#[derive(Clone, Copy)]
pub struct Live(pub RwSignal<u32>);

impl Live {
    pub fn provide(user: Resource<Result<Option<CurrentUser>, AppError>>) -> Live {
        let tick = RwSignal::new(0u32);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::{closure::Closure, JsCast};
            let source = StoredValue::new_local(None::<web_sys::EventSource>);
            Effect::new(move |_| {
                let signed_in = matches!(user.get(), Some(Ok(Some(u))) if !u.mfa_setup_required);
                source.update_value(|s| match (signed_in, s.is_some()) {
                    (true, false) => {
                        if let Ok(es) = web_sys::EventSource::new("/events") {
                            let on_refresh = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                                move |_: web_sys::MessageEvent| tick.update(|n| *n += 1),
                            );
                            let _ = es.add_event_listener_with_callback(
                                "refresh",
                                on_refresh.as_ref().unchecked_ref(),
                            );
                            on_refresh.forget();
                            *s = Some(es);
                        }
                    }
                    (false, true) => {
                        if let Some(es) = s.take() {
                            es.close();
                        }
                    }
                    _ => {}
                });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = user;
        let live = Live(tick);
        provide_context(live);
        live
    }
}

/// The refresh counter (a fresh one where no `Live` is provided).
pub fn use_live() -> RwSignal<u32> {
    use_context::<Live>()
        .map(|l| l.0)
        .unwrap_or_else(|| RwSignal::new(0))
}
