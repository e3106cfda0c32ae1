//! The screens, loaded in chunks (`cargo leptos build --split`): the browser's first download holds what every
//! visitor needs (the router, the header, the landing redirect); the sign-in pages come in a chunk of their own, each
//! role's first screen (where signing in lands) in another, and the rest of a role's screens in a third, fetched when
//! the first of them opens. A role's first page needs the first download, its first screen's chunk and the chunks
//! that screen shares with others, not every screen of the role. One lazy function per group keeps a group's
//! screens, and the code only they share, in one chunk rather than in one per screen (one per screen was measured
//! worse: each lazy function adds its glue to the first download, and small chunks compress worse).

use leptos::prelude::*;
use leptos_router::ChooseView;

use super::{account, admin, client, employee};

/// The sign-in pages with the header around them (the role screens draw their own frame).
mod signin {
    use leptos::prelude::*;

    use crate::ui::{auth, Page};

    #[component]
    pub fn Setup() -> impl IntoView {
        view! { <Page><auth::SetupPage /></Page> }
    }

    #[component]
    pub fn Login() -> impl IntoView {
        view! { <Page><auth::LoginPage /></Page> }
    }

    #[component]
    pub fn Signup() -> impl IntoView {
        view! { <Page><auth::SignupPage /></Page> }
    }
}

/// Every group of screens: an enum of its screens and the lazy function that renders one of them (the group's chunk);
/// then [`Screen`], the `view` of every lazily loaded route. One type for all of them, rather than a `Lazy<T>` per
/// route: the router's code for a lazy view is compiled once into the first download, not once per route.
macro_rules! screens {
    ($($load:ident: $module:ident::$group:ident { $($screen:ident => $component:ident,)* })*) => {
        $(
            /// A screen of this group.
            #[derive(Clone, Copy, Debug)]
            pub enum $group {
                $($component,)*
            }

            /// This group's screens (one chunk).
            #[leptos::lazy]
            fn $load(screen: $group) -> AnyView {
                match screen {
                    $($group::$component => view! { <$module::$component /> }.into_any(),)*
                }
            }
        )*

        /// A lazily loaded screen: awaiting it loads its group's chunk, then renders it.
        #[derive(Clone, Copy, Debug)]
        pub enum Screen {
            $($($screen,)*)*
        }

        impl ChooseView for Screen {
            async fn choose(self) -> AnyView {
                if matches!(self, Screen::EmployeeQueue | Screen::EmployeeHistory) {
                    employee::work::preload_panel().await;
                }
                let view = match self {
                    $($(Screen::$screen => $load($group::$component).await,)*)*
                };
                #[cfg(feature = "ssr")]
                super::preload::chunks(match self {
                    $($(Screen::$screen => stringify!($load),)*)*
                });
                view
            }

            async fn preload(&self) {}
        }
    };
}

screens! {
    auth_screen: signin::AuthScreen {
        AuthSetup => Setup,
        AuthLogin => Login,
        AuthSignup => Signup,
    }

    // A role's first screen (where signing in lands) apart from the rest of its screens.
    client_home: client::ClientHome {
        ClientOverview => Overview,
    }
    client_screen: client::ClientScreen {
        ClientJobs => Jobs,
        ClientResumes => Resumes,
        ClientProfile => Profile,
    }

    employee_home: employee::EmployeeHome {
        EmployeeQueue => Queue,
    }
    employee_screen: employee::EmployeeScreen {
        EmployeeHistory => History,
        EmployeeStats => Stats,
    }

    admin_home: admin::AdminHome {
        AdminOverview => Overview,
    }
    admin_screen: admin::AdminScreen {
        AdminUsers => Users,
        AdminClients => Clients,
        AdminAssignments => Assignments,
        AdminJobs => Jobs,
        AdminActivity => Activity,
        AdminQueue => Queue,
        AdminIntegrations => Integrations,
    }

    // Every role's settings and the way back in after a forgotten password: rarely opened, so in a chunk of their own.
    account_screen: account::AccountScreen {
        AccountSettings => Settings,
        AccountForgot => Forgot,
        AccountReset => Reset,
        AccountVerify => Verify,
        AccountLoginCode => LoginCode,
        AccountSetupMfa => SetupMfa,
    }
}
