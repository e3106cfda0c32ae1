//! The one authorization policy: the spec's permissions matrix, and the rules derived from it.
//!
//! | Resource            | Super Admin | Admin   | Client   | Employee |
//! |---------------------|-------------|---------|----------|----------|
//! | User Management     | Full        | Limited | -        | -        |
//! | Client Activation   | Full        | Full    | -        | -        |
//! | Employee Assignment | Full        | Full    | -        | -        |
//! | Job Delegation      | View        | View    | Create   | -        |
//! | Job Processing      | View        | View    | -        | Process  |
//! | Resume Management   | View        | View    | Full     | View     |
//! | Analytics           | Full        | Basic   | Personal | Personal |
//! | System Settings     | Full        | -       | -        | -        |
//!
//! "Full" for a client or "Personal" always means *their own* data; "View"/"Process" for an employee means the data
//! of clients assigned to them. Those ownership checks are made by the services against the loaded rows.

use crate::api::{AppError, Role};

use super::Actor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    UserManagement,
    ClientActivation,
    EmployeeAssignment,
    JobDelegation,
    JobProcessing,
    ResumeManagement,
    Analytics,
    SystemSettings,
    /// API keys and webhooks for other tools.
    Integrations,
}

/// What a role may do with a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    None,
    View,
    Create,
    Process,
    /// Admins manage clients and employees, not other admins.
    Limited,
    Basic,
    Personal,
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Create,
    Update,
    Delete,
    Process,
}

/// The matrix, cell by cell.
pub fn access(role: Role, resource: Resource) -> Access {
    use Access as A;
    use Resource as R;
    match (role, resource) {
        (Role::SuperAdmin, R::JobDelegation | R::JobProcessing | R::ResumeManagement) => A::View,
        (Role::SuperAdmin, _) => A::Full,

        (Role::Admin, R::UserManagement) => A::Limited,
        (Role::Admin, R::ClientActivation | R::EmployeeAssignment) => A::Full,
        (Role::Admin, R::JobDelegation | R::JobProcessing | R::ResumeManagement) => A::View,
        (Role::Admin, R::Analytics) => A::Basic,
        (Role::Admin, R::SystemSettings) => A::None,
        (Role::Admin, R::Integrations) => A::Full,

        (Role::Client, R::JobDelegation) => A::Create,
        (Role::Client, R::ResumeManagement) => A::Full,
        (Role::Client, R::Analytics) => A::Personal,
        (Role::Client, _) => A::None,

        (Role::Employee, R::JobProcessing) => A::Process,
        (Role::Employee, R::ResumeManagement) => A::View,
        (Role::Employee, R::Analytics) => A::Personal,
        (Role::Employee, _) => A::None,
    }
}

/// Whether an access level permits an action (before any ownership check).
pub fn permits(access: Access, action: Action) -> bool {
    match access {
        Access::None => false,
        Access::Full => true,
        Access::Limited => !matches!(action, Action::Process),
        Access::View | Access::Basic | Access::Personal => action == Action::View,
        // A client creates delegations and sees (and cancels) their own.
        Access::Create => matches!(action, Action::View | Action::Create | Action::Update),
        Access::Process => matches!(action, Action::View | Action::Process),
    }
}

pub fn allows(role: Role, resource: Resource, action: Action) -> bool {
    permits(access(role, resource), action)
}

/// Refuse unless the actor's role permits the action on the resource.
pub fn require(actor: &Actor, resource: Resource, action: Action) -> Result<(), AppError> {
    if allows(actor.role, resource, action) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "You do not have permission to do that.",
        ))
    }
}

/// Which accounts an actor may create, deactivate or reactivate: super admins anyone, admins (Limited) clients and
/// employees only.
pub fn may_manage_user(actor: Role, target: Role) -> bool {
    match access(actor, Resource::UserManagement) {
        Access::Full => true,
        Access::Limited => matches!(target, Role::Client | Role::Employee),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! cell {
        ($name:ident: $role:ident, $res:ident => $access:ident) => {
            #[test]
            fn $name() {
                assert_eq!(access(Role::$role, Resource::$res), Access::$access);
            }
        };
    }

    cell!(super_admin_user_management_full: SuperAdmin, UserManagement => Full);
    cell!(super_admin_client_activation_full: SuperAdmin, ClientActivation => Full);
    cell!(super_admin_employee_assignment_full: SuperAdmin, EmployeeAssignment => Full);
    cell!(super_admin_job_delegation_view: SuperAdmin, JobDelegation => View);
    cell!(super_admin_job_processing_view: SuperAdmin, JobProcessing => View);
    cell!(super_admin_resume_management_view: SuperAdmin, ResumeManagement => View);
    cell!(super_admin_analytics_full: SuperAdmin, Analytics => Full);
    cell!(super_admin_system_settings_full: SuperAdmin, SystemSettings => Full);

    cell!(admin_user_management_limited: Admin, UserManagement => Limited);
    cell!(admin_client_activation_full: Admin, ClientActivation => Full);
    cell!(admin_employee_assignment_full: Admin, EmployeeAssignment => Full);
    cell!(admin_job_delegation_view: Admin, JobDelegation => View);
    cell!(admin_job_processing_view: Admin, JobProcessing => View);
    cell!(admin_resume_management_view: Admin, ResumeManagement => View);
    cell!(admin_analytics_basic: Admin, Analytics => Basic);
    cell!(admin_system_settings_none: Admin, SystemSettings => None);
    cell!(admin_integrations_full: Admin, Integrations => Full);
    cell!(client_integrations_none: Client, Integrations => None);
    cell!(employee_integrations_none: Employee, Integrations => None);

    cell!(client_user_management_none: Client, UserManagement => None);
    cell!(client_client_activation_none: Client, ClientActivation => None);
    cell!(client_employee_assignment_none: Client, EmployeeAssignment => None);
    cell!(client_job_delegation_create: Client, JobDelegation => Create);
    cell!(client_job_processing_none: Client, JobProcessing => None);
    cell!(client_resume_management_full: Client, ResumeManagement => Full);
    cell!(client_analytics_personal: Client, Analytics => Personal);
    cell!(client_system_settings_none: Client, SystemSettings => None);

    cell!(employee_user_management_none: Employee, UserManagement => None);
    cell!(employee_client_activation_none: Employee, ClientActivation => None);
    cell!(employee_employee_assignment_none: Employee, EmployeeAssignment => None);
    cell!(employee_job_delegation_none: Employee, JobDelegation => None);
    cell!(employee_job_processing_process: Employee, JobProcessing => Process);
    cell!(employee_resume_management_view: Employee, ResumeManagement => View);
    cell!(employee_analytics_personal: Employee, Analytics => Personal);
    cell!(employee_system_settings_none: Employee, SystemSettings => None);

    #[test]
    fn view_only_roles_cannot_change_what_they_see() {
        assert!(allows(Role::Admin, Resource::JobDelegation, Action::View));
        assert!(!allows(
            Role::Admin,
            Resource::JobDelegation,
            Action::Create
        ));
        assert!(!allows(
            Role::Employee,
            Resource::ResumeManagement,
            Action::Update
        ));
        assert!(!allows(
            Role::Employee,
            Resource::JobDelegation,
            Action::Create
        ));
        assert!(allows(
            Role::Employee,
            Resource::JobProcessing,
            Action::Process
        ));
        assert!(!allows(
            Role::Client,
            Resource::JobProcessing,
            Action::Process
        ));
    }

    #[test]
    fn admins_manage_clients_and_employees_but_not_admins() {
        assert!(may_manage_user(Role::Admin, Role::Client));
        assert!(may_manage_user(Role::Admin, Role::Employee));
        assert!(!may_manage_user(Role::Admin, Role::Admin));
        assert!(!may_manage_user(Role::Admin, Role::SuperAdmin));
        assert!(may_manage_user(Role::SuperAdmin, Role::Admin));
        assert!(!may_manage_user(Role::Client, Role::Client));
        assert!(!may_manage_user(Role::Employee, Role::Client));
    }
}
