//! Accounts: first-run setup, client sign-up, accounts made by admins, login, activation state.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set, SqlErr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit,
    entities::{admins, clients, employees, resume_profiles, user_profiles, users},
    infra::{
        limits::{self as throttle, Limited, RateConfig, Whom},
        password,
        session::AuthConfig,
        session_store::end_sessions_of,
    },
    now,
    policy::may_manage_user,
    Actor, RequestMeta,
};
use crate::api::{
    validate::{Email, NewAccount, PASSWORD_MAX},
    AppError, CurrentUser, Role,
};
use crate::domain::infra::events::EventBus;

const DUPLICATE_EMAIL: &str = "An account with this email address already exists. Sign in instead.";

/// True while no super admin exists: the one-time setup page is offered only then.
pub async fn needs_setup<C: ConnectionTrait>(db: &C) -> Result<bool, AppError> {
    let n = users::Entity::find()
        .filter(users::Column::Role.eq(Role::SuperAdmin.as_str()))
        .count(db)
        .await?;
    Ok(n == 0)
}

pub async fn find_by_email<C: ConnectionTrait>(
    db: &C,
    email: &Email,
) -> Result<Option<users::Model>, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await?)
}

/// Insert a user with their profile and role row, inside the caller's transaction.
pub(super) async fn insert_account<C: ConnectionTrait>(
    txn: &C,
    role: Role,
    account: &NewAccount,
    password_hash: String,
    created_by: Option<Uuid>,
) -> Result<users::Model, AppError> {
    let t = now();
    let user = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(account.email.as_str().to_string()),
        password_hash: Set(password_hash),
        first_name: Set(account.first_name.clone()),
        last_name: Set(account.last_name.clone()),
        role: Set(role),
        is_active: Set(true),
        created_at: Set(t),
        updated_at: Set(t),
        // A client who signs up confirms the address through a link; an account an admin made is vouched for.
        email_verified_at: Set((role != Role::Client).then_some(t)),
        mfa_secret: Set(None),
        mfa_enabled_at: Set(None),
        mfa_last_step: Set(None),
    }
    .insert(txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::field("email", DUPLICATE_EMAIL),
        _ => AppError::from(e),
    })?;

    user_profiles::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        bio: Set(None),
        phone: Set(None),
        location: Set(None),
        metadata: Set(json!({})),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(txn)
    .await?;

    match role {
        Role::Client => {
            let client = clients::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user.id),
                is_activated: Set(false),
                activated_at: Set(None),
                activated_by: Set(None),
                payment_status: Set(crate::api::PaymentStatus::Pending),
                subscription_data: Set(json!({})),
                created_at: Set(t),
            }
            .insert(txn)
            .await?;
            resume_profiles::ActiveModel {
                id: Set(Uuid::now_v7()),
                client_id: Set(client.id),
                professional_summary: Set(String::new()),
                experience: Set(json!([])),
                education: Set(json!([])),
                skills: Set(json!([])),
                contact_info: Set(json!({})),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(txn)
            .await?;
        }
        Role::Employee => {
            employees::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user.id),
                created_by: Set(created_by),
                performance_metrics: Set(json!({})),
                is_available: Set(true),
                last_active: Set(None),
                last_assigned_at: Set(None),
                created_at: Set(t),
            }
            .insert(txn)
            .await?;
        }
        Role::Admin | Role::SuperAdmin => {
            admins::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user.id),
                admin_level: Set(role.as_str().to_string()),
                permissions: Set(json!({})),
                created_by: Set(created_by),
                created_at: Set(t),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(user)
}

/// Refuse early, with a field message, when the email is taken (the unique index still decides under races).
pub(super) async fn ensure_email_free<C: ConnectionTrait>(
    db: &C,
    email: &Email,
) -> Result<(), AppError> {
    if find_by_email(db, email).await?.is_some() {
        return Err(AppError::field("email", DUPLICATE_EMAIL));
    }
    Ok(())
}

/// A job seeker signs up as a client; the account waits for an admin to activate it.
pub async fn signup_client(
    db: &DatabaseConnection,
    rates: &RateConfig,
    account: NewAccount,
    meta: &RequestMeta,
) -> Result<users::Model, AppError> {
    throttle::hit(
        db,
        rates,
        Limited::Signup,
        Whom::Address(meta.ip.as_deref()),
        now(),
    )
    .await?;
    ensure_email_free(db, &account.email).await?;
    let hash = password::hash(account.password.expose().to_string()).await?;
    let user = crate::domain::retrying(|| async {
        let txn = super::begin_write(db).await?;
        let user = insert_account(&txn, Role::Client, &account, hash.clone(), None).await?;
        // The confirmation link is made and sent by the worker (its token is never stored).
        super::infra::queue::enqueue(
            &txn,
            super::infra::queue::HIGH,
            &super::infra::queue::HighJob::VerifyEmail { user_id: user.id },
        )
        .await?;
        audit::record(
            &txn,
            Some(user.id),
            "account.signup",
            "user",
            Some(user.id),
            json!({"role": "client"}),
            meta,
        )
        .await?;
        crate::domain::commit(txn).await?;
        Ok(user)
    })
    .await?;
    Ok(user)
}

/// End the cookie session of whoever is signed in on it (recording the logout when someone was).
pub async fn sign_out(
    db: &DatabaseConnection,
    session: &tower_sessions::Session,
    cfg: &AuthConfig,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    if let Some(user) = super::infra::session::signed_in(db, session, cfg).await? {
        audit::record(
            db,
            Some(user.id),
            "auth.logout",
            "user",
            Some(user.id),
            json!({}),
            meta,
        )
        .await?;
    }
    super::infra::session::sign_out(session).await
}

/// An admin creates an employee (or a super admin an admin) account from the user management screen. Clients sign
/// up themselves: that role is refused here, whoever asks.
pub async fn create_staff(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    account: NewAccount,
    meta: &RequestMeta,
) -> Result<crate::api::UserSummary, AppError> {
    if role == Role::Client {
        return Err(AppError::field("role", "Clients sign up themselves."));
    }
    let u = create_user(db, Some(actor), role, account, meta).await?;
    Ok(crate::api::UserSummary {
        id: u.id,
        email: u.email,
        first_name: u.first_name,
        last_name: u.last_name,
        role,
        is_active: u.is_active,
        created_at: u.created_at,
        mfa_enabled: false,
    })
}

/// An admin (or the command line, with no actor) creates an employee, admin or super admin account.
pub async fn create_user(
    db: &DatabaseConnection,
    actor: Option<&Actor>,
    role: Role,
    account: NewAccount,
    meta: &RequestMeta,
) -> Result<users::Model, AppError> {
    if let Some(actor) = actor {
        if !may_manage_user(actor.role, role) {
            return Err(AppError::forbidden(format!(
                "You do not have permission to create {} accounts.",
                role.label().to_lowercase()
            )));
        }
    }
    ensure_email_free(db, &account.email).await?;
    let hash = password::hash(account.password.expose().to_string()).await?;
    let user = crate::domain::retrying(|| async {
        let txn = super::begin_write(db).await?;
        let user =
            insert_account(&txn, role, &account, hash.clone(), actor.map(|a| a.user_id)).await?;
        audit::record(
            &txn,
            actor.map(|a| a.user_id),
            "user.create",
            "user",
            Some(user.id),
            json!({"role": role.as_str(), "email": user.email}),
            meta,
        )
        .await?;
        crate::domain::commit(txn).await?;
        Ok(user)
    })
    .await?;
    Ok(user)
}

/// Check credentials, with throttling per account and per IP. An unknown email and a wrong password get the same
/// answer after the same work. For a user with two-step sign-in this is only the first step: the caller asks for the
/// code next (`mfa::login_code`) and signs in only after it.
pub async fn login(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    email: &str,
    password_input: &str,
    meta: &RequestMeta,
) -> Result<users::Model, AppError> {
    let email = Email::parse(email).map_err(|m| AppError::field("email", m))?;
    if password_input.is_empty() {
        return Err(AppError::field("password", "Enter your password."));
    }
    let t = now();
    throttle::hit(
        db,
        &cfg.rates,
        Limited::Login,
        Whom::Address(meta.ip.as_deref()),
        t,
    )
    .await?;
    let account_key = throttle::account_key(email.as_str());
    let ip_key = meta.ip.as_deref().map(throttle::ip_key);
    let mut keys = vec![(account_key.clone(), cfg.throttle.account_max_failures)];
    keys.extend(ip_key.clone().map(|k| (k, cfg.throttle.ip_max_failures)));
    throttle::attempt(db, &keys, &cfg.throttle, t).await?;

    let user = find_by_email(db, &email).await?;
    // Longer than any valid password: skip the expensive hash, the answer is the same either way.
    let ok = if password_input.chars().count() > PASSWORD_MAX {
        false
    } else {
        password::verify(
            password_input.to_string(),
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await?
    };

    match user {
        // A deactivated account gets the same answer as a wrong password: nothing tells a guesser that the
        // password was right.
        Some(user) if ok && user.is_active => {
            // With two-step sign-in, the attempt stays counted until its code is right too (`mfa::login_code`):
            // a right password alone does not reset the account's throttle for code guessing.
            let action = if user.mfa_enabled_at.is_some() {
                "auth.login_password"
            } else {
                throttle::succeeded(db, &account_key, ip_key.as_slice()).await?;
                "auth.login"
            };
            audit::record(
                db,
                Some(user.id),
                action,
                "user",
                Some(user.id),
                json!({}),
                meta,
            )
            .await?;
            Ok(user)
        }
        user => {
            // Already counted by `attempt`.
            audit::record(
                db,
                user.as_ref().map(|u| u.id),
                "auth.login_failed",
                "user",
                user.as_ref().map(|u| u.id),
                json!({"email": email.as_str()}),
                meta,
            )
            .await?;
            Err(AppError::InvalidCredentials)
        }
    }
}

/// Deactivate or reactivate a user. Deactivation ends all of their sessions at once.
pub async fn set_active(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    user_id: Uuid,
    active: bool,
    meta: &RequestMeta,
) -> Result<users::Model, AppError> {
    let user = crate::domain::retrying(|| async {
        let txn = super::begin_write(db).await?;
        let target = users::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::not_found("No such user."))?;
        let target_role = target.role;
        if !may_manage_user(actor.role, target_role) {
            drop(txn);
            let attempted = if active {
                "user.reactivate"
            } else {
                "user.deactivate"
            };
            return Err(audit::denied(
                db,
                actor,
                attempted,
                "user",
                Some(user_id),
                meta,
                "You do not have permission to change this account.",
            )
            .await);
        }
        if actor.user_id == user_id && !active {
            return Err(AppError::conflict(
                "You cannot deactivate your own account.",
            ));
        }
        let mut am: users::ActiveModel = target.into();
        am.is_active = Set(active);
        am.updated_at = Set(now());
        let user = am.update(&txn).await?;
        if !active {
            end_sessions_of(&txn, user_id, None).await?;
            super::infra::tokens::revoke_all_of(&txn, user_id, None).await?;
        }
        // An employee's unfinished jobs must not wait for someone who can no longer sign in; one who is back takes
        // waiting jobs of their clients.
        if target_role == Role::Employee {
            if let Some(e) = super::access::employee_of(&txn, user_id).await? {
                if active {
                    super::assignments::distribute_for(&txn, e.id, meta).await?;
                } else {
                    super::assignments::release_jobs_of(
                        &txn,
                        actor,
                        e.id,
                        "employee deactivated",
                        meta,
                    )
                    .await?;
                }
            }
        }
        audit::record(
            &txn,
            Some(actor.user_id),
            if active {
                "user.reactivate"
            } else {
                "user.deactivate"
            },
            "user",
            Some(user_id),
            json!({}),
            meta,
        )
        .await?;
        crate::domain::commit(txn).await?;
        Ok(user)
    })
    .await?;
    // An employee's jobs may have moved: refresh them and everyone of the clients they serve.
    if let Ok(Some(e)) = super::access::employee_of(db, user.id).await {
        events.employee_changed(db, e.id).await;
    }
    Ok(user)
}

/// The signed-in user as the UI sees them.
pub async fn current_user_view<C: ConnectionTrait>(
    db: &C,
    user: &users::Model,
) -> Result<CurrentUser, AppError> {
    let role = user.role;
    let client_activated = if role == Role::Client {
        let c = clients::Entity::find()
            .filter(clients::Column::UserId.eq(user.id))
            .one(db)
            .await?;
        Some(c.is_some_and(|c| c.is_activated))
    } else {
        None
    };
    Ok(CurrentUser {
        id: user.id,
        email: user.email.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        role,
        client_activated,
        email_verified: user.email_verified_at.is_some(),
        mfa_enabled: user.mfa_enabled_at.is_some(),
        // Set by who serves the dashboard (it knows the configuration): a REST sign-in is never in that state.
        mfa_setup_required: false,
    })
}
