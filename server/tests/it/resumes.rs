//! Issue 3: resume profiles and resume PDFs, stored locally or in S3, served only through authorizing handlers.

use std::sync::Arc;

use app::{api::Role, domain::entities::resume_types};
use reqwest::{multipart, Client, Response};
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::{both, helpers::*};

both!(
    a_client_keeps_a_structured_profile_that_their_employee_can_read,
    bad_profiles_get_field_errors,
    resume_pdfs_upload_replace_download_and_delete,
    fake_oversized_and_foreign_uploads_are_refused_and_nothing_is_written,
    only_the_client_their_employees_and_admins_download_a_resume,
    resumes_live_in_a_real_s3_bucket_when_configured,
);

pub(crate) async fn upload(
    app: &TestApp,
    c: &Client,
    name: &str,
    bytes: Vec<u8>,
    replace: Option<&str>,
) -> Response {
    let mut form = multipart::Form::new()
        .text("name", name.to_string())
        .part("file", multipart::Part::bytes(bytes).file_name("my cv.pdf"));
    if let Some(r) = replace {
        form = form.text("replace", r.to_string());
    }
    c.post(format!("{}/files/resumes", app.base))
        .header("origin", &app.base)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn profile() -> Value {
    json!({
        "summary": "Backend engineer",
        "experience": [{"title": "Engineer", "company": "Acme", "start": "2020-01", "description": "APIs"}],
        "education": [{"school": "State University", "degree": "BSc", "field": "CS"}],
        "skills": ["Rust", "SQL", "rust"],
        "contact": {"email": "jo@example.com", "phone": "+1 555 0100", "linkedin": "https://linkedin.com/in/jo"}
    })
}

async fn a_client_keeps_a_structured_profile_that_their_employee_can_read(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    app.activated_client("eve@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.employee("stranger@example.com").await;
    app.assign(cid, e1).await;

    let c = app.signed_in("jo@example.com").await;
    let empty: Value = app.rpc(&c, "resumes/get", &[]).await.json().await.unwrap();
    assert_eq!(empty["profile"]["experience"], json!([]));
    let res = app
        .rpc_json(&c, "resumes/profile", json!({"profile": profile()}))
        .await;
    assert_eq!(res.status(), 200);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["profile"]["skills"], json!(["Rust", "SQL"]));

    let e = app.signed_in("e1@example.com").await;
    let read: Value = app
        .rpc(&e, "resumes/get", &[("client_id", &cid.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["profile"]["experience"][0]["company"], "Acme");
    assert_eq!(read["profile"]["contact"]["phone"], "+1 555 0100");

    // Another client, an unassigned employee: refused and logged. Employees cannot write profiles.
    let eve = app.signed_in("eve@example.com").await;
    assert_eq!(
        app.rpc(&eve, "resumes/get", &[("client_id", &cid.to_string())])
            .await
            .status(),
        403
    );
    let s = app.signed_in("stranger@example.com").await;
    assert_eq!(
        app.rpc(&s, "resumes/get", &[("client_id", &cid.to_string())])
            .await
            .status(),
        403
    );
    assert_eq!(app.denials("resume.view").await, 2);
    assert_eq!(
        app.rpc_json(&e, "resumes/profile", json!({"profile": profile()}))
            .await
            .status(),
        403
    );
    assert_eq!(app.denials("resume.profile_update").await, 1);
    // Eve's own profile is untouched and separate.
    let own: Value = app
        .rpc(&eve, "resumes/get", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["profile"]["summary"], "");
}

async fn bad_profiles_get_field_errors(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.activated_client("jo@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let mut p = profile();
    p["experience"][0]["company"] = json!("");
    p["contact"]["email"] = json!("not-an-email");
    p["contact"]["website"] = json!("javascript:alert(1)");
    p["summary"] = json!("x".repeat(5001));
    let res = app
        .rpc_json(&c, "resumes/profile", json!({"profile": p}))
        .await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    let fields: Vec<&str> = err["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in [
        "summary",
        "experience.0.company",
        "contact.email",
        "contact.website",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    let stored: Value = app.rpc(&c, "resumes/get", &[]).await.json().await.unwrap();
    assert_eq!(stored["profile"]["summary"], "", "nothing written");
    assert_eq!(stored["profile"]["experience"], json!([]));
    let res = app
        .rpc_json(&c, "resumes/profile", json!({"profile": "raw json"}))
        .await;
    assert_eq!(res.status(), 400);
}

async fn resume_pdfs_upload_replace_download_and_delete(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.activated_client("jo@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let first = pdf(50_000);
    let res = upload(&app, &c, "Software engineer", first.clone(), None).await;
    assert_eq!(res.status(), 201);
    let rt: Value = res.json().await.unwrap();
    assert_eq!(rt["file_name"], "my cv.pdf");
    assert_eq!(rt["file_size"], first.len());
    let id = rt["id"].as_str().unwrap().to_string();

    let got = c
        .get(format!("{}/files/resumes/{id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "application/pdf");
    assert!(got.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(got.bytes().await.unwrap().to_vec(), first);

    // The same name twice is refused; another name is a second type.
    assert_eq!(
        upload(&app, &c, "Software engineer", pdf(1000), None)
            .await
            .status(),
        422
    );
    assert_eq!(
        upload(&app, &c, "Data analyst", pdf(1000), None)
            .await
            .status(),
        201
    );

    // Replace: new content under the same id, the old file gone from storage.
    let old_key = resume_types::Entity::find_by_id(uuid::Uuid::parse_str(&id).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .file_path;
    let second = pdf(70_000);
    let res = upload(&app, &c, "Software engineer", second.clone(), Some(&id)).await;
    assert_eq!(res.status(), 201);
    let got = c
        .get(format!("{}/files/resumes/{id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(got.bytes().await.unwrap().to_vec(), second);
    let storage = app.storage.clone();
    assert!(
        storage.get(&old_key).await.is_err(),
        "the replaced file is removed"
    );

    let listed: Value = app.rpc(&c, "resumes/get", &[]).await.json().await.unwrap();
    let names: Vec<&str> = listed["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Data analyst", "Software engineer"]);

    let key = resume_types::Entity::find_by_id(uuid::Uuid::parse_str(&id).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .file_path;
    assert_eq!(
        app.rpc(&c, "resumes/delete", &[("id", &id)]).await.status(),
        200
    );
    assert!(
        storage.get(&key).await.is_err(),
        "the deleted file is removed"
    );
    assert_eq!(
        c.get(format!("{}/files/resumes/{id}", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(app.count("resume_types").await, 1);
}

async fn fake_oversized_and_foreign_uploads_are_refused_and_nothing_is_written(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.activated_client("jo@example.com").await;
    app.activated_client("eve@example.com").await;
    app.employee("e1@example.com").await;
    let c = app.signed_in("jo@example.com").await;

    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR renamed to .pdf".to_vec();
    let res = upload(&app, &c, "Fake", png, None).await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["fields"][0]["field"], "file");
    assert!(err["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not a PDF"));

    let res = upload(&app, &c, "Huge", pdf(10 * 1024 * 1024 + 10), None).await;
    assert!(
        matches!(res.status().as_u16(), 413 | 422),
        "{}",
        res.status()
    );
    let res = upload(&app, &c, "", pdf(1000), None).await;
    assert_eq!(res.status(), 422);

    // Eve tries to replace Jo's resume; an employee tries to upload; a foreign page posts the form.
    let mine: Value = upload(&app, &c, "Mine", pdf(1000), None)
        .await
        .json()
        .await
        .unwrap();
    let eve = app.signed_in("eve@example.com").await;
    let res = upload(&app, &eve, "Stolen", pdf(2000), mine["id"].as_str()).await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        app.rpc(
            &eve,
            "resumes/delete",
            &[("id", mine["id"].as_str().unwrap())]
        )
        .await
        .status(),
        403
    );
    let e = app.signed_in("e1@example.com").await;
    assert_eq!(upload(&app, &e, "Emp", pdf(1000), None).await.status(), 403);
    let res = c
        .post(format!("{}/files/resumes", app.base))
        .header("origin", "https://evil.example")
        .multipart(
            multipart::Form::new()
                .text("name", "x")
                .part("file", multipart::Part::bytes(pdf(100)).file_name("a.pdf")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        app.rpc(&app.client(), "resumes/get", &[]).await.status(),
        401
    );

    assert_eq!(app.denials("resume.replace").await, 1);
    assert_eq!(app.denials("resume.delete").await, 1);
    assert_eq!(app.denials("resume.upload").await, 1);
    assert_eq!(app.count("resume_types").await, 1, "only Jo's own upload");
    let row = resume_types::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.name, "Mine");
}

async fn only_the_client_their_employees_and_admins_download_a_resume(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    app.activated_client("eve@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.employee("stranger@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let rt: Value = upload(&app, &c, "CV", pdf(3000), None)
        .await
        .json()
        .await
        .unwrap();
    let url = format!("{}/files/resumes/{}", app.base, rt["id"].as_str().unwrap());

    for (who, status) in [
        ("e1@example.com", 200),
        ("fixture-admin@example.com", 200),
        ("eve@example.com", 403),
        ("stranger@example.com", 403),
    ] {
        let s = app.signed_in(who).await;
        assert_eq!(s.get(&url).send().await.unwrap().status(), status, "{who}");
    }
    assert_eq!(app.client().get(&url).send().await.unwrap().status(), 401);
    assert_eq!(app.denials("resume.download").await, 2);
    let _ = Role::Client;
}

/// The same flow with S3 storage: a real S3-compatible server (moto, from PyPI) on loopback.
async fn resumes_live_in_a_real_s3_bucket_when_configured(b: Backend) {
    let s3 = S3Server::start();
    let settings = server::storage_s3::S3Settings {
        bucket: format!("jd-test-{}", uuid::Uuid::new_v4().simple()),
        region: "us-east-1".into(),
        endpoint: Some(s3.endpoint.clone()),
        access_key_id: "test-key".into(),
        secret_access_key: "test-secret".into(),
        path_style: true,
    };
    let storage = server::storage_s3::S3Storage::new(&settings);
    storage.ensure_bucket().await.expect("create the bucket");
    let storage: Arc<dyn app::domain::infra::storage::Storage> = Arc::new(storage);
    let st = storage.clone();
    let app = TestApp::spawn_with(b, move |s| s.storage = st).await;
    app.activated_client("jo@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let bytes = pdf(200_000);
    let rt: Value = upload(&app, &c, "CV", bytes.clone(), None)
        .await
        .json()
        .await
        .unwrap();
    let id = rt["id"].as_str().unwrap();
    let key = resume_types::Entity::find_by_id(uuid::Uuid::parse_str(id).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .file_path;
    assert_eq!(
        storage.get(&key).await.unwrap(),
        bytes,
        "the object is in the bucket"
    );
    let got = c
        .get(format!("{}/files/resumes/{id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(got.bytes().await.unwrap().to_vec(), bytes);
    assert_eq!(
        app.rpc(&c, "resumes/delete", &[("id", id)]).await.status(),
        200
    );
    assert!(matches!(
        storage.get(&key).await,
        Err(app::domain::infra::storage::StorageError::NotFound)
    ));
}
