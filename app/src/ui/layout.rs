//! The header (who is signed in, navigation, logout) and the not-found page.

use leptos::prelude::*;
use leptos_router::components::A;

use super::{use_auth, PRODUCT_NAME};
use crate::api::{CurrentUser, Role};

#[component]
pub fn Header() -> impl IntoView {
    let auth = use_auth();
    view! {
        <header class="topbar">
            <a class="brand" href="/">{PRODUCT_NAME}</a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) => view! { <UserMenu user /> }.into_any(),
                        _ => view! {
                            <nav class="topbar-links">
                                <A href="/login">"Sign in"</A>
                                <A href="/signup">"Sign up"</A>
                            </nav>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </header>
    }
}

#[component]
fn UserMenu(user: CurrentUser) -> impl IntoView {
    let auth = use_auth();
    view! {
        <div class="user-menu">
            <span class="who" data-testid="current-user">
                <span class="who-name">{user.display_name()}</span>
                <span class="role-badge">{user.role.label()}</span>
            </span>
            <ActionForm action=auth.logout attr:class="inline-form">
                <button type="submit" class="btn btn-ghost" data-testid="logout">"Log out"</button>
            </ActionForm>
        </div>
    }
}

/// The sections of a role's dashboard, as (path, label).
pub fn sections(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Client => &[
            ("/client", "Overview"),
            ("/client/jobs", "Jobs"),
            ("/client/resumes", "Resumes"),
            ("/client/profile", "Profile"),
        ],
        Role::Employee => &[
            ("/employee", "Queue"),
            ("/employee/history", "History"),
            ("/employee/stats", "My stats"),
        ],
        Role::Admin | Role::SuperAdmin => &[
            ("/admin", "Overview"),
            ("/admin/users", "Users"),
            ("/admin/clients", "Clients"),
            ("/admin/assignments", "Assignments"),
            ("/admin/jobs", "Jobs"),
            ("/admin/activity", "Activity"),
        ],
    }
}

/// The section tabs of a dashboard; scrolls sideways on a phone.
#[component]
pub fn SectionNav(role: Role) -> impl IntoView {
    view! {
        <nav class="section-nav" aria-label="Sections">
            {sections(role)
                .iter()
                .map(|(href, label)| view! { <A href=*href exact=true>{*label}</A> })
                .collect_view()}
        </nav>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="card narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p><a href="/">"Go to your dashboard"</a></p>
        </section>
    }
}
