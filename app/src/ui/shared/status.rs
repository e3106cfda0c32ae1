//! The parts every screen shares: the role gate of a dashboard, the loading line, the error alert, the pager, and
//! the rule that a screen's data is fetched only for a user of the right role.

use std::future::Future;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::{
    api::{AppError, CurrentUser, Role},
    ui::{use_auth, Page},
};

/// The signed-in user, as every screen reads it.
pub type UserResource = Resource<Result<Option<CurrentUser>, AppError>>;

/// Fetch a screen's data only for a signed-in user whose role passes `allowed`; `None` for anyone else (they are
/// being sent elsewhere). Awaits the user resource, so server rendering waits for it.
pub async fn for_role<T>(
    user: UserResource,
    allowed: fn(Role) -> bool,
    fetch: impl Future<Output = Result<T, AppError>>,
) -> Result<Option<T>, AppError> {
    match user.await {
        Ok(Some(u)) if allowed(u.role) => fetch.await.map(Some),
        _ => Ok(None),
    }
}

/// What a screen shows while its data loads.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="muted">"Loading…"</p> }
}

/// A failed load, as one sentence.
#[component]
pub fn ErrorAlert(error: AppError) -> impl IntoView {
    view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }
}

/// Previous and next links under a paged list, with an optional summary ("12 jobs · page 1 of 2").
#[component]
pub fn Pager(
    prev: Option<String>,
    next: Option<String>,
    #[prop(optional)] summary: Option<String>,
) -> impl IntoView {
    view! {
        <nav class="pager" aria-label="Pages">
            {summary.map(|s| view! { <span class="muted">{s}</span> })}
            {prev.map(|href| view! { <a href=href>"← Previous"</a> })}
            {next.map(|href| view! { <a href=href>"Next →"</a> })}
        </nav>
    }
}

/// The links of page `current` of `pages`, made by `link`.
pub fn neighbours(
    current: u64,
    pages: u64,
    link: impl Fn(u64) -> String,
) -> (Option<String>, Option<String>) {
    (
        (current > 1).then(|| link(current - 1)),
        (current < pages).then(|| link(current + 1)),
    )
}

/// A role's dashboard: `head` (greeting, section tabs, notices) and then the section (`children`) for a signed-in
/// user whose role passes `allowed`; anyone else is sent to the login page or to their own dashboard, with nothing
/// of the section in the page that sends them.
///
/// The section's data is created by its route component, outside this Suspense: a resource created inside a
/// Suspense's closure would be created again on every pass of server rendering. It fetches through [`for_role`], so
/// nothing is fetched for someone being sent away.
#[component]
pub fn RoleGate(
    allowed: fn(Role) -> bool,
    head: fn(CurrentUser) -> AnyView,
    children: ChildrenFn,
) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) if user.mfa_setup_required => view! { <Redirect path="/setup-mfa" /> }.into_any(),
                        Ok(Some(user)) if allowed(user.role) => view! { {head(user)} {children()} }.into_any(),
                        Ok(Some(user)) => view! { <Redirect path=user.role.home() /> }.into_any(),
                        _ => view! { <Redirect path="/login" /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The frame of every dashboard screen: the page with its header, then the role's `head` and the screen's section
/// behind the [`RoleGate`]. Each screen is a route of its own and creates its data before the frame.
#[component]
pub fn Dashboard(
    title: &'static str,
    allowed: fn(Role) -> bool,
    head: fn(CurrentUser) -> AnyView,
    children: ChildrenFn,
) -> impl IntoView {
    view! {
        <Title text=title />
        <Page>
            <div class="dashboard">
                <RoleGate allowed head children />
            </div>
        </Page>
    }
}
