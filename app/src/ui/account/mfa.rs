//! Two-step sign-in on screen: the code step of signing in (`/login/code`), setting it up (`/setup-mfa`, where a user
//! whose role requires it is held until it is on), and its section of the settings page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        account::{MfaEnrolment, MfaStatus},
        AppError,
    },
    rpc::mfa::{get_mfa_status, MfaBegin, MfaConfirm, MfaDisable, MfaRecoveryCodes},
    ui::{
        shared::{
            components::{field_error, form_error, Field, FormAlert},
            status::{for_role, ErrorAlert, Loading},
        },
        use_auth, Page,
    },
};

const CODE_HINT: &str = "6 digits from your authenticator app, or one of your recovery codes.";

/// `/login/code`: the second step of signing in.
#[component]
pub fn LoginCode() -> impl IntoView {
    let auth = use_auth();
    let value = auth.code.value();
    view! {
        <Title text="Enter your code" />
        <Page>
            <section class="card narrow">
                <h1>"Two-step sign-in"</h1>
                <p class="muted">"Open your authenticator app and enter the code it shows for JobDelegate. Without your phone, enter one of your recovery codes."</p>
                <ActionForm action=auth.code attr:novalidate=true attr:class="stack" attr:data-testid="code-form">
                    <Field label="Code" name="code" autocomplete="one-time-code" hint=CODE_HINT
                        error=field_error(value, "code") />
                    <FormAlert error=form_error(value) />
                    <button type="submit" class="btn btn-primary">"Verify"</button>
                </ActionForm>
                <p class="muted"><a href="/login">"Start again"</a></p>
            </section>
        </Page>
    }
}

/// `/setup-mfa`: set up two-step sign-in; a user whose role requires it is sent here until it is on.
#[component]
pub fn SetupMfa() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Title text="Set up two-step sign-in" />
        <Page>
            <section class="card narrow" data-testid="setup-mfa">
                <h1>"Set up two-step sign-in"</h1>
                <Suspense fallback=|| view! { <Loading /> }>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(user)) if user.mfa_enabled => view! {
                                <p>"Two-step sign-in is on."</p>
                                <p><a href=user.role.home()>"Go to your dashboard"</a></p>
                            }
                            .into_any(),
                            Ok(Some(user)) => view! {
                                {user.mfa_setup_required.then(|| view! {
                                    <div class="alert alert-warning" role="status" data-testid="mfa-required">
                                        {format!(
                                            "{} accounts must use two-step sign-in. Set it up to continue: it takes a minute.",
                                            user.role.label()
                                        )}
                                    </div>
                                })}
                                <Enrol done=user.role.home() />
                            }
                            .into_any(),
                            _ => view! { <leptos_router::components::Redirect path="/login" /> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </Page>
    }
}

/// The secret grouped by four, as people type it.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Setting it up: start, scan (or type) the secret, confirm with the first code, keep the recovery codes.
#[component]
fn Enrol(
    /// Where to go once the recovery codes are saved.
    done: &'static str,
) -> impl IntoView {
    let begin = ServerAction::<MfaBegin>::new();
    let confirm = ServerAction::<MfaConfirm>::new();
    let codes = move || confirm.value().get().and_then(Result::ok);
    let step = move || {
        match begin.value().get() {
        None => view! {
            <p>"You need an authenticator app on your phone, such as Google Authenticator, Microsoft Authenticator, 1Password or Aegis."</p>
            <ActionForm action=begin attr:class="inline-form">
                <button type="submit" class="btn btn-primary" data-testid="mfa-start">"Set up two-step sign-in"</button>
            </ActionForm>
        }
        .into_any(),
        Some(Err(e)) => view! { <ErrorAlert error=e /> }.into_any(),
        Some(Ok(enrolment)) => view! { <Scan enrolment confirm /> }.into_any(),
    }
    };
    view! {
        <Show when=move || codes().is_some() fallback=step>
            <p>"Two-step sign-in is on. Keep these recovery codes somewhere safe, apart from your phone: each one signs you in once if you lose it. They are shown only now."</p>
            <RecoveryCodes codes=codes().unwrap_or_default() />
            // A full page load: every screen then sees the account as it is now.
            <a class="btn btn-primary" href=done rel="external" data-testid="mfa-done">"I have saved my codes: continue"</a>
        </Show>
    }
}

#[component]
fn Scan(enrolment: MfaEnrolment, confirm: ServerAction<MfaConfirm>) -> impl IntoView {
    let value = confirm.value();
    view! {
        <ol class="steps">
            <li>"Scan this QR code with your authenticator app."</li>
        </ol>
        <div class="qr" data-testid="mfa-qr" inner_html=enrolment.qr_svg></div>
        <p>"Cannot scan it? Type this key into the app instead: "
            <code class="secret" data-testid="mfa-secret">{grouped(&enrolment.secret)}</code>
        </p>
        <ActionForm action=confirm attr:novalidate=true attr:class="stack" attr:data-testid="mfa-confirm-form">
            <Field label="Code from the app" id="f-mfa-confirm-code" name="code" autocomplete="one-time-code"
                hint="The 6 digits the app shows now." error=field_error(value, "code") />
            <FormAlert error=form_error(value) />
            <button type="submit" class="btn btn-primary">"Turn on"</button>
        </ActionForm>
    }
}

#[component]
fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
    view! {
        <ul class="recovery-codes" data-testid="recovery-codes">
            {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
        </ul>
    }
}

/// The settings section's data and actions, made by the route component (outside the role gate's Suspense, where a
/// resource would be made again on every pass of server rendering).
#[derive(Clone, Copy)]
pub struct MfaData {
    status: Resource<Result<Option<MfaStatus>, AppError>>,
    disable: ServerAction<MfaDisable>,
    renew: ServerAction<MfaRecoveryCodes>,
}

impl MfaData {
    pub fn new() -> MfaData {
        let auth = use_auth();
        let disable = ServerAction::<MfaDisable>::new();
        let renew = ServerAction::<MfaRecoveryCodes>::new();
        let status = Resource::new(
            move || (disable.version().get(), renew.version().get()),
            move |_| async move { for_role(auth.user, |_| true, get_mfa_status()).await },
        );
        MfaData {
            status,
            disable,
            renew,
        }
    }
}

/// The settings page's section: on or off, new recovery codes, turning it off.
#[component]
pub fn MfaSection(data: MfaData) -> impl IntoView {
    let MfaData {
        status,
        disable,
        renew,
    } = data;
    let renewed = move || renew.value().get().and_then(Result::ok);
    view! {
        <section class="card" data-testid="mfa-section">
            <h2>"Two-step sign-in"</h2>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(None) => ().into_any(),
                        Ok(Some(s)) if s.enabled => view! {
                            <p>
                                <span class="badge badge-ok" data-testid="mfa-state">"On"</span>" "
                                <span class="muted">{format!("{} of 10 recovery codes left.", s.recovery_codes_left)}</span>
                            </p>
                            <ActionForm action=renew attr:novalidate=true attr:class="stack" attr:data-testid="mfa-renew-form">
                                <Field label="Code for new recovery codes" id="f-mfa-renew-code" name="code"
                                    autocomplete="one-time-code" hint=CODE_HINT error=field_error(renew.value(), "code") />
                                <FormAlert error=form_error(renew.value()) />
                                <button type="submit" class="btn">"Get new recovery codes"</button>
                            </ActionForm>
                            {if s.required {
                                view! {
                                    <p class="muted" data-testid="mfa-required-note">
                                        "Your role must use two-step sign-in, so it cannot be turned off. If you lose your phone and your recovery codes, an administrator can reset it."
                                    </p>
                                }
                                .into_any()
                            } else {
                                view! {
                                    <ActionForm action=disable attr:novalidate=true attr:class="stack" attr:data-testid="mfa-disable-form">
                                        <Field label="Password to turn it off" id="f-mfa-off-password" name="password" kind="password"
                                            autocomplete="current-password" error=field_error(disable.value(), "password") />
                                        <Field label="Code to turn it off" id="f-mfa-off-code" name="code"
                                            autocomplete="one-time-code" hint=CODE_HINT error=field_error(disable.value(), "code") />
                                        <FormAlert error=form_error(disable.value()) />
                                        <button type="submit" class="btn btn-danger">"Turn off two-step sign-in"</button>
                                    </ActionForm>
                                }
                                .into_any()
                            }}
                        }
                        .into_any(),
                        Ok(Some(_)) => view! {
                            <p>
                                <span class="badge" data-testid="mfa-state">"Off"</span>" "
                                <span class="muted">"With it on, signing in asks for a code from an app on your phone after your password."</span>
                            </p>
                            <Enrol done="/settings" />
                        }
                        .into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
            <Show when=move || renewed().is_some()>
                <p>"Your new recovery codes (the old ones no longer work):"</p>
                <RecoveryCodes codes=renewed().unwrap_or_default() />
            </Show>
        </section>
    }
}
