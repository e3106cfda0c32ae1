//! The admins' integrations screen: API keys for other tools (made, shown once, revoked) and webhooks (registered
//! with their events, the secret shown once; turned on and off; their deliveries with every try, sent again).

use leptos::prelude::*;
use uuid::Uuid;

use crate::ui::shared::components::{field_error, form_error, Field, FormAlert};
use crate::ui::shared::status::{for_role, ErrorAlert, Loading};
use crate::{
    api::{
        integrations::{ApiKeyView, DeliveryView, WebhookView, WEBHOOK_EVENTS},
        AppError, CurrentUser, Role,
    },
    rpc::integrations::{
        list_api_keys, list_webhooks, webhook_deliveries, CreateApiKey, CreateWebhook,
        DeleteWebhook, RedeliverWebhook, RevokeApiKey, SetWebhookEnabled,
    },
};

/// Created by its section, outside any Suspense (see `admin_clients::ClientsData`).
#[derive(Clone, Copy)]
pub struct IntegrationsData {
    pub keys: Resource<Result<Option<Vec<ApiKeyView>>, AppError>>,
    pub create_key: ServerAction<CreateApiKey>,
    pub revoke_key: ServerAction<RevokeApiKey>,
    pub hooks: Resource<Result<Option<Vec<WebhookView>>, AppError>>,
    pub create_hook: ServerAction<CreateWebhook>,
    pub toggle_hook: ServerAction<SetWebhookEnabled>,
    pub delete_hook: ServerAction<DeleteWebhook>,
    pub redeliver: ServerAction<RedeliverWebhook>,
}

impl IntegrationsData {
    pub fn new(user: Resource<Result<Option<CurrentUser>, AppError>>) -> IntegrationsData {
        let create_key = ServerAction::<CreateApiKey>::new();
        let revoke_key = ServerAction::<RevokeApiKey>::new();
        let create_hook = ServerAction::<CreateWebhook>::new();
        let toggle_hook = ServerAction::<SetWebhookEnabled>::new();
        let delete_hook = ServerAction::<DeleteWebhook>::new();
        let redeliver = ServerAction::<RedeliverWebhook>::new();
        let keys = Resource::new(
            move || (create_key.version().get(), revoke_key.version().get()),
            move |_| async move { for_role(user, Role::is_admin, list_api_keys()).await },
        );
        let hooks = Resource::new(
            move || {
                (
                    create_hook.version().get(),
                    toggle_hook.version().get(),
                    delete_hook.version().get(),
                    redeliver.version().get(),
                )
            },
            move |_| async move { for_role(user, Role::is_admin, list_webhooks()).await },
        );
        IntegrationsData {
            keys,
            create_key,
            revoke_key,
            hooks,
            create_hook,
            toggle_hook,
            delete_hook,
            redeliver,
        }
    }
}

#[component]
pub fn KeysSection(data: IntegrationsData) -> impl IntoView {
    let IntegrationsData {
        keys,
        create_key,
        revoke_key,
        ..
    } = data;
    let made = create_key.value();
    view! {
        <section class="card" data-testid="api-keys">
            <h2>"API keys"</h2>
            <p class="muted">"A key lets another tool (a CRM, a spreadsheet, a script) use the REST API at /api/v1 as you: send it as "<code>"Authorization: Bearer jdk_…"</code>". A read-only key may only read. See "<a href="/api/v1/docs">"the API reference"</a>"."</p>
            <ActionForm action=create_key attr:novalidate=true attr:class="stack">
                <div class="row">
                    <Field label="Name" name="name" placeholder="e.g. Billing export" error=field_error(made, "name") />
                    <div class="field">
                        <label for="f-key-scope">"Access"</label>
                        <select id="f-key-scope" name="scope">
                            <option value="read">"Read only"</option>
                            <option value="read_write">"Read and write"</option>
                        </select>
                    </div>
                </div>
                <FormAlert error=form_error(made) />
                {move || made.get().and_then(Result::ok).map(|k| view! {
                    <div class="alert alert-ok" role="status">
                        <p>{format!("Key “{}” made. Copy it now: it is not shown again.", k.view.name)}</p>
                        <p><code class="secret" data-testid="new-api-key">{k.key}</code></p>
                    </div>
                })}
                <button type="submit" class="btn btn-primary">"Make a key"</button>
            </ActionForm>
            <FormAlert error=form_error(revoke_key.value()) />
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(Some(list)) if list.is_empty() => view! { <p class="muted" data-testid="no-keys">"No API keys yet."</p> }.into_any(),
                        Ok(Some(list)) => view! {
                            <ul class="client-list">
                                {list.into_iter().map(|k| {
                                    let live = k.revoked_at.is_none();
                                    view! {
                                        <li class="client-row" data-testid="api-key-row" data-name=k.name.clone()>
                                            <div class="client-head">
                                                <strong>{k.name.clone()}</strong>
                                                <code class="muted">{format!("{}…", k.prefix)}</code>
                                                <span class="badge">{k.scope.label()}</span>
                                                <span class="badge" class:badge-ok=live data-testid="api-key-status">
                                                    {if live { "Live".to_string() } else { format!("Revoked {}", k.revoked_at.clone().unwrap_or_default()) }}
                                                </span>
                                            </div>
                                            <p class="muted small">
                                                {format!("Made by {} on {} · last used {}", k.created_by, k.created_at,
                                                    k.last_used_at.clone().unwrap_or_else(|| "never".into()))}
                                            </p>
                                            {live.then(|| view! {
                                                <ActionForm action=revoke_key attr:class="inline-form">
                                                    <input type="hidden" name="id" value=k.id.to_string() />
                                                    <button type="submit" class="btn btn-danger">"Revoke"</button>
                                                </ActionForm>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn WebhooksSection(data: IntegrationsData) -> impl IntoView {
    let IntegrationsData {
        hooks,
        create_hook,
        toggle_hook,
        delete_hook,
        redeliver,
        ..
    } = data;
    let made = create_hook.value();
    view! {
        <section class="card" data-testid="webhooks">
            <h2>"Webhooks"</h2>
            <p class="muted">"Tell another tool what happens here: each event is POSTed as JSON to the address, signed as Standard Webhooks specifies ("<code>"webhook-id"</code>", "<code>"webhook-timestamp"</code>", "<code>"webhook-signature"</code>"), and retried with growing pauses for about 16 hours. An address that keeps failing is turned off and you are told."</p>
            <ActionForm action=create_hook attr:novalidate=true attr:class="stack">
                <Field label="Address" name="url" kind="url" placeholder="https://example.com/hooks/jobdelegate" error=field_error(made, "url") />
                <Field label="Description (optional)" name="description" error=field_error(made, "description") />
                <fieldset class="field">
                    <legend>"Events"</legend>
                    {WEBHOOK_EVENTS.iter().map(|(name, what)| {
                        let id = format!("f-ev-{}", name.replace('.', "-"));
                        let label_for = id.clone();
                        view! {
                            <label class="check" for=label_for>
                                <input type="checkbox" id=id name=format!("events[{}]", name.replace('.', "_")) value="on" />
                                <code>{*name}</code>" "<span class="muted small">{*what}</span>
                            </label>
                        }
                    }).collect_view()}
                    <p class="field-error" data-field="events" role="alert">{move || field_error(made, "events").get().unwrap_or_default()}</p>
                </fieldset>
                <label class="check" for="f-allow-private">
                    <input type="checkbox" id="f-allow-private" name="allow_private" value="on" />
                    "Allow private addresses (this machine or its network); off, only public internet addresses are sent to."
                </label>
                <FormAlert error=form_error(made) />
                {move || made.get().and_then(Result::ok).map(|h| view! {
                    <div class="alert alert-ok" role="status">
                        <p>{format!("Registered {}. Its signing secret, shown this once:", h.view.url)}</p>
                        <p><code class="secret" data-testid="new-webhook-secret">{h.secret}</code></p>
                    </div>
                })}
                <button type="submit" class="btn btn-primary">"Add the webhook"</button>
            </ActionForm>
            <FormAlert error=form_error(toggle_hook.value()) />
            <FormAlert error=form_error(delete_hook.value()) />
            <FormAlert error=form_error(redeliver.value()) />
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match hooks.await {
                        Ok(Some(list)) if list.is_empty() => view! { <p class="muted" data-testid="no-webhooks">"No webhooks yet."</p> }.into_any(),
                        Ok(Some(list)) => view! {
                            <ul class="client-list">
                                {list.into_iter().map(|h| view! { <HookRow hook=h toggle_hook delete_hook redeliver /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn HookRow(
    hook: WebhookView,
    toggle_hook: ServerAction<SetWebhookEnabled>,
    delete_hook: ServerAction<DeleteWebhook>,
    redeliver: ServerAction<RedeliverWebhook>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let id = hook.id;
    view! {
        <li class="client-row" data-testid="webhook-row" data-url=hook.url.clone()>
            <div class="client-head">
                <strong>{hook.url.clone()}</strong>
                <span class="badge" class:badge-ok=hook.enabled data-testid="webhook-status">
                    {if hook.enabled { "On" } else { "Off" }}
                </span>
                {hook.allow_private.then(|| view! { <span class="badge">"Private addresses allowed"</span> })}
            </div>
            {(!hook.description.is_empty()).then(|| view! { <p>{hook.description.clone()}</p> })}
            <p class="muted small">{format!("{} · since {} · {} failed tries in a row", hook.events.join(", "), hook.created_at, hook.consecutive_failures)}</p>
            {hook.disabled_reason.clone().map(|r| view! { <p class="alert alert-error" data-testid="webhook-disabled-reason">{r}</p> })}
            <div class="actions">
                <ActionForm action=toggle_hook attr:class="inline-form">
                    <input type="hidden" name="id" value=id.to_string() />
                    <input type="hidden" name="enabled" value=(!hook.enabled).to_string() />
                    <button type="submit" class="btn">{if hook.enabled { "Turn off" } else { "Turn on" }}</button>
                </ActionForm>
                <button type="button" class="btn btn-ghost" data-testid="webhook-deliveries-toggle"
                    on:click=move |_| open.update(|o| *o = !*o)>
                    {move || if open.get() { "Hide deliveries" } else { "Deliveries" }}
                </button>
                <ActionForm action=delete_hook attr:class="inline-form">
                    <input type="hidden" name="id" value=id.to_string() />
                    <button type="submit" class="btn btn-danger">"Delete"</button>
                </ActionForm>
            </div>
            <Show when=move || open.get()>
                <Deliveries id redeliver />
            </Show>
        </li>
    }
}

#[component]
fn Deliveries(id: Uuid, redeliver: ServerAction<RedeliverWebhook>) -> impl IntoView {
    let list = Resource::new(
        move || redeliver.version().get(),
        move |_| webhook_deliveries(id),
    );
    view! {
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(ds) if ds.is_empty() => view! { <p class="muted" data-testid="no-deliveries">"Nothing sent yet."</p> }.into_any(),
                    Ok(ds) => view! {
                        <ul class="job-list" data-testid="deliveries">
                            {ds.into_iter().map(|d| view! { <DeliveryRow d redeliver /> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DeliveryRow(d: DeliveryView, redeliver: ServerAction<RedeliverWebhook>) -> impl IntoView {
    let status_class = match d.status.as_str() {
        "delivered" => "badge badge-ok",
        "failed" => "badge status-failed",
        _ => "badge",
    };
    view! {
        <li class="job-row" data-testid="delivery" data-status=d.status.clone()>
            <div class="job-head">
                <strong>{d.event_type.clone()}</strong>
                <span class=status_class>{format!("{} · {} tries", d.status, d.attempts)}</span>
            </div>
            <p class="muted small">{format!("{} · event {}", d.created_at, d.event_id)}
                {d.next_attempt_at.clone().filter(|_| d.status == "pending").map(|t| format!(" · next try {t}"))}</p>
            <details>
                <summary>"Tries and body"</summary>
                <ul class="small">
                    {d.tries.into_iter().map(|t| view! {
                        <li data-testid="delivery-try">
                            {format!("{} · {} · {} ms", t.at,
                                t.status_code.map_or_else(|| "no answer".to_string(), |s| format!("HTTP {s}")), t.duration_ms)}
                            {t.error.map(|e| view! { <span class="muted">{format!(" · {e}")}</span> })}
                            {t.response.filter(|r| !r.is_empty()).map(|r| view! { <pre class="small">{r}</pre> })}
                        </li>
                    }).collect_view()}
                </ul>
                <pre class="small">{d.payload}</pre>
            </details>
            <ActionForm action=redeliver attr:class="inline-form">
                <input type="hidden" name="id" value=d.id.to_string() />
                <button type="submit" class="btn">"Send again"</button>
            </ActionForm>
        </li>
    }
}
