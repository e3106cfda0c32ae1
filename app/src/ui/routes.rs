//! The signed-in screens, loaded per role: the browser's first download holds what every visitor needs (the router,
//! the header, sign-in and sign-up), and each role's screens come in a chunk of their own, fetched when the first of
//! them opens (`cargo leptos build --split`; without it, all of it is one file as before). One lazy function per role
//! keeps a role's screens, and the code only they share, in one chunk rather than in one per screen.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use super::{admin, client, employee};

/// A screen of one of the roles' sections.
#[derive(Clone, Copy, Debug)]
pub enum Screen {
    /// `/client`
    ClientOverview,
    /// `/client/jobs`
    ClientJobs,
    /// `/client/resumes`
    ClientResumes,
    /// `/client/profile`
    ClientProfile,
    /// `/employee`
    EmployeeQueue,
    /// `/employee/history`
    EmployeeHistory,
    /// `/employee/stats`
    EmployeeStats,
    /// `/admin`
    AdminOverview,
    /// `/admin/users`
    AdminUsers,
    /// `/admin/clients`
    AdminClients,
    /// `/admin/assignments`
    AdminAssignments,
    /// `/admin/jobs`
    AdminJobs,
    /// `/admin/activity`
    AdminActivity,
    /// `/admin/queue`
    AdminQueue,
}

/// The client's screens (one chunk).
#[leptos::lazy]
fn client_screen(screen: Screen) -> AnyView {
    match screen {
        Screen::ClientOverview => view! { <client::Overview /> }.into_any(),
        Screen::ClientJobs => view! { <client::Jobs /> }.into_any(),
        Screen::ClientResumes => view! { <client::Resumes /> }.into_any(),
        Screen::ClientProfile => view! { <client::Profile /> }.into_any(),
        _ => ().into_any(),
    }
}

/// The employee's screens (one chunk).
#[leptos::lazy]
fn employee_screen(screen: Screen) -> AnyView {
    match screen {
        Screen::EmployeeQueue => view! { <employee::Queue /> }.into_any(),
        Screen::EmployeeHistory => view! { <employee::History /> }.into_any(),
        Screen::EmployeeStats => view! { <employee::Stats /> }.into_any(),
        _ => ().into_any(),
    }
}

/// The admin's screens (one chunk).
#[leptos::lazy]
fn admin_screen(screen: Screen) -> AnyView {
    match screen {
        Screen::AdminOverview => view! { <admin::Overview /> }.into_any(),
        Screen::AdminUsers => view! { <admin::Users /> }.into_any(),
        Screen::AdminClients => view! { <admin::Clients /> }.into_any(),
        Screen::AdminAssignments => view! { <admin::Assignments /> }.into_any(),
        Screen::AdminJobs => view! { <admin::Jobs /> }.into_any(),
        Screen::AdminActivity => view! { <admin::Activity /> }.into_any(),
        Screen::AdminQueue => view! { <admin::Queue /> }.into_any(),
        _ => ().into_any(),
    }
}

/// `/client`, loaded with the client's screens.
pub struct ClientOverview;

impl LazyRoute for ClientOverview {
    fn data() -> Self {
        ClientOverview
    }

    async fn view(_this: Self) -> AnyView {
        client_screen(Screen::ClientOverview).await
    }
}

/// `/client/jobs`, loaded with the client's screens.
pub struct ClientJobs;

impl LazyRoute for ClientJobs {
    fn data() -> Self {
        ClientJobs
    }

    async fn view(_this: Self) -> AnyView {
        client_screen(Screen::ClientJobs).await
    }
}

/// `/client/resumes`, loaded with the client's screens.
pub struct ClientResumes;

impl LazyRoute for ClientResumes {
    fn data() -> Self {
        ClientResumes
    }

    async fn view(_this: Self) -> AnyView {
        client_screen(Screen::ClientResumes).await
    }
}

/// `/client/profile`, loaded with the client's screens.
pub struct ClientProfile;

impl LazyRoute for ClientProfile {
    fn data() -> Self {
        ClientProfile
    }

    async fn view(_this: Self) -> AnyView {
        client_screen(Screen::ClientProfile).await
    }
}

/// `/employee`, loaded with the employee's screens.
pub struct EmployeeQueue;

impl LazyRoute for EmployeeQueue {
    fn data() -> Self {
        EmployeeQueue
    }

    async fn view(_this: Self) -> AnyView {
        employee_screen(Screen::EmployeeQueue).await
    }
}

/// `/employee/history`, loaded with the employee's screens.
pub struct EmployeeHistory;

impl LazyRoute for EmployeeHistory {
    fn data() -> Self {
        EmployeeHistory
    }

    async fn view(_this: Self) -> AnyView {
        employee_screen(Screen::EmployeeHistory).await
    }
}

/// `/employee/stats`, loaded with the employee's screens.
pub struct EmployeeStats;

impl LazyRoute for EmployeeStats {
    fn data() -> Self {
        EmployeeStats
    }

    async fn view(_this: Self) -> AnyView {
        employee_screen(Screen::EmployeeStats).await
    }
}

/// `/admin`, loaded with the admin's screens.
pub struct AdminOverview;

impl LazyRoute for AdminOverview {
    fn data() -> Self {
        AdminOverview
    }

    async fn view(_this: Self) -> AnyView {
        admin_screen(Screen::AdminOverview).await
    }
}

/// `/admin/users`, loaded with the admin's screens.
pub struct AdminUsers;

impl LazyRoute for AdminUsers {
    fn data() -> Self {
        AdminUsers
    }

    async fn view(_this: Self) -> AnyView {
        admin_screen(Screen::AdminUsers).await
    }
}

/// `/admin/clients`, loaded with the admin's screens.
pub struct AdminClients;

impl LazyRoute for AdminClients {
    fn data() -> Self {
        AdminClients
    }

    async fn view(_this: Self) -> AnyView {
        admin_screen(Screen::AdminClients).await
    }
}

/// `/admin/assignments`, loaded with the admin's screens.
pub struct AdminAssignments;

impl LazyRoute for AdminAssignments {
    fn data() -> Self {
        AdminAssignments
    }

    async fn view(_this: Self) -> AnyView {
        admin_screen(Screen::AdminAssignments).await
    }
}

/// `/admin/jobs`, loaded with the admin's screens.
pub struct AdminJobs;

impl LazyRoute for AdminJobs {
    fn data() -> Self {
        AdminJobs
    }

    async fn view(_this: Self) -> AnyView {
        admin_screen(Screen::AdminJobs).await
    }
}

/// `/admin/activity`, loaded with the admin's screens.
pub struct AdminActivity;

impl LazyRoute for AdminActivity {
    fn data() -> Self {
        AdminActivity
    }

    async fn view(_this: Self) -> AnyView {
        admin_screen(Screen::AdminActivity).await
    }
}

/// `/admin/queue`, loaded with the admin's screens.
pub struct AdminQueue;

impl LazyRoute for AdminQueue {
    fn data() -> Self {
        AdminQueue
    }

    async fn view(_this: Self) -> AnyView {
        admin_screen(Screen::AdminQueue).await
    }
}
