//! DTOs and enums of the contract.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who a user is to the product. Stored as text (`super_admin`, `admin`, `client`, `employee`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Role {
    SuperAdmin,
    Admin,
    Client,
    Employee,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::SuperAdmin, Role::Admin, Role::Client, Role::Employee];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super_admin",
            Role::Admin => "admin",
            Role::Client => "client",
            Role::Employee => "employee",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Role::SuperAdmin => "Super admin",
            Role::Admin => "Admin",
            Role::Client => "Client",
            Role::Employee => "Employee",
        }
    }

    /// Where this role lands after login.
    pub fn home(self) -> &'static str {
        match self {
            Role::SuperAdmin | Role::Admin => "/admin",
            Role::Client => "/client",
            Role::Employee => "/employee",
        }
    }

    pub fn is_admin(self) -> bool {
        matches!(self, Role::SuperAdmin | Role::Admin)
    }
}

/// The signed-in user as the UI sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    /// For clients: whether an admin has activated the account. `None` for other roles.
    pub client_activated: Option<bool>,
    /// Whether the person has confirmed that the email address is theirs.
    #[serde(default)]
    pub email_verified: bool,
    /// Whether two-step sign-in (a code from an authenticator app) is on.
    #[serde(default)]
    pub mfa_enabled: bool,
    /// The role requires two-step sign-in and it is not on yet: nothing but setting it up (or signing out) works.
    #[serde(default)]
    pub mfa_setup_required: bool,
}

impl CurrentUser {
    pub fn display_name(&self) -> String {
        let name = format!("{} {}", self.first_name, self.last_name);
        let name = name.trim();
        if name.is_empty() {
            self.email.clone()
        } else {
            name.to_string()
        }
    }
}

/// A client's billing state, set by the admin who activates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum PaymentStatus {
    Pending,
    Active,
    PastDue,
    Cancelled,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 4] = [
        PaymentStatus::Pending,
        PaymentStatus::Active,
        PaymentStatus::PastDue,
        PaymentStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Active => "active",
            PaymentStatus::PastDue => "past_due",
            PaymentStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "Pending",
            PaymentStatus::Active => "Paid",
            PaymentStatus::PastDue => "Past due",
            PaymentStatus::Cancelled => "Cancelled",
        }
    }
}

/// One client as the admin screens list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClientSummary {
    pub client_id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// The account may sign in at all.
    pub user_active: bool,
    /// The client has confirmed their email address.
    pub email_verified: bool,
    /// An admin has activated the client: they may delegate.
    pub is_activated: bool,
    pub activated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Email of the admin who last activated them.
    pub activated_by: Option<String>,
    pub payment_status: PaymentStatus,
    pub subscription_notes: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Filters of the admin's user list. Every field is optional; `page` counts from 1.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserQuery {
    #[serde(default)]
    pub search: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub active: Option<bool>,
    /// Clients only: activated by an admin or not.
    #[serde(default)]
    pub activated: Option<bool>,
    #[serde(default)]
    pub payment_status: Option<PaymentStatus>,
    #[serde(default)]
    pub page: Option<u64>,
    #[serde(default)]
    pub per_page: Option<u64>,
}

/// One user in the admin's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub is_active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Whether they sign in with a second step (a code).
    #[serde(default)]
    pub mfa_enabled: bool,
}

/// A page of a list read with a cursor: the items, and the cursor of the next page (`None` on the last).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CursorPage<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next: Option<String>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}
