//! The UI: one folder per role (`auth`, `client`, `employee`, `admin`) of screens, `routes` (each role's screens as
//! one lazily loaded wasm chunk), and `shared` for what they all use (form parts, header, live updates, charts,
//! loading/error/paging parts).

mod account;
mod admin;
mod auth;
mod client;
mod employee;
#[cfg(feature = "ssr")]
mod preload;
mod routes;
mod shared;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{FlatRoutes, Route, Router},
    path, SsrMode,
};

use shared::{layout, live};

use crate::{
    api::{AppError, CurrentUser},
    rpc::{
        auth::{me, Login, Logout, Setup, Signup},
        mfa::LoginCode,
    },
};

pub const PRODUCT_NAME: &str = "JobDelegate";

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: leptos::config::LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        set_security_headers();
        preload::remember(&options);
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// A Content-Security-Policy that admits only this response's own scripts (by nonce) and our wasm.
#[cfg(feature = "ssr")]
fn set_security_headers() {
    use leptos::nonce::use_nonce;
    let (Some(nonce), Some(res)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    );
    if let Ok(v) = http::HeaderValue::from_str(&csp) {
        res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
    }
}

/// The signed-in user, refetched whenever a login, sign-up, setup or logout completes.
#[derive(Clone, Copy)]
pub struct Auth {
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
    pub login: ServerAction<Login>,
    /// The second step of a sign-in with two-step sign-in on.
    pub code: ServerAction<LoginCode>,
    pub logout: ServerAction<Logout>,
    pub signup: ServerAction<Signup>,
    pub setup: ServerAction<Setup>,
}

impl Auth {
    fn provide() -> Auth {
        let login = ServerAction::<Login>::new();
        let code = ServerAction::<LoginCode>::new();
        let logout = ServerAction::<Logout>::new();
        let signup = ServerAction::<Signup>::new();
        let setup = ServerAction::<Setup>::new();
        let user = Resource::new(
            move || {
                (
                    login.version().get(),
                    code.version().get(),
                    logout.version().get(),
                    signup.version().get(),
                    setup.version().get(),
                )
            },
            |_| me(),
        );
        let auth = Auth {
            user,
            login,
            code,
            logout,
            signup,
            setup,
        };
        provide_context(auth);
        auth
    }
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let auth = Auth::provide();
    live::Live::provide(auth.user);

    view! {
        <Title formatter=|t: String| if t.is_empty() { PRODUCT_NAME.to_string() } else { format!("{t} · {PRODUCT_NAME}") } />
        // The header (which suspends on the signed-in user) is rendered inside each route, not around the routes:
        // a Suspense outside the routes breaks hydration of every route that suspends (leptos-rs/leptos#3707).
        // Flat routes: nested <Routes> hydrated a lazy route one marker short (an "unreachable" panic).
        <Router>
            <FlatRoutes fallback=|| view! { <Page><layout::NotFound /></Page> }>
                <Route path=path!("/") view=|| view! { <Page><auth::Home /></Page> } ssr=SsrMode::Async />
                <Route path=path!("/setup") view=routes::Screen::AuthSetup ssr=SsrMode::Async />
                <Route path=path!("/login") view=routes::Screen::AuthLogin ssr=SsrMode::Async />
                <Route path=path!("/signup") view=routes::Screen::AuthSignup ssr=SsrMode::Async />
                <Route path=path!("/settings") view=routes::Screen::AccountSettings ssr=SsrMode::Async />
                <Route path=path!("/forgot-password") view=routes::Screen::AccountForgot ssr=SsrMode::Async />
                <Route path=path!("/reset-password") view=routes::Screen::AccountReset ssr=SsrMode::Async />
                <Route path=path!("/verify-email") view=routes::Screen::AccountVerify ssr=SsrMode::Async />
                <Route path=path!("/login/code") view=routes::Screen::AccountLoginCode ssr=SsrMode::Async />
                <Route path=path!("/setup-mfa") view=routes::Screen::AccountSetupMfa ssr=SsrMode::Async />
                // Each role's screens, loaded with that role's chunk (see `routes`). Each screen draws its own frame
                // (page, greeting, tabs, role gate): a Suspense around a route breaks hydration of one that suspends.
                <Route path=path!("/client") view=routes::Screen::ClientOverview ssr=SsrMode::Async />
                <Route path=path!("/client/jobs") view=routes::Screen::ClientJobs ssr=SsrMode::Async />
                <Route path=path!("/client/resumes") view=routes::Screen::ClientResumes ssr=SsrMode::Async />
                <Route path=path!("/client/profile") view=routes::Screen::ClientProfile ssr=SsrMode::Async />
                <Route path=path!("/employee") view=routes::Screen::EmployeeQueue ssr=SsrMode::Async />
                <Route path=path!("/employee/history") view=routes::Screen::EmployeeHistory ssr=SsrMode::Async />
                <Route path=path!("/employee/stats") view=routes::Screen::EmployeeStats ssr=SsrMode::Async />
                <Route path=path!("/admin") view=routes::Screen::AdminOverview ssr=SsrMode::Async />
                <Route path=path!("/admin/users") view=routes::Screen::AdminUsers ssr=SsrMode::Async />
                <Route path=path!("/admin/clients") view=routes::Screen::AdminClients ssr=SsrMode::Async />
                <Route path=path!("/admin/assignments") view=routes::Screen::AdminAssignments ssr=SsrMode::Async />
                <Route path=path!("/admin/jobs") view=routes::Screen::AdminJobs ssr=SsrMode::Async />
                <Route path=path!("/admin/activity") view=routes::Screen::AdminActivity ssr=SsrMode::Async />
                <Route path=path!("/admin/queue") view=routes::Screen::AdminQueue ssr=SsrMode::Async />
                <Route path=path!("/admin/integrations") view=routes::Screen::AdminIntegrations ssr=SsrMode::Async />
            </FlatRoutes>
        </Router>
    }
}

/// Every page: the header, then the page's own content.
#[component]
pub(crate) fn Page(children: Children) -> impl IntoView {
    // Lets people (and end-to-end tests) know the page is interactive: set once the page itself hydrated, which for
    // a screen of a lazily loaded chunk is after its chunk arrived (an effect of the app's root ran before that, and a
    // click in between went to a page whose code had not loaded).
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <layout::Header />
        <main class="page">{children()}</main>
    }
}
