//! A person's own account, for every role: `/settings` (name, password, two-step sign-in, signed-in devices), and
//! the way back in when the password is forgotten: `/forgot-password` asks for a link, `/reset-password?token=…`
//! uses it. Two-step sign-in's own pages are in `mfa`.

mod mfa;
mod push;

pub use mfa::{LoginCode, SetupMfa};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        account::{Device, NotificationPref},
        AppError, CurrentUser,
    },
    rpc::account::{
        email_link, get_devices, get_notification_prefs, reset_link_works, ChangeEmail,
        ChangePassword, ConfirmEmail, EndDevice, EndOtherDevices, ForgotPassword,
        ResendVerification, ResetPassword, SaveNotificationPrefs, UpdateName,
    },
    ui::{
        shared::{
            components::{field_error, form_error, when, Field, FormAlert, PASSWORD_HINT},
            layout::SectionNav,
            status::{for_role, Dashboard, ErrorAlert, Loading},
        },
        use_auth, Page,
    },
};

fn anyone(_: crate::api::Role) -> bool {
    true
}

fn head(user: CurrentUser) -> AnyView {
    view! {
        <div data-testid="settings-head">
            <h1>"Account settings"</h1>
            <SectionNav role=user.role />
        </div>
    }
    .into_any()
}

/// `/settings`: name, password and signed-in devices.
#[component]
pub fn Settings() -> impl IntoView {
    let auth = use_auth();
    let rename = ServerAction::<UpdateName>::new();
    let change = ServerAction::<ChangePassword>::new();
    let end = ServerAction::<EndDevice>::new();
    let end_others = ServerAction::<EndOtherDevices>::new();
    let resend = ServerAction::<ResendVerification>::new();
    let change_email = ServerAction::<ChangeEmail>::new();
    let save_prefs = ServerAction::<SaveNotificationPrefs>::new();
    let mfa = mfa::MfaData::new();
    let push = push::PushData::new();
    let prefs = Resource::new(
        move || save_prefs.version().get(),
        move |_| async move { for_role(auth.user, anyone, get_notification_prefs()).await },
    );
    let devices = Resource::new(
        move || {
            (
                change.version().get(),
                end.version().get(),
                end_others.version().get(),
            )
        },
        move |_| async move { for_role(auth.user, anyone, get_devices()).await },
    );
    // The header shows the new name once it is saved.
    Effect::new(move |_| {
        if let Some(Ok(_)) = rename.value().get() {
            auth.user.refetch();
        }
    });
    view! {
        <Dashboard title="Settings" allowed=anyone head=head>
            <NameSection rename />
            <EmailSection resend change_email />
            <PasswordSection change />
            <mfa::MfaSection data=mfa />
            <NotificationsSection prefs save=save_prefs push />
            <DevicesSection devices end end_others />
        </Dashboard>
    }
}

#[component]
fn NameSection(rename: ServerAction<UpdateName>) -> impl IntoView {
    let auth = use_auth();
    let value = rename.value();
    view! {
        <section class="card" data-testid="name-section">
            <h2>"Your name"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let Ok(Some(user)) = auth.user.await else { return ().into_any() };
                    view! {
                        <p class="muted">{format!("Signed in as {}.", user.email)}</p>
                        <ActionForm action=rename attr:novalidate=true attr:class="stack" attr:data-testid="name-form">
                            <div class="row">
                                <Field label="First name" name="first_name" autocomplete="given-name"
                                    value=user.first_name error=field_error(value, "first_name") />
                                <Field label="Last name" name="last_name" autocomplete="family-name"
                                    value=user.last_name error=field_error(value, "last_name") />
                            </div>
                            <Show when=move || matches!(value.get(), Some(Ok(_)))>
                                <div class="alert alert-ok" role="status" data-testid="name-saved">"Saved."</div>
                            </Show>
                            <button type="submit" class="btn btn-primary">"Save name"</button>
                        </ActionForm>
                    }
                    .into_any()
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn EmailSection(
    resend: ServerAction<ResendVerification>,
    change_email: ServerAction<ChangeEmail>,
) -> impl IntoView {
    let auth = use_auth();
    let value = change_email.value();
    let asked = move || value.get().and_then(Result::ok);
    let resent = move || resend.value().get().and_then(Result::ok);
    view! {
        <section class="card" data-testid="email-section">
            <h2>"Email address"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let Ok(Some(user)) = auth.user.await else { return ().into_any() };
                    view! {
                        <p>
                            <strong data-testid="email-address">{user.email.clone()}</strong>" "
                            <span class="badge" class:badge-ok=user.email_verified data-testid="email-status">
                                {if user.email_verified { "Confirmed" } else { "Not confirmed yet" }}
                            </span>
                        </p>
                        {(!user.email_verified).then(|| view! {
                            <ActionForm action=resend attr:class="inline-form">
                                <button type="submit" class="btn" data-testid="resend-verification">"Send the confirmation link again"</button>
                            </ActionForm>
                        })}
                    }
                    .into_any()
                })}
            </Suspense>
            <Show when=move || resent().is_some()>
                <div class="alert alert-ok" role="status" data-testid="verification-resent">{resent}</div>
            </Show>
            <FormAlert error=form_error(resend.value()) />
            <ActionForm action=change_email attr:novalidate=true attr:class="stack" attr:data-testid="email-form">
                <Field label="New email address" name="new_email" kind="email" autocomplete="email"
                    error=field_error(value, "new_email") />
                <Field label="Your password" id="f-email-password" name="password" kind="password"
                    autocomplete="current-password" error=field_error(value, "password") />
                <Show when=move || asked().is_some()>
                    <div class="alert alert-ok" role="status" data-testid="email-change-sent">{asked}</div>
                </Show>
                <button type="submit" class="btn btn-primary">"Change email address"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn PasswordSection(change: ServerAction<ChangePassword>) -> impl IntoView {
    let value = change.value();
    let done = move || match value.get() {
        Some(Ok(0)) => Some("Password changed.".to_string()),
        Some(Ok(1)) => Some("Password changed. One other device was signed out.".to_string()),
        Some(Ok(n)) => Some(format!(
            "Password changed. {n} other devices were signed out."
        )),
        _ => None,
    };
    view! {
        <section class="card" data-testid="password-section">
            <h2>"Password"</h2>
            <p class="muted">"Changing it signs you out everywhere else, the extension included. We email you when it changes."</p>
            <ActionForm action=change attr:novalidate=true attr:class="stack" attr:data-testid="password-form">
                <Field label="Current password" name="current_password" kind="password" autocomplete="current-password"
                    error=field_error(value, "current_password") />
                <Field label="New password" name="new_password" kind="password" autocomplete="new-password"
                    hint=PASSWORD_HINT error=field_error(value, "new_password") />
                <Field label="New password again" name="confirm_password" kind="password" autocomplete="new-password"
                    error=field_error(value, "confirm_password") />
                <FormAlert error=form_error(value) />
                <Show when=move || done().is_some()>
                    <div class="alert alert-ok" role="status" data-testid="password-changed">{done}</div>
                </Show>
                <button type="submit" class="btn btn-primary">"Change password"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn NotificationsSection(
    prefs: Resource<Result<Option<Vec<NotificationPref>>, AppError>>,
    save: ServerAction<SaveNotificationPrefs>,
    push: push::PushData,
) -> impl IntoView {
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    view! {
        <section class="card" data-testid="notifications-section">
            <h2>"Notifications"</h2>
            <p class="muted">"Choose where each kind of news reaches you. Emails gather what happened within a minute; pushes reach the browsers where you turned them on."</p>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match prefs.await {
                        Ok(Some(list)) => view! {
                            <ActionForm action=save attr:class="stack" attr:data-testid="notifications-form">
                                <table class="prefs">
                                    <thead><tr><th scope="col">"News"</th><th scope="col">"In the app"</th><th scope="col">"By email"</th><th scope="col">"Push"</th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|p| {
                                            let k = p.kind.as_str();
                                            view! {
                                                <tr data-kind=k>
                                                    <th scope="row">{p.kind.label()}<span class="muted small">{p.kind.hint()}</span></th>
                                                    <td><input type="checkbox" name=format!("prefs[{k}_in_app]")
                                                        aria-label=format!("{} in the app", p.kind.label()) checked=p.in_app /></td>
                                                    <td><input type="checkbox" name=format!("prefs[{k}_email]")
                                                        aria-label=format!("{} by email", p.kind.label()) checked=p.email /></td>
                                                    <td><input type="checkbox" name=format!("prefs[{k}_push]")
                                                        aria-label=format!("{} by push", p.kind.label()) checked=p.push /></td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <Show when=saved>
                                    <div class="alert alert-ok" role="status" data-testid="notifications-saved">"Saved."</div>
                                </Show>
                                <FormAlert error=form_error(save.value()) />
                                <button type="submit" class="btn btn-primary">"Save notifications"</button>
                            </ActionForm>
                        }
                        .into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
            <push::PushDevice data=push />
        </section>
    }
}

#[component]
fn DevicesSection(
    devices: Resource<Result<Option<Vec<Device>>, AppError>>,
    end: ServerAction<EndDevice>,
    end_others: ServerAction<EndOtherDevices>,
) -> impl IntoView {
    view! {
        <section class="card" data-testid="devices-section">
            <h2>"Where you are signed in"</h2>
            <p class="muted">"Browsers and the extension. Sign out any you do not recognise, then change your password."</p>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match devices.await {
                        Ok(Some(list)) => {
                            let others = list.iter().filter(|d| !d.current).count();
                            view! {
                                <ul class="device-list" data-testid="devices">
                                    {list.into_iter().map(|d| view! { <DeviceRow device=d end /> }).collect_view()}
                                </ul>
                                {(others > 0).then(|| view! {
                                    <ActionForm action=end_others attr:class="inline-form">
                                        <button type="submit" class="btn" data-testid="end-other-devices">
                                            "Sign out everywhere else"
                                        </button>
                                    </ActionForm>
                                })}
                            }
                            .into_any()
                        }
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
            <FormAlert error=form_error(end.value()) />
        </section>
    }
}

#[component]
fn DeviceRow(device: Device, end: ServerAction<EndDevice>) -> impl IntoView {
    let detail = format!(
        "{} · signed in {} · last used {}{}",
        device.kind.label(),
        when(device.created_at),
        when(device.last_used_at),
        device
            .ip
            .as_deref()
            .map(|ip| format!(" · {ip}"))
            .unwrap_or_default()
    );
    view! {
        <li class="device" data-testid="device" data-kind=format!("{:?}", device.kind).to_lowercase()>
            <div>
                <strong>{device.agent}</strong>
                {device.current.then(|| view! { <span class="role-badge" data-testid="this-device">"This device"</span> })}
                <p class="muted">{detail}</p>
            </div>
            {(!device.current).then(|| view! {
                <ActionForm action=end attr:class="inline-form">
                    <input type="hidden" name="id" value=device.id />
                    <button type="submit" class="btn btn-ghost" data-testid="end-device">"Sign out"</button>
                </ActionForm>
            })}
        </li>
    }
}

/// `/forgot-password`: ask for a reset link.
#[component]
pub fn Forgot() -> impl IntoView {
    let ask = ServerAction::<ForgotPassword>::new();
    let value = ask.value();
    let sent = move || value.get().and_then(Result::ok);
    view! {
        <Title text="Forgot password" />
        <Page>
            <section class="card narrow">
                <h1>"Forgot your password?"</h1>
                <p class="muted">"Enter the email address of your account. We send it a link to choose a new password."</p>
                <ActionForm action=ask attr:novalidate=true attr:class="stack" attr:data-testid="forgot-form">
                    <Field label="Email" name="email" kind="email" autocomplete="username" error=field_error(value, "email") />
                    <FormAlert error=Signal::derive(move || {
                        value.with(|v| match v {
                            Some(Err(AppError::Validation { .. })) | None | Some(Ok(_)) => None,
                            Some(Err(e)) => Some(e.to_string()),
                        })
                    }) />
                    <Show when=move || sent().is_some()>
                        <div class="alert alert-ok" role="status" data-testid="reset-sent">{sent}</div>
                    </Show>
                    <button type="submit" class="btn btn-primary">"Send the link"</button>
                </ActionForm>
                <p class="muted"><a href="/login">"Back to sign in"</a></p>
            </section>
        </Page>
    }
}

/// `/reset-password?token=…`: choose a new password with the link's token.
#[component]
pub fn Reset() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token").unwrap_or_default());
    let works = Resource::new(token, reset_link_works);
    let reset = ServerAction::<ResetPassword>::new();
    let value = reset.value();
    view! {
        <Title text="Choose a new password" />
        <Page>
            <section class="card narrow">
                <h1>"Choose a new password"</h1>
                <Suspense fallback=|| view! { <Loading /> }>
                    {move || Suspend::new(async move {
                        match works.await {
                            Ok(true) => view! {
                                <p class="muted">"You will be signed out everywhere, then sign in with the new password."</p>
                                <ActionForm action=reset attr:novalidate=true attr:class="stack" attr:data-testid="reset-form">
                                    <input type="hidden" name="token" value=token() />
                                    <Field label="New password" name="password" kind="password" autocomplete="new-password"
                                        hint=PASSWORD_HINT error=field_error(value, "password") />
                                    <Field label="New password again" name="confirm_password" kind="password"
                                        autocomplete="new-password" error=field_error(value, "confirm_password") />
                                    <FormAlert error=field_error(value, "token") />
                                    <button type="submit" class="btn btn-primary">"Save the new password"</button>
                                </ActionForm>
                            }
                            .into_any(),
                            Ok(false) => view! {
                                <div class="alert alert-error" role="alert" data-testid="reset-link-dead">
                                    "This link has expired or was already used."
                                </div>
                                <p><a href="/forgot-password">"Ask for a new link"</a></p>
                            }
                            .into_any(),
                            Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </Page>
    }
}

/// `/verify-email?token=…`: confirm an address (the account's own, or a new one) with the emailed link. Opening the
/// page changes nothing; the button does.
#[component]
pub fn Verify() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token").unwrap_or_default());
    let info = Resource::new(token, email_link);
    let confirm = ServerAction::<ConfirmEmail>::new();
    let value = confirm.value();
    let done = move || value.get().and_then(Result::ok);
    Effect::new(move |_| {
        if done().is_some() {
            auth.user.refetch();
        }
    });
    view! {
        <Title text="Confirm your email address" />
        <Page>
            <section class="card narrow">
                <h1>"Confirm your email address"</h1>
                <Show when=move || done().is_some() fallback=move || view! {
                    <Suspense fallback=|| view! { <Loading /> }>
                        {move || Suspend::new(async move {
                            match info.await {
                                Ok(Some(link)) => view! {
                                    <p>{if link.change {
                                        format!("Make {} the address of your account?", link.email)
                                    } else {
                                        format!("Confirm that {} is yours?", link.email)
                                    }}</p>
                                    <ActionForm action=confirm attr:class="stack" attr:data-testid="confirm-email-form">
                                        <input type="hidden" name="token" value=token() />
                                        <FormAlert error=field_error(value, "token") />
                                        <button type="submit" class="btn btn-primary">"Confirm"</button>
                                    </ActionForm>
                                }
                                .into_any(),
                                Ok(None) => view! {
                                    <div class="alert alert-error" role="alert" data-testid="email-link-dead">
                                        "This link has expired or was already used. Send yourself a new one from your settings."
                                    </div>
                                }
                                .into_any(),
                                Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                            }
                        })}
                    </Suspense>
                }>
                    <div class="alert alert-ok" role="status" data-testid="email-confirmed">{done}</div>
                    <p><a href="/">"Go to your dashboard"</a></p>
                </Show>
            </section>
        </Page>
    }
}
