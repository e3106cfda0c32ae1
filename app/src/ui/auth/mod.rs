//! Landing redirect, first-run setup, login and client sign-up.

use crate::ui::shared::status::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::ui::{
    shared::components::{
        field_error, form_error, Field, Fields, FormAlert, PostForm, PASSWORD_HINT,
    },
    use_auth,
};
use crate::{
    api::validate::PASSWORD_MIN,
    rpc::auth::{needs_setup, Login, Setup, Signup},
};

// What the forms below send, read from their fields (see [`PostForm`]).

fn setup_input(f: &Fields) -> Setup {
    Setup {
        setup_token: f.text("setup_token"),
        email: f.text("email"),
        password: f.text("password"),
        first_name: f.text("first_name"),
        last_name: f.text("last_name"),
    }
}

fn login_input(f: &Fields) -> Login {
    Login {
        email: f.text("email"),
        password: f.text("password"),
    }
}

fn signup_input(f: &Fields) -> Signup {
    Signup {
        email: f.text("email"),
        password: f.text("password"),
        first_name: f.text("first_name"),
        last_name: f.text("last_name"),
    }
}

/// `/`: send everyone where they belong.
#[component]
pub fn Home() -> impl IntoView {
    let auth = use_auth();
    let setup = Resource::new(|| (), |_| needs_setup());
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                let setup = setup.await;
                let user = auth.user.await;
                let to = match (setup, user) {
                    (Ok(true), _) => "/setup".to_string(),
                    (_, Ok(Some(u))) => u.role.home().to_string(),
                    _ => "/login".to_string(),
                };
                view! { <Redirect path=to /> }
            })}
        </Suspense>
    }
}

/// The one-time page that creates the first super admin; gone once one exists.
#[component]
pub fn SetupPage() -> impl IntoView {
    let auth = use_auth();
    let open = Resource::new(move || auth.setup.version().get(), |_| needs_setup());
    let value = auth.setup.value();
    view! {
        <Title text="Set up" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match open.await {
                    Ok(true) => view! {
                        <section class="card narrow">
                            <h1>"Welcome! Let's set up your site"</h1>
                            <p class="muted">"Create the super admin account. This page disappears once it exists."</p>
                            <PostForm action=auth.setup read=setup_input attr:novalidate=true attr:class="stack" attr:data-testid="setup-form">
                                <Field label="Setup token" name="setup_token" autocomplete="off"
                                    hint="Printed in the server's log when it started, and saved in DATA_DIR/setup-token."
                                    error=field_error(value, "setup_token") />
                                <div class="row">
                                    <Field label="First name" name="first_name" autocomplete="given-name" error=field_error(value, "first_name") />
                                    <Field label="Last name" name="last_name" autocomplete="family-name" error=field_error(value, "last_name") />
                                </div>
                                <Field label="Email" name="email" kind="email" autocomplete="email" error=field_error(value, "email") />
                                <Field label="Password" name="password" kind="password" autocomplete="new-password"
                                    hint=PASSWORD_HINT error=field_error(value, "password") />
                                <FormAlert error=form_error(value) />
                                <button type="submit" class="btn btn-primary">"Create super admin"</button>
                            </PostForm>
                        </section>
                    }
                    .into_any(),
                    _ => view! { <Redirect path="/login" /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let setup = Resource::new(|| (), |_| needs_setup());
    let value = auth.login.value();
    let query = leptos_router::hooks::use_query_map();
    view! {
        <Title text="Sign in" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let setup = setup.await;
                let user = auth.user.await;
                if let Ok(Some(u)) = user {
                    return view! { <Redirect path=u.role.home() /> }.into_any();
                }
                if let Ok(true) = setup {
                    return view! { <Redirect path="/setup" /> }.into_any();
                }
                let reset_done = query.with_untracked(|q| q.get("reset").is_some_and(|v| v == "done"));
                view! {
                    <section class="card narrow">
                        <h1>"Sign in"</h1>
                        {reset_done.then(|| view! {
                            <div class="alert alert-ok" role="status" data-testid="reset-done">
                                "Your password was changed and you were signed out everywhere. Sign in with the new one."
                            </div>
                        })}
                        <PostForm action=auth.login read=login_input attr:novalidate=true attr:class="stack" attr:data-testid="login-form">
                            <Field label="Email" name="email" kind="email" autocomplete="username" error=field_error(value, "email") />
                            <Field label="Password" name="password" kind="password" autocomplete="current-password" error=field_error(value, "password") />
                            <FormAlert error=form_error(value) />
                            <button type="submit" class="btn btn-primary">"Sign in"</button>
                        </PostForm>
                        <p class="muted"><a href="/forgot-password" data-testid="forgot-link">"Forgot your password?"</a></p>
                        <p class="muted">"New here? " <a href="/signup">"Create a client account"</a></p>
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let auth = use_auth();
    let value = auth.signup.value();
    view! {
        <Title text="Sign up" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                if let Ok(Some(u)) = auth.user.await {
                    return view! { <Redirect path=u.role.home() /> }.into_any();
                }
                view! {
                    <section class="card narrow">
                        <h1>"Create your client account"</h1>
                        <p class="muted">
                            "Hand us the job postings, our assistants apply for you. An administrator activates new accounts."
                        </p>
                        <PostForm action=auth.signup read=signup_input attr:novalidate=true attr:class="stack" attr:data-testid="signup-form">
                            <div class="row">
                                <Field label="First name" name="first_name" autocomplete="given-name" error=field_error(value, "first_name") />
                                <Field label="Last name" name="last_name" autocomplete="family-name" error=field_error(value, "last_name") />
                            </div>
                            <Field label="Email" name="email" kind="email" autocomplete="email" error=field_error(value, "email") />
                            <Field label="Password" name="password" kind="password" autocomplete="new-password"
                                hint=PASSWORD_HINT error=field_error(value, "password") />
                            <FormAlert error=form_error(value) />
                            <button type="submit" class="btn btn-primary">"Create account"</button>
                        </PostForm>
                        <p class="muted">"Already have an account? " <a href="/login">"Sign in"</a></p>
                        <p class="sr-only">{format!("Passwords need at least {PASSWORD_MIN} characters.")}</p>
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}
