//! Resume profiles (structured) and resume types (a name and a PDF). Clients own theirs; employees assigned to the
//! client and admins may read them.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, SqlErr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    access, audit,
    entities::{resume_profiles, resume_types},
    now,
    storage::{new_key, Storage},
    Actor, RequestMeta,
};
use crate::api::{
    resumes::{ResumeProfile, ResumeTypeView, Resumes, RESUME_MAX_BYTES},
    AppError, FieldError, Role,
};

const SUMMARY_MAX: usize = 5000;
const TEXT_MAX: usize = 200;
const DESCRIPTION_MAX: usize = 3000;
const ENTRIES_MAX: usize = 30;
const SKILLS_MAX: usize = 100;
const SKILL_MAX: usize = 60;
pub const TYPE_NAME_MAX: usize = 100;

fn too_long(fields: &mut Vec<FieldError>, field: String, value: &str, max: usize) {
    if value.chars().count() > max {
        fields.push(FieldError {
            field,
            message: format!("Use at most {max} characters."),
        });
    }
}

fn required(fields: &mut Vec<FieldError>, field: String, value: &str, what: &str) {
    if value.trim().is_empty() {
        fields.push(FieldError {
            field,
            message: format!("Enter the {what}."),
        });
    }
}

fn web_address(fields: &mut Vec<FieldError>, field: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    let ok = url::Url::parse(value)
        .map(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .unwrap_or(false);
    if !ok {
        fields.push(FieldError {
            field: field.into(),
            message: "Enter a full web address starting with https://.".into(),
        });
    }
}

/// Trim every text, drop empty entries and repeated skills, then check lengths. Field names are the form's:
/// `summary`, `experience.2.title`, `skills`, `contact.email`, ...
pub fn clean_profile(mut p: ResumeProfile) -> Result<ResumeProfile, AppError> {
    let t = |s: &mut String| *s = s.trim().to_string();
    t(&mut p.summary);
    for e in &mut p.experience {
        for s in [
            &mut e.title,
            &mut e.company,
            &mut e.location,
            &mut e.start,
            &mut e.end,
            &mut e.description,
        ] {
            t(s);
        }
    }
    p.experience.retain(|e| {
        !(e.title.is_empty()
            && e.company.is_empty()
            && e.location.is_empty()
            && e.start.is_empty()
            && e.end.is_empty()
            && e.description.is_empty())
    });
    for e in &mut p.education {
        for s in [
            &mut e.school,
            &mut e.degree,
            &mut e.field,
            &mut e.start,
            &mut e.end,
        ] {
            t(s);
        }
    }
    p.education.retain(|e| {
        !(e.school.is_empty()
            && e.degree.is_empty()
            && e.field.is_empty()
            && e.start.is_empty()
            && e.end.is_empty())
    });
    let mut skills: Vec<String> = Vec::new();
    for s in p.skills.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !skills.iter().any(|k| k.eq_ignore_ascii_case(s)) {
            skills.push(s.to_string());
        }
    }
    p.skills = skills;
    for s in [
        &mut p.contact.email,
        &mut p.contact.phone,
        &mut p.contact.location,
        &mut p.contact.linkedin,
        &mut p.contact.website,
    ] {
        t(s);
    }

    let mut f = Vec::new();
    too_long(&mut f, "summary".into(), &p.summary, SUMMARY_MAX);
    if p.experience.len() > ENTRIES_MAX {
        f.push(FieldError {
            field: "experience".into(),
            message: format!("List at most {ENTRIES_MAX} positions."),
        });
    }
    for (i, e) in p.experience.iter().enumerate() {
        required(
            &mut f,
            format!("experience.{i}.title"),
            &e.title,
            "job title",
        );
        required(
            &mut f,
            format!("experience.{i}.company"),
            &e.company,
            "company",
        );
        for (name, v) in [
            ("title", &e.title),
            ("company", &e.company),
            ("location", &e.location),
            ("start", &e.start),
            ("end", &e.end),
        ] {
            too_long(&mut f, format!("experience.{i}.{name}"), v, TEXT_MAX);
        }
        too_long(
            &mut f,
            format!("experience.{i}.description"),
            &e.description,
            DESCRIPTION_MAX,
        );
    }
    if p.education.len() > ENTRIES_MAX {
        f.push(FieldError {
            field: "education".into(),
            message: format!("List at most {ENTRIES_MAX} schools."),
        });
    }
    for (i, e) in p.education.iter().enumerate() {
        required(&mut f, format!("education.{i}.school"), &e.school, "school");
        for (name, v) in [
            ("school", &e.school),
            ("degree", &e.degree),
            ("field", &e.field),
            ("start", &e.start),
            ("end", &e.end),
        ] {
            too_long(&mut f, format!("education.{i}.{name}"), v, TEXT_MAX);
        }
    }
    if p.skills.len() > SKILLS_MAX {
        f.push(FieldError {
            field: "skills".into(),
            message: format!("List at most {SKILLS_MAX} skills."),
        });
    }
    if let Some(s) = p.skills.iter().find(|s| s.chars().count() > SKILL_MAX) {
        f.push(FieldError {
            field: "skills".into(),
            message: format!("Keep each skill under {SKILL_MAX} characters (\"{s}\" is longer)."),
        });
    }
    if !p.contact.email.is_empty() && crate::api::validate::Email::parse(&p.contact.email).is_err()
    {
        f.push(FieldError {
            field: "contact.email".into(),
            message: "Enter a valid email address.".into(),
        });
    }
    for (name, v) in [
        ("contact.phone", &p.contact.phone),
        ("contact.location", &p.contact.location),
    ] {
        too_long(&mut f, name.into(), v, TEXT_MAX);
    }
    web_address(&mut f, "contact.linkedin", &p.contact.linkedin);
    web_address(&mut f, "contact.website", &p.contact.website);
    for (name, v) in [
        ("contact.linkedin", &p.contact.linkedin),
        ("contact.website", &p.contact.website),
    ] {
        too_long(&mut f, name.into(), v, 500);
    }
    if f.is_empty() {
        Ok(p)
    } else {
        Err(AppError::fields(f))
    }
}

fn profile_of(row: &resume_profiles::Model) -> ResumeProfile {
    ResumeProfile {
        summary: row.professional_summary.clone(),
        experience: serde_json::from_value(row.experience.clone()).unwrap_or_default(),
        education: serde_json::from_value(row.education.clone()).unwrap_or_default(),
        skills: serde_json::from_value(row.skills.clone()).unwrap_or_default(),
        contact: serde_json::from_value(row.contact_info.clone()).unwrap_or_default(),
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
    let txn = super::begin_write(db).await?;
    let row = ensure_profile(&txn, client.id).await?;
    let mut am: resume_profiles::ActiveModel = row.into();
    am.professional_summary = Set(p.summary.clone());
    am.experience = Set(json!(p.experience));
    am.education = Set(json!(p.education));
    am.skills = Set(json!(p.skills));
    am.contact_info = Set(json!(p.contact));
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
    txn.commit().await?;
    bundle(db, client.id).await
}

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
    too_long(&mut f, "name".into(), &name, TYPE_NAME_MAX);
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
    let written: Result<resume_types::Model, AppError> = async {
        let txn = super::begin_write(db).await?;
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
        txn.commit().await?;
        Ok(row)
    }
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
    txn.commit().await?;
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
    let Some(row) = resume_types::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let profile = resume_profiles::Entity::find_by_id(row.resume_profile_id)
        .one(db)
        .await?;
    Ok(profile.filter(|p| p.client_id == client_id).map(|_| row))
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
