//! Issue 17: the profile keeps what application forms commonly ask for (address parts, GitHub and portfolio links,
//! and the client's answers: preferred name, work authorization, sponsorship, "how did you hear", a cover letter),
//! checked field by field, read by the employees assigned to the client and nobody else.

use serde_json::{json, Value};

use crate::{both, helpers::*};

both!(the_profile_keeps_the_answers_application_forms_ask_for);

fn profile(answers: Value) -> Value {
    json!({
        "summary": "Backend engineer",
        "contact": {
            "email": "jo@example.com",
            "address": " 12 Harbour Street ",
            "city": "Leeds",
            "postal_code": "LS1 4AP",
            "country": "United Kingdom",
            "github": "https://github.com/jo",
            "portfolio": "https://jo.example.com/work"
        },
        "answers": answers
    })
}

async fn the_profile_keeps_the_answers_application_forms_ask_for(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    app.activated_client("eve@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;

    // Bad answers are refused by field, and nothing is saved.
    let res = app
        .rpc_json(
            &c,
            "resumes/profile",
            json!({"profile": {
                "contact": {"github": "ftp://github.com/jo", "city": "x".repeat(201)},
                "answers": {"authorized_to_work": "maybe", "needs_sponsorship": "no", "cover_letter": "x".repeat(5001)}
            }}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let mut fields = field_names(&json_of(res).await);
    fields.sort();
    assert_eq!(
        fields,
        [
            "answers.authorized_to_work",
            "answers.cover_letter",
            "contact.city",
            "contact.github"
        ]
    );
    let empty: Value = app.rpc(&c, "resumes/get", &[]).await.json().await.unwrap();
    assert_eq!(empty["profile"]["answers"]["needs_sponsorship"], "");

    let res = app
        .rpc_json(
            &c,
            "resumes/profile",
            json!({"profile": profile(json!({
                "preferred_name": "Jo",
                "authorized_to_work": "Yes",
                "needs_sponsorship": "no",
                "how_heard": "LinkedIn",
                "cover_letter": "Dear hiring team, ..."
            }))}),
        )
        .await;
    assert_eq!(res.status(), 200);

    // The assigned employee reads them (what the extension fills in).
    let e = app.signed_in("e1@example.com").await;
    let read: Value = app
        .rpc(&e, "resumes/get", &[("client_id", &cid.to_string())])
        .await
        .json()
        .await
        .unwrap();
    let p = &read["profile"];
    assert_eq!(p["contact"]["address"], "12 Harbour Street");
    assert_eq!(p["contact"]["postal_code"], "LS1 4AP");
    assert_eq!(p["contact"]["github"], "https://github.com/jo");
    assert_eq!(
        p["answers"],
        json!({
            "preferred_name": "Jo",
            "authorized_to_work": "yes",
            "needs_sponsorship": "no",
            "how_heard": "LinkedIn",
            "cover_letter": "Dear hiring team, ..."
        })
    );

    // Another client sees none of it; the attempt is logged.
    let eve = app.signed_in("eve@example.com").await;
    let before = app.denials("resume.view").await;
    assert_eq!(
        app.rpc(&eve, "resumes/get", &[("client_id", &cid.to_string())])
            .await
            .status(),
        403
    );
    assert_eq!(app.denials("resume.view").await, before + 1);
}
