//! The admin's activity log: who did what and when, filtered in the URL, paginated, newest first.

use crate::ui::shared::status::{for_role, neighbours, Loading, Pager};
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

use crate::ui::shared::components::{clock, day, urlencode};
use crate::{
    api::{
        activity::{ActivityEntry, ActivityQuery},
        AppError, CurrentUser, Page, Role,
    },
    rpc::activity::list_activity,
};

/// The filters (from the URL) and the page of entries. Created by its section, outside any Suspense (see
/// `admin_clients::ClientsData`).
#[derive(Clone, Copy)]
pub struct ActivityData {
    pub query: Memo<ActivityQuery>,
    pub list: Resource<Result<Option<Page<ActivityEntry>>, AppError>>,
}

fn query_from_url() -> Memo<ActivityQuery> {
    let q = use_query_map();
    Memo::new(move |_| {
        let q = q.read();
        let text = |k: &str| {
            q.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        ActivityQuery {
            user: text("user"),
            action: text("action"),
            entity_type: text("entity_type"),
            entity_id: text("entity_id").and_then(|v| v.parse().ok()),
            from: text("from"),
            to: text("to"),
            page: text("page").and_then(|v| v.parse().ok()),
            per_page: None,
        }
    })
}

/// The log's address for these filters on `page` (none: the first).
fn page_link(q: &ActivityQuery, page: Option<u64>) -> String {
    let mut parts = Vec::new();
    for (key, value) in [
        ("user", &q.user),
        ("action", &q.action),
        ("entity_type", &q.entity_type),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if let Some(v) = value {
            parts.push(format!("{key}={}", urlencode(v)));
        }
    }
    if let Some(id) = q.entity_id {
        parts.push(format!("entity_id={id}"));
    }
    if let Some(p) = page {
        parts.push(format!("page={p}"));
    }
    if parts.is_empty() {
        "/admin/activity".into()
    } else {
        format!("/admin/activity?{}", parts.join("&"))
    }
}

impl ActivityData {
    /// Loads only on the activity section and only for an admin; reloads when the filters change.
    pub fn new(user: Resource<Result<Option<CurrentUser>, AppError>>) -> ActivityData {
        let query = query_from_url();
        let list = Resource::new(
            move || query.get(),
            move |query| async move { for_role(user, Role::is_admin, list_activity(query)).await },
        );
        ActivityData { query, list }
    }
}

#[component]
pub fn ActivitySection(data: ActivityData) -> impl IntoView {
    let ActivityData { query, list } = data;
    view! {
        <section class="card" data-testid="activity-section">
            <h2>"Activity"</h2>
            <p class="muted">"Everything people (and the system) did, newest first. Times are UTC."</p>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    let list = list.await;
                    let q = query.get_untracked();
                    match list {
                        Ok(None) => ().into_any(),
                        Ok(Some(page)) => view! {
                            <Filters q=q.clone() error=None />
                            <Entries page q />
                        }
                        .into_any(),
                        Err(e) => {
                            let general = e.to_string();
                            view! {
                                <Filters q error=Some(e) />
                                <p class="alert alert-error" role="alert">{general}</p>
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// One filter input with its error line (the server names the field it rejects).
#[component]
fn FilterInput(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] placeholder: Option<&'static str>,
    value: Option<String>,
    error: Option<String>,
) -> impl IntoView {
    let id = format!("af-{name}");
    let err_id = format!("{id}-error");
    let invalid = error.is_some();
    view! {
        <div class="field" class:has-error=invalid>
            <label for=id.clone()>{label}</label>
            <input id=id name=name type=kind maxlength=(kind != "date").then_some("200") placeholder=placeholder
                value=value.unwrap_or_default()
                aria-invalid=if invalid { "true" } else { "false" }
                aria-describedby=err_id.clone() />
            <p class="field-error" id=err_id data-field=name role="alert">{error}</p>
        </div>
    }
}

/// The filter form; a GET to this page, so the filters live in the URL.
#[component]
fn Filters(q: ActivityQuery, error: Option<AppError>) -> impl IntoView {
    let err = move |field: &str| error.as_ref().and_then(|e| e.field_message(field));
    let entity = q.entity_id.map(|id| {
        let all = page_link(
            &ActivityQuery {
                entity_id: None,
                page: None,
                ..q.clone()
            },
            None,
        );
        view! {
            <input type="hidden" name="entity_id" value=id.to_string() />
            <p class="small filter-note" data-testid="entity-filter">
                {format!("Only entity {id}. ")}
                <a href=all>"Show all"</a>
            </p>
        }
    });
    view! {
        <Form method="GET" action="/admin/activity" attr:class="filters" attr:data-testid="activity-filters">
            <FilterInput label="User" name="user" kind="search" placeholder="Email contains…" value=q.user.clone() error=err("user") />
            <FilterInput label="Action" name="action" placeholder="e.g. job.delegate" value=q.action.clone() error=err("action") />
            <FilterInput label="Entity type" name="entity_type" placeholder="e.g. job" value=q.entity_type.clone() error=err("entity_type") />
            <FilterInput label="From" name="from" kind="date" value=q.from.clone() error=err("from") />
            <FilterInput label="To" name="to" kind="date" value=q.to.clone() error=err("to") />
            {entity}
            <div class="filter-actions">
                <button type="submit" class="btn btn-ghost">"Filter"</button>
                <a href="/admin/activity" class="reset-link">"Clear"</a>
            </div>
        </Form>
    }
}

#[component]
fn Entries(page: Page<ActivityEntry>, q: ActivityQuery) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="muted" data-testid="activity-empty">"No activity matches these filters."</p> }
            .into_any();
    }
    let pages = page.total.div_ceil(page.per_page.max(1)).max(1);
    let current = page.page;
    let noun = if page.total == 1 { "entry" } else { "entries" };
    let (prev, next) = neighbours(current, pages, |n| page_link(&q, Some(n)));
    view! {
        <p class="muted small" data-testid="activity-total">
            {format!("{} {noun} · page {current} of {pages}", page.total)}
        </p>
        <div class="table-wrap">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Time (UTC)"</th>
                        <th scope="col">"Actor"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Entity"</th>
                        <th scope="col">"IP"</th>
                        <th scope="col">"Data"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.items.into_iter().map(|e| view! { <EntryRow entry=e /> }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager prev next />
    }
    .into_any()
}

#[component]
fn EntryRow(entry: ActivityEntry) -> impl IntoView {
    let ActivityEntry {
        at,
        actor_email,
        action,
        entity_type,
        entity_id,
        data,
        ip,
        user_agent,
        ..
    } = entry;
    let entity = entity_id.map(|id| {
        let full = id.to_string();
        // UUIDv7 starts with the time; the random end tells entries apart.
        let short = full
            .get(full.len().saturating_sub(8)..)
            .unwrap_or_default()
            .to_string();
        let href = page_link(
            &ActivityQuery {
                entity_type: Some(entity_type.clone()),
                entity_id: Some(id),
                ..Default::default()
            },
            None,
        );
        view! { " " <a href=href title=full class="mono">{short}</a> }
    });
    let action_attr = action.clone();
    // Pretty-printed when it parses; nothing to show for an empty object.
    let data = match serde_json::from_str::<serde_json::Value>(&data) {
        Ok(serde_json::Value::Null) => None,
        Ok(serde_json::Value::Object(m)) if m.is_empty() => None,
        Ok(v) => Some(serde_json::to_string_pretty(&v).unwrap_or(data)),
        Err(_) if data.trim().is_empty() => None,
        Err(_) => Some(data),
    };
    view! {
        <tr data-testid="activity-row" data-action=action_attr>
            <td data-label="Time (UTC)" class="nowrap">
                <time datetime=at.to_rfc3339()>{format!("{} {}", day(at), clock(at, true))}</time>
            </td>
            <td data-label="Actor" class="wrap-any" data-testid="activity-actor">
                {actor_email.unwrap_or_else(|| "System".into())}
            </td>
            <td data-label="Action"><code>{action}</code></td>
            <td data-label="Entity">{entity_type}{entity}</td>
            <td data-label="IP" class="mono" title=user_agent>{ip.unwrap_or_else(|| "—".into())}</td>
            <td data-label="Data">
                {match data {
                    Some(json) => view! {
                        <details class="data-details">
                            <summary>"Show"</summary>
                            <pre class="data-json">{json}</pre>
                        </details>
                    }
                    .into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}
            </td>
        </tr>
    }
}
