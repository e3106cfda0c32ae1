//! Resume files: checked by content, named safely, stored before their row and replaced after it commits.

use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set, SqlErr};
use serde_json::json;
use uuid::Uuid;

use crate::api::{
    resumes::{ResumeTypeView, RESUME_MAX_BYTES},
    AppError, FieldError,
};
use crate::domain::{
    access, audit,
    entities::resume_types,
    infra::storage::{new_key, Storage},
    now, Actor, RequestMeta,
};

use super::*;

/// A real PDF by content: the `%PDF-1.x`/`%PDF-2.0` header at the start and an `%%EOF` marker near the end (a
/// renamed image or text file has neither).
pub fn looks_like_pdf(bytes: &[u8]) -> bool {
    let header = bytes.len() >= 8
        && bytes.starts_with(b"%PDF-")
        && matches!(bytes[5], b'1' | b'2')
        && bytes[6] == b'.'
        && bytes[7].is_ascii_digit();
    let tail = &bytes[bytes.len().saturating_sub(2048)..];
    header && tail.windows(5).any(|w| w == b"%%EOF")
}

/// The name the file is offered under: the base name the browser sent, without control characters or quotes,
/// ending in `.pdf`.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(200)
        .collect();
    clean = clean.trim().to_string();
    if clean.is_empty() {
        clean = "resume.pdf".into();
    }
    if !clean.to_ascii_lowercase().ends_with(".pdf") {
        clean.push_str(".pdf");
    }
    clean
}

/// What the browser uploaded.
pub struct Upload {
    pub name: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Replace the PDF (and possibly the name) of this existing resume type.
    pub replace: Option<Uuid>,
}

/// Add a resume type, or replace one's PDF. The file is stored first under a new key; the row is then written in
/// one transaction; the old file is removed only after that commits. A failure leaves the previous state intact.
pub async fn upload(
    db: &DatabaseConnection,
    storage: &dyn Storage,
    limits: &crate::domain::infra::limits::RateConfig,
    actor: &Actor,
    up: Upload,
    meta: &RequestMeta,
) -> Result<ResumeTypeView, AppError> {
    let attempted = if up.replace.is_some() {
        "resume.replace"
    } else {
        "resume.upload"
    };
    let client = access::require_client(db, actor, attempted, "resume_type", meta).await?;
    let name = up.name.trim().to_string();
    let mut f = Vec::new();
    if name.is_empty() {
        f.push(FieldError {
            field: "name".into(),
            message: "Name this resume, e.g. \"Software engineer\".".into(),
        });
    }
    super::profile::too_long(&mut f, "name".into(), &name, TYPE_NAME_MAX);
    if up.bytes.is_empty() {
        f.push(FieldError {
            field: "file".into(),
            message: "Choose a PDF file.".into(),
        });
    } else if up.bytes.len() > RESUME_MAX_BYTES {
        f.push(FieldError {
            field: "file".into(),
            message: "The file is larger than 10 MB.".into(),
        });
    } else if !looks_like_pdf(&up.bytes) {
        f.push(FieldError {
            field: "file".into(),
            message: "This file is not a PDF. Export your resume as PDF and try again.".into(),
        });
    }
    if !f.is_empty() {
        return Err(AppError::fields(f));
    }
    // Someone else's resume type (or a missing one) is refused before anything is stored.
    let existing = match up.replace {
        Some(id) => {
            let row = resume_types::Entity::find_by_id(id).one(db).await?;
            let profile = profile_row(db, client.id).await?;
            match (row, profile) {
                (Some(t), Some(p)) if t.resume_profile_id == p.id => Some(t),
                (Some(_), _) => {
                    return Err(audit::denied(
                        db,
                        actor,
                        attempted,
                        "resume_type",
                        Some(id),
                        meta,
                        audit::NOT_PERMITTED,
                    )
                    .await)
                }
                (None, _) => return Err(AppError::not_found("No such resume.")),
            }
        }
        None => None,
    };

    let key = new_key("resumes", "pdf");
    let size = up.bytes.len() as i64;
    storage.put(&key, up.bytes, "application/pdf").await?;
    let file_name = clean_file_name(&up.file_name);
    let written: Result<resume_types::Model, AppError> = crate::domain::retrying(|| async {
        let txn = crate::domain::begin_write(db).await?;
        crate::domain::quotas::check_resume(
            &txn,
            limits,
            &client,
            existing.as_ref().map(|t| t.id),
            size,
        )
        .await?;
        let profile = ensure_profile(&txn, client.id).await?;
        let row = match &existing {
            Some(t) => {
                let mut am: resume_types::ActiveModel = t.clone().into();
                am.name = Set(name.clone());
                am.file_path = Set(key.clone());
                am.file_name = Set(file_name.clone());
                am.file_size = Set(size);
                am.uploaded_at = Set(now());
                am.update(&txn).await
            }
            None => {
                resume_types::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    resume_profile_id: Set(profile.id),
                    name: Set(name.clone()),
                    file_path: Set(key.clone()),
                    file_name: Set(file_name.clone()),
                    file_size: Set(size),
                    uploaded_at: Set(now()),
                }
                .insert(&txn)
                .await
            }
        };
        let row = match row {
            Ok(r) => r,
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(AppError::field(
                    "name",
                    "You already have a resume with this name.",
                ))
            }
            Err(e) => return Err(e.into()),
        };
        audit::record(
            &txn,
            Some(actor.user_id),
            attempted,
            "resume_type",
            Some(row.id),
            json!({"name": row.name, "file_name": row.file_name, "size": size}),
            meta,
        )
        .await?;
        crate::domain::commit(txn).await?;
        Ok(row)
    })
    .await;
    match written {
        Ok(row) => {
            if let Some(old) = existing {
                if let Err(e) = storage.delete(&old.file_path).await {
                    tracing::warn!(error = %e, "could not remove a replaced resume file");
                }
            }
            Ok(type_view(row))
        }
        Err(e) => {
            if let Err(e) = storage.delete(&key).await {
                tracing::warn!(error = %e, "could not remove the file of a failed upload");
            }
            Err(e)
        }
    }
}
