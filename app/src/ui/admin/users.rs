//! The admin's user screen: search and filters (kept in the URL), pagination, staff creation, (de)activation, and
//! resetting someone's two-step sign-in.

use crate::ui::shared::status::{for_role, neighbours, ErrorAlert, Loading, Pager};
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

use crate::ui::shared::components::{field_error, form_error, urlencode, Field, FormAlert};
use crate::{
    api::{AppError, CurrentUser, Page, PaymentStatus, Role, UserQuery, UserSummary},
    rpc::{
        mfa::ResetUserMfa,
        users::{list_users, CreateUser, SetUserActive},
    },
};

/// Created by its section, outside any Suspense (see `admin_clients::ClientsData`).
#[derive(Clone, Copy)]
pub struct UsersData {
    pub list: Resource<Result<Option<Page<UserSummary>>, AppError>>,
    pub create: ServerAction<CreateUser>,
    pub toggle: ServerAction<SetUserActive>,
    pub reset_mfa: ServerAction<ResetUserMfa>,
}

fn query_from_url() -> Memo<UserQuery> {
    let q = use_query_map();
    Memo::new(move |_| {
        let q = q.read();
        let text = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
        UserQuery {
            search: text("search"),
            role: text("role").as_deref().and_then(Role::parse),
            active: text("active").and_then(|v| v.parse().ok()),
            activated: text("activated").and_then(|v| v.parse().ok()),
            payment_status: text("payment_status")
                .as_deref()
                .and_then(PaymentStatus::parse),
            page: text("page").and_then(|v| v.parse().ok()),
            per_page: None,
        }
    })
}

impl UsersData {
    pub fn new(user: Resource<Result<Option<CurrentUser>, AppError>>) -> UsersData {
        let create = ServerAction::<CreateUser>::new();
        let toggle = ServerAction::<SetUserActive>::new();
        let reset_mfa = ServerAction::<ResetUserMfa>::new();
        let query = query_from_url();
        let list = Resource::new(
            move || {
                (
                    query.get(),
                    create.version().get(),
                    toggle.version().get(),
                    reset_mfa.version().get(),
                )
            },
            move |(query, ..)| async move { for_role(user, Role::is_admin, list_users(query)).await },
        );
        UsersData {
            list,
            create,
            toggle,
            reset_mfa,
        }
    }
}

#[component]
pub fn UsersSection(data: UsersData, me: CurrentUser) -> impl IntoView {
    let UsersData {
        list,
        create,
        toggle,
        reset_mfa,
    } = data;
    let query = query_from_url();
    let created = create.value();
    let is_super = me.role == Role::SuperAdmin;
    let page_link = move |page: u64| {
        let q = query.get();
        let mut parts = vec![format!("page={page}")];
        if let Some(s) = q.search {
            parts.push(format!("search={}", urlencode(&s)));
        }
        if let Some(r) = q.role {
            parts.push(format!("role={}", r.as_str()));
        }
        if let Some(a) = q.active {
            parts.push(format!("active={a}"));
        }
        if let Some(a) = q.activated {
            parts.push(format!("activated={a}"));
        }
        if let Some(p) = q.payment_status {
            parts.push(format!("payment_status={}", p.as_str()));
        }
        format!("/admin/users?{}", parts.join("&"))
    };
    view! {
        <section class="card" data-testid="users-section">
            <h2>"Users"</h2>
            <Form method="GET" action="/admin/users" attr:class="filters">
                <div class="field">
                    <label for="f-search">"Search"</label>
                    <input id="f-search" name="search" type="search" placeholder="Name or email"
                        prop:value=move || query.get().search.unwrap_or_default() />
                </div>
                <div class="field">
                    <label for="f-role">"Role"</label>
                    <select id="f-role" name="role">
                        <option value="">"Any"</option>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=move || query.get().role == Some(r)>{r.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="f-active">"Status"</label>
                    <select id="f-active" name="active">
                        <option value="">"Any"</option>
                        <option value="true" selected=move || query.get().active == Some(true)>"Active"</option>
                        <option value="false" selected=move || query.get().active == Some(false)>"Deactivated"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="f-activated">"Client activation"</label>
                    <select id="f-activated" name="activated">
                        <option value="">"Any"</option>
                        <option value="true" selected=move || query.get().activated == Some(true)>"Activated"</option>
                        <option value="false" selected=move || query.get().activated == Some(false)>"Awaiting activation"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="f-payment">"Payment"</label>
                    <select id="f-payment" name="payment_status">
                        <option value="">"Any"</option>
                        {PaymentStatus::ALL.into_iter().map(|p| view! {
                            <option value=p.as_str() selected=move || query.get().payment_status == Some(p)>{p.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="btn btn-ghost">"Filter"</button>
            </Form>
            <FormAlert error=form_error(toggle.value()) />
            <FormAlert error=form_error(reset_mfa.value()) />
            <Show when=move || matches!(reset_mfa.value().get(), Some(Ok(())))>
                <p class="alert alert-ok" role="status" data-testid="mfa-reset-done">
                    "Two-step sign-in was reset. They set it up again when they next sign in, and were told by email."
                </p>
            </Show>
            <Transition fallback=|| view! { <Loading /> }>
                {move || {
                    let me = me.clone();
                    Suspend::new(async move {
                    match list.await {
                        Ok(Some(page)) => {
                            let pages = page.total.div_ceil(page.per_page).max(1);
                            let current = page.page;
                            let (prev, next) = neighbours(current, pages, page_link);
                            view! {
                                <p class="muted small" data-testid="users-total">{format!("{} users · page {current} of {pages}", page.total)}</p>
                                <ul class="client-list">
                                    {page.items.into_iter().map(|u| view! { <UserRow user=u toggle reset_mfa me=me.clone() /> }).collect_view()}
                                </ul>
                                <Pager prev next />
                            }
                            .into_any()
                        }
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                    })
                }}
            </Transition>
        </section>
        <section class="card" data-testid="create-user">
            <h2>"Create a staff account"</h2>
            <ActionForm action=create attr:novalidate=true attr:class="stack">
                <div class="field">
                    <label for="f-new-role">"Role"</label>
                    <select id="f-new-role" name="role">
                        <option value="employee">"Employee"</option>
                        {is_super.then(|| view! { <option value="admin">"Admin"</option> })}
                    </select>
                </div>
                <div class="row">
                    <Field label="First name" name="first_name" error=field_error(created, "first_name") />
                    <Field label="Last name" name="last_name" error=field_error(created, "last_name") />
                </div>
                <Field label="Email" name="email" kind="email" error=field_error(created, "email") />
                <Field label="Password" name="password" kind="password" autocomplete="new-password"
                    hint="8 to 128 characters; share it with them privately." error=field_error(created, "password") />
                <FormAlert error=form_error(created) />
                {move || created.get().and_then(Result::ok).map(|u| view! {
                    <p class="alert alert-ok" role="status">{format!("Created {} ({}).", u.email, u.role.label())}</p>
                })}
                <button type="submit" class="btn btn-primary">"Create account"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn UserRow(
    user: UserSummary,
    toggle: ServerAction<SetUserActive>,
    reset_mfa: ServerAction<ResetUserMfa>,
    me: CurrentUser,
) -> impl IntoView {
    let name = format!("{} {}", user.first_name, user.last_name);
    let next = (!user.is_active).to_string();
    let label = if user.is_active {
        "Deactivate"
    } else {
        "Reactivate"
    };
    let manageable = user.id != me.id
        && (me.role == Role::SuperAdmin || matches!(user.role, Role::Client | Role::Employee));
    view! {
        <li class="client-row" data-testid="user-row" data-email=user.email.clone()>
            <div class="client-head">
                <strong>{name}</strong>
                <span class="muted">{user.email.clone()}</span>
                <span class="role-badge">{user.role.label()}</span>
                <span class="badge" class:badge-ok=user.is_active data-testid="user-status">
                    {if user.is_active { "Active" } else { "Deactivated" }}
                </span>
                {user.mfa_enabled.then(|| view! { <span class="badge" data-testid="user-mfa">"Two-step sign-in"</span> })}
            </div>
            {(manageable && user.mfa_enabled).then(|| view! {
                <ActionForm action=reset_mfa attr:class="inline-form">
                    <input type="hidden" name="user_id" value=user.id.to_string() />
                    <button type="submit" class="btn btn-ghost" data-testid="reset-mfa">"Reset two-step sign-in"</button>
                </ActionForm>
            })}
            {manageable.then(|| view! {
                <ActionForm action=toggle attr:class="inline-form">
                    <input type="hidden" name="user_id" value=user.id.to_string() />
                    <input type="hidden" name="active" value=next />
                    <button type="submit" class="btn btn-ghost">{label}</button>
                </ActionForm>
            })}
        </li>
    }
}
