//! The header (who is signed in, navigation, logout) and the not-found page.

use leptos::prelude::*;
use leptos_router::components::A;

use super::components::{when, PostForm};
use crate::ui::{use_auth, PRODUCT_NAME};
use crate::{
    api::{notifications::Notifications, AppError, CurrentUser, Role},
    rpc::{
        auth::Logout,
        notifications::{get_notifications, MarkAllRead, MarkRead},
    },
};

/// The bell's data: created with the header, outside its Transition (a resource made inside would be re-created
/// on every pass of server rendering).
#[derive(Clone, Copy)]
struct BellData {
    list: Resource<Result<Option<Notifications>, AppError>>,
    read: ServerAction<MarkRead>,
    read_all: ServerAction<MarkAllRead>,
}

#[component]
pub fn Header() -> impl IntoView {
    let auth = use_auth();
    let live = super::live::use_live();
    let read = ServerAction::<MarkRead>::new();
    let read_all = ServerAction::<MarkAllRead>::new();
    let list = Resource::new(
        move || (live.get(), read.version().get(), read_all.version().get()),
        move |_| async move {
            match auth.user.await {
                Ok(Some(u)) if !u.mfa_setup_required => get_notifications().await.map(Some),
                _ => Ok(None),
            }
        },
    );
    provide_context(BellData {
        list,
        read,
        read_all,
    });
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
            <Bell />
            <a class="who" href="/settings" title="Account settings" data-testid="current-user">
                <span class="who-name">{user.display_name()}</span>
                <span class="role-badge">{user.role.label()}</span>
            </a>
            <PostForm action=auth.logout read=|_: &_| Logout {} attr:class="inline-form">
                <button type="submit" class="btn btn-ghost" data-testid="logout">"Log out"</button>
            </PostForm>
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
            ("/admin/queue", "Queue"),
            ("/admin/integrations", "Integrations"),
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

/// The notification bell: the unread count, live, and the latest notifications with mark read / mark all read.
#[component]
fn Bell() -> impl IntoView {
    let BellData {
        list,
        read,
        read_all,
    } = expect_context::<BellData>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let Ok(Some(n)) = list.await else { return ().into_any() };
                let unread = n.unread;
                view! {
                    <details class="bell" data-testid="bell">
                        <summary aria-label=format!("Notifications, {unread} unread")>
                            <span aria-hidden="true">"◔"</span>
                            <span class="bell-label">"Notifications"</span>
                            {(unread > 0).then(|| view! { <span class="bell-count" data-testid="unread">{unread}</span> })}
                        </summary>
                        <div class="bell-panel">
                            {if n.items.is_empty() {
                                view! { <p class="muted small">"Nothing yet."</p> }.into_any()
                            } else {
                                view! {
                                    <PostForm action=read_all read=|_: &_| MarkAllRead {} attr:class="inline-form">
                                        <button type="submit" class="btn btn-ghost small" data-testid="read-all">"Mark all read"</button>
                                    </PostForm>
                                    <ul class="bell-list">
                                        {n.items.into_iter().map(|i| view! {
                                            <li class:unread=!i.is_read data-testid="notification">
                                                {match i.link.clone() {
                                                    Some(l) => view! { <a href=l><strong>{i.title.clone()}</strong></a> }.into_any(),
                                                    None => view! { <strong>{i.title.clone()}</strong> }.into_any(),
                                                }}
                                                <p class="small">{i.message.clone()}</p>
                                                <span class="muted small">{when(i.created_at)}</span>
                                                {(!i.is_read).then(|| {
                                                    let id = i.id;
                                                    view! {
                                                        <PostForm action=read read=move |_: &_| MarkRead { id } attr:class="inline-form">
                                                            <input type="hidden" name="id" value=id.to_string() />
                                                            <button type="submit" class="btn btn-ghost small">"Mark read"</button>
                                                        </PostForm>
                                                    }
                                                })}
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }
                                .into_any()
                            }}
                        </div>
                    </details>
                }
                .into_any()
            })}
        </Transition>
    }
}
