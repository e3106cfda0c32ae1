//! Server functions: resumes.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{resumes::*, *};

/// The caller's own resumes (clients), or a given client's (their employees, admins).
#[server(prefix = "/rpc", endpoint = "resumes/get", output = crate::rpc::codec::JsonOut)]
pub async fn get_resumes(client_id: Option<Uuid>) -> Result<Resumes, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::resumes::get(&state.db, &actor, client_id, &meta).await
    })
    .await
}

/// Save the caller's resume profile (clients).
#[server(prefix = "/rpc", endpoint = "resumes/profile", input = leptos::server_fn::codec::Json, output = crate::rpc::codec::JsonOut)]
pub async fn save_resume_profile(profile: ResumeProfile) -> Result<Resumes, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::resumes::save_profile(&state.db, &actor, profile, &meta).await
    })
    .await
}

/// Delete one of the caller's resume types and its file (clients).
#[server(prefix = "/rpc", endpoint = "resumes/delete", output = crate::rpc::codec::JsonOut)]
pub async fn delete_resume_type(id: Uuid) -> Result<(), AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::resumes::delete_type(&state.db, &*state.storage, &actor, id, &meta).await
    })
    .await
}
