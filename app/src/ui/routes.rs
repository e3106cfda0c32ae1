//! The signed-in screens, loaded per role: the browser's first download holds what every visitor needs (the router,
//! the header, sign-in and sign-up), and each role's screens come in a chunk of their own, fetched when the first of
//! them opens (`cargo leptos build --split`). One lazy function per role keeps a role's screens, and the code only
//! they share, in one chunk rather than in one per screen.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use super::{account, admin, client, employee};

/// For one role: an enum of its screens, the lazy function that renders one of them (the role's chunk), and a
/// [`LazyRoute`] per screen that awaits it.
macro_rules! role_screens {
    ($load:ident, $role:ident, $which:ident { $($route:ident => $component:ident,)* }) => {
        /// A screen of this role.
        #[derive(Clone, Copy, Debug)]
        pub enum $which {
            $($component,)*
        }

        /// This role's screens (one chunk).
        #[leptos::lazy]
        fn $load(screen: $which) -> AnyView {
            match screen {
                $($which::$component => view! { <$role::$component /> }.into_any(),)*
            }
        }

        $(
            /// A route loaded with this role's screens.
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    $load($which::$component).await
                }
            }
        )*
    };
}

role_screens!(client_screen, client, ClientScreen {
    ClientOverview => Overview,
    ClientJobs => Jobs,
    ClientResumes => Resumes,
    ClientProfile => Profile,
});

role_screens!(employee_screen, employee, EmployeeScreen {
    EmployeeQueue => Queue,
    EmployeeHistory => History,
    EmployeeStats => Stats,
});

role_screens!(admin_screen, admin, AdminScreen {
    AdminOverview => Overview,
    AdminUsers => Users,
    AdminClients => Clients,
    AdminAssignments => Assignments,
    AdminJobs => Jobs,
    AdminActivity => Activity,
    AdminQueue => Queue,
    AdminIntegrations => Integrations,
});

// Every role's settings and the way back in after a forgotten password: rarely opened, so in a chunk of their own.
role_screens!(account_screen, account, AccountScreen {
    AccountSettings => Settings,
    AccountForgot => Forgot,
    AccountReset => Reset,
    AccountVerify => Verify,
    AccountLoginCode => LoginCode,
    AccountSetupMfa => SetupMfa,
});
