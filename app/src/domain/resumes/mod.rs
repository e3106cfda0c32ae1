//! Resume profiles (structured) and resume types (a name and a PDF). Clients own theirs; employees assigned to the
//! client and admins may read them.

mod profile;
mod upload;

pub use profile::clean_profile;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
pub use upload::{clean_file_name, looks_like_pdf, upload, Upload};
use uuid::Uuid;

use super::{
    access, audit,
    entities::{resume_profiles, resume_types},
    infra::storage::Storage,
    now, Actor, RequestMeta,
};
use crate::api::{
    resumes::{ResumeProfile, ResumeTypeView, Resumes},
    AppError, Role,
};

const SUMMARY_MAX: usize = 5000;
const TEXT_MAX: usize = 200;
const DESCRIPTION_MAX: usize = 3000;
const ENTRIES_MAX: usize = 30;
const SKILLS_MAX: usize = 100;
const SKILL_MAX: usize = 60;
pub const TYPE_NAME_MAX: usize = 100;

/// What `resume_profiles.contact_info` holds: the contact details, and the answers to common application questions
/// under `answers`.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct StoredContact {
    #[serde(flatten)]
    contact: crate::api::resumes::ContactInfo,
    #[serde(default)]
    answers: crate::api::resumes::ApplicationAnswers,
}

fn profile_of(row: &resume_profiles::Model) -> ResumeProfile {
    let stored: StoredContact =
        serde_json::from_value(row.contact_info.clone()).unwrap_or_default();
    ResumeProfile {
        summary: row.professional_summary.clone(),
        experience: serde_json::from_value(row.experience.clone()).unwrap_or_default(),
        education: serde_json::from_value(row.education.clone()).unwrap_or_default(),
        skills: serde_json::from_value(row.skills.clone()).unwrap_or_default(),
        contact: stored.contact,
        answers: stored.answers,
    }
}

fn type_view(t: resume_types::Model) -> ResumeTypeView {
    ResumeTypeView {
        id: t.id,
        name: t.name,
        file_name: t.file_name,
        file_size: t.file_size,
        uploaded_at: t.uploaded_at,
    }
}

async fn profile_row<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
) -> Result<Option<resume_profiles::Model>, AppError> {
    Ok(resume_profiles::Entity::find()
        .filter(resume_profiles::Column::ClientId.eq(client_id))
        .one(db)
        .await?)
}

/// The client's profile row, created empty on first use.
async fn ensure_profile<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
) -> Result<resume_profiles::Model, AppError> {
    if let Some(p) = profile_row(db, client_id).await? {
        return Ok(p);
    }
    let t = now();
    Ok(resume_profiles::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client_id),
        professional_summary: Set(String::new()),
        experience: Set(json!([])),
        education: Set(json!([])),
        skills: Set(json!([])),
        contact_info: Set(json!({})),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(db)
    .await?)
}

async fn bundle<C: ConnectionTrait>(db: &C, client_id: Uuid) -> Result<Resumes, AppError> {
    let row = profile_row(db, client_id).await?;
    let types = match &row {
        Some(p) => resume_types::Entity::find()
            .filter(resume_types::Column::ResumeProfileId.eq(p.id))
            .order_by_asc(resume_types::Column::Name)
            .all(db)
            .await?
            .into_iter()
            .map(type_view)
            .collect(),
        None => Vec::new(),
    };
    Ok(Resumes {
        client_id,
        profile: row.as_ref().map(profile_of).unwrap_or_default(),
        updated_at: row.map(|r| r.updated_at),
        types,
    })
}

/// The caller's own resumes (clients, `client_id` empty or their own), or a client's (admins, assigned employees).
pub async fn get(
    db: &DatabaseConnection,
    actor: &Actor,
    client_id: Option<Uuid>,
    meta: &RequestMeta,
) -> Result<Resumes, AppError> {
    let target = match (actor.role, client_id) {
        (Role::Client, None) => access::client_of(db, actor.user_id).await?.map(|c| c.id),
        (_, id) => id,
    };
    let Some(target) = target else {
        return Err(AppError::field("client_id", "Choose a client."));
    };
    if !access::may_read_client(db, actor, target).await? {
        return Err(audit::denied(
            db,
            actor,
            "resume.view",
            "client",
            Some(target),
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    bundle(db, target).await
}

pub async fn save_profile(
    db: &DatabaseConnection,
    actor: &Actor,
    profile: ResumeProfile,
    meta: &RequestMeta,
) -> Result<Resumes, AppError> {
    let client =
        access::require_client(db, actor, "resume.profile_update", "resume_profile", meta).await?;
    let p = clean_profile(profile)?;
    crate::domain::retrying(|| async {
        let txn = super::begin_write(db).await?;
        let row = ensure_profile(&txn, client.id).await?;
        let mut am: resume_profiles::ActiveModel = row.into();
        am.professional_summary = Set(p.summary.clone());
        am.experience = Set(json!(p.experience));
        am.education = Set(json!(p.education));
        am.skills = Set(json!(p.skills));
        am.contact_info = Set(json!(StoredContact {
            contact: p.contact.clone(),
            answers: p.answers.clone(),
        }));
        am.updated_at = Set(now());
        let row = am.update(&txn).await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "resume.profile_update",
            "resume_profile",
            Some(row.id),
            json!({"experience": p.experience.len(), "education": p.education.len(), "skills": p.skills.len()}),
            meta,
        )
        .await?;
        crate::domain::commit(txn).await?;
        Ok(())
    })
    .await?;
    bundle(db, client.id).await
}

/// The most answers a profile keeps for next time; past it, the oldest go.
pub const SAVED_MAX: usize = 200;

/// Keep the client's answers (question, answer) in their profile for the next form that asks, each replacing an
/// earlier answer to the same question (case and spacing aside). Runs in the caller's transaction.
pub async fn save_answers<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
    answers: &[(String, String)],
) -> Result<(), AppError> {
    if answers.is_empty() {
        return Ok(());
    }
    let row = ensure_profile(db, client_id).await?;
    // A stored value that cannot be read is an error, not an empty profile: saving over it would erase it.
    let mut stored: StoredContact =
        serde_json::from_value(row.contact_info.clone()).map_err(|e| {
            tracing::error!(error = %e, client = %client_id, "unreadable contact_info");
            AppError::Internal
        })?;
    for (question, answer) in answers {
        stored.answers.save(question, answer);
    }
    let excess = stored.answers.saved.len().saturating_sub(SAVED_MAX);
    stored.answers.saved.drain(..excess);
    let mut am: resume_profiles::ActiveModel = row.into();
    am.contact_info = Set(json!(stored));
    am.updated_at = Set(now());
    am.update(db).await?;
    Ok(())
}

/// The resume type, if the actor owns it (clients); otherwise a logged refusal.
async fn own_type(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    attempted: &str,
    meta: &RequestMeta,
) -> Result<resume_types::Model, AppError> {
    let client = access::require_client(db, actor, attempted, "resume_type", meta).await?;
    let row = resume_types::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("No such resume."))?;
    let profile = profile_row(db, client.id).await?;
    if profile.is_some_and(|p| p.id == row.resume_profile_id) {
        Ok(row)
    } else {
        Err(audit::denied(
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
}

/// Delete a resume type and its file. Jobs that used it keep their other details (the link becomes empty).
pub async fn delete_type(
    db: &DatabaseConnection,
    storage: &dyn Storage,
    actor: &Actor,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let row = own_type(db, actor, id, "resume.delete", meta).await?;
    crate::domain::retrying(|| async {
        let txn = super::begin_write(db).await?;
        resume_types::Entity::delete_by_id(row.id)
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "resume.delete",
            "resume_type",
            Some(row.id),
            json!({"name": row.name, "file_name": row.file_name}),
            meta,
        )
        .await?;
        crate::domain::commit(txn).await?;
        Ok(())
    })
    .await?;
    if let Err(e) = storage.delete(&row.file_path).await {
        tracing::warn!(error = %e, "could not remove a deleted resume's file");
    }
    Ok(())
}

/// The PDF of a resume type, for its client, admins and employees assigned to the client.
pub async fn download(
    db: &DatabaseConnection,
    storage: &dyn Storage,
    actor: &Actor,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<(String, Vec<u8>), AppError> {
    let row = resume_types::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("No such resume."))?;
    let profile = resume_profiles::Entity::find_by_id(row.resume_profile_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("No such resume."))?;
    if !access::may_read_client(db, actor, profile.client_id).await? {
        return Err(audit::denied(
            db,
            actor,
            "resume.download",
            "resume_type",
            Some(id),
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    let bytes = storage.get(&row.file_path).await?;
    Ok((row.file_name, bytes))
}

/// The client's resume type with this id, for a delegation (`None` when it is not theirs).
pub async fn type_of_client<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
    id: Uuid,
) -> Result<Option<resume_types::Model>, AppError> {
    let of_client = sea_orm::sea_query::Query::select()
        .column(resume_profiles::Column::Id)
        .from(resume_profiles::Entity)
        .and_where(resume_profiles::Column::ClientId.eq(client_id))
        .to_owned();
    Ok(resume_types::Entity::find_by_id(id)
        .filter(resume_types::Column::ResumeProfileId.in_subquery(of_client))
        .one(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::resumes::{ContactInfo, Experience};

    #[test]
    fn pdf_is_checked_by_content() {
        assert!(looks_like_pdf(
            b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
        ));
        assert!(!looks_like_pdf(b"\x89PNG\r\n\x1a\n%%EOF"));
        assert!(!looks_like_pdf(b"%PDF-1.7 but cut short"));
        assert!(!looks_like_pdf(b"hello %PDF-1.4 %%EOF"));
        assert!(!looks_like_pdf(b""));
    }

    #[test]
    fn file_names_are_cleaned() {
        assert_eq!(clean_file_name("C:\\Users\\me\\cv.pdf"), "cv.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd.pdf");
        assert_eq!(clean_file_name("a\"b;\n.pdf"), "ab.pdf");
        assert_eq!(clean_file_name(""), "resume.pdf");
    }

    #[test]
    fn profile_cleaning_drops_blanks_and_names_bad_fields() {
        let p = ResumeProfile {
            summary: "  Engineer ".into(),
            experience: vec![
                Experience::default(),
                Experience {
                    title: "Dev".into(),
                    ..Default::default()
                },
            ],
            skills: vec!["Rust".into(), " rust ".into(), "".into(), "SQL".into()],
            contact: ContactInfo {
                email: "nope".into(),
                website: "javascript:alert(1)".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let err = clean_profile(p.clone()).unwrap_err();
        assert!(err.field_message("experience.0.company").is_some());
        assert!(err.field_message("experience.0.title").is_none());
        assert!(err.field_message("contact.email").is_some());
        assert!(err.field_message("contact.website").is_some());
        let mut ok = p;
        ok.experience[1].company = "Acme".into();
        ok.contact.email = "me@example.com".into();
        ok.contact.website = "https://me.example.com".into();
        let ok = clean_profile(ok).unwrap();
        assert_eq!(ok.summary, "Engineer");
        assert_eq!(ok.experience.len(), 1);
        assert_eq!(ok.skills, vec!["Rust".to_string(), "SQL".to_string()]);
    }
}
