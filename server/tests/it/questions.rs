//! Issue 17, questions the client must answer: the employee working a job asks, the job waits for the client
//! (`needs_answer`), the client is told and answers on the job's page (keeping answers in their profile if they
//! like), and the job returns to the employee's queue. Nobody else may ask or answer.

use app::{
    api::{jobs::JobStatus, questions::QUESTIONS_MAX},
    domain::entities::{job_delegations as jobs, notifications},
};
use reqwest::{Client, Response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{both, helpers::*, work::delegated};

both!(
    the_client_answers_and_the_job_returns_to_its_employee,
    answers_kept_for_next_time_replace_earlier_ones,
    only_the_jobs_employee_asks_and_only_its_client_answers,
    bad_questions_and_answers_get_field_errors,
    the_extension_asks_with_a_bearer_token,
    a_job_waiting_for_answers_can_be_cancelled,
    answered_after_the_employee_left_the_job_goes_to_another,
);

const RELOCATE: &str = "Are you willing to relocate?";
const NOTICE: &str = "What is your notice period?";

/// A client (`jo`) with an employee (`e1`) who has started a delegated job: the app, the client's and the employee's
/// browsers, and the job's id.
async fn started_job(b: Backend) -> (TestApp, Client, Client, String) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let job = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/baker", "job_title": "Baker", "company_name": "Acme"}),
    )
    .await;
    let e = app.signed_in("e1@example.com").await;
    let res = app.rpc(&e, "work/start", &[("job_id", &job)]).await;
    assert_eq!(res.status(), 200);
    (app, c, e, job)
}

async fn ask(app: &TestApp, e: &Client, job: &str, questions: &str) -> Response {
    app.rpc(
        e,
        "questions/ask",
        &[("job_id", job), ("questions", questions)],
    )
    .await
}

async fn answer(
    app: &TestApp,
    c: &Client,
    job: &str,
    question: &str,
    text: &str,
    save: bool,
) -> Response {
    let mut form = vec![("job_id", job), ("question_id", question), ("answer", text)];
    if save {
        form.push(("save", "on"));
    }
    app.rpc(c, "questions/answer", &form).await
}

async fn status_of(app: &TestApp, job: &str) -> (JobStatus, Option<Uuid>) {
    let row = jobs::Entity::find_by_id(Uuid::parse_str(job).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    (row.status, row.assigned_employee_id)
}

async fn client_of(app: &TestApp, job: &str) -> Uuid {
    jobs::Entity::find_by_id(Uuid::parse_str(job).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .client_id
}

async fn notifications_of(app: &TestApp, email: &str, kind: &str) -> Vec<notifications::Model> {
    let user = app::domain::entities::users::Entity::find()
        .filter(app::domain::entities::users::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    notifications::Entity::find()
        .filter(notifications::Column::UserId.eq(user.id))
        .filter(notifications::Column::NotificationType.eq(kind))
        .all(&app.db)
        .await
        .unwrap()
}

/// The ids of the job's questions, oldest first, as its client's page shows them.
async fn question_ids(app: &TestApp, c: &Client, job: &str) -> Vec<String> {
    let detail: Value = app
        .rpc(c, "jobs/detail", &[("job_id", job)])
        .await
        .json()
        .await
        .unwrap();
    detail["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_string())
        .collect()
}

async fn saved_answers(app: &TestApp, c: &Client) -> Vec<(String, String)> {
    let r: Value = app.rpc(c, "resumes/get", &[]).await.json().await.unwrap();
    // Left out while there is none.
    r["profile"]["answers"]["saved"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| {
            (
                a["question"].as_str().unwrap().to_string(),
                a["answer"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn the_client_answers_and_the_job_returns_to_its_employee(b: Backend) {
    let (app, c, e, job) = started_job(b).await;
    let (_, e1) = status_of(&app, &job).await;

    let res = ask(&app, &e, &job, &format!("{RELOCATE}\n\n  {NOTICE}  \n")).await;
    assert_eq!(res.status(), 200);
    let asked: Value = res.json().await.unwrap();
    assert_eq!(asked["job"]["status"], "needs_answer");
    let texts: Vec<&str> = asked["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["question"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [RELOCATE, NOTICE],
        "blank lines left out, spaces trimmed"
    );
    assert_eq!(status_of(&app, &job).await, (JobStatus::NeedsAnswer, e1));

    // Nobody's work meanwhile: out of the employee's queue and load.
    let q: Vec<Value> = app.rpc(&e, "work/queue", &[]).await.json().await.unwrap();
    assert!(q.is_empty(), "{q:?}");
    let stats: Value = app.rpc(&e, "work/stats", &[]).await.json().await.unwrap();
    assert_eq!(stats["open_jobs"], 0);

    // The client is told in the app and by email.
    let told = notifications_of(&app, "jo@example.com", "job_question").await;
    assert_eq!(told.len(), 1);
    assert!(
        told[0]
            .title
            .starts_with("Questions for you: Baker at Acme"),
        "{}",
        told[0].title
    );
    assert!(told[0].message.contains(RELOCATE) && told[0].message.contains(NOTICE));
    let mail = wait_for_outbox(&app.outbox, 10, |m| {
        with_subject(m, "Questions for you: Baker at Acme") >= 1
    })
    .await;
    assert_eq!(
        with_subject(&mail, "Questions for you: Baker at Acme"),
        1,
        "{mail:?}"
    );
    assert!(mail.iter().any(|m| decoded(m).contains(RELOCATE)));

    // The client's page shows the questions; the status reads as theirs.
    let detail: Value = app
        .rpc(&c, "jobs/detail", &[("job_id", &job)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["job"]["status"], "needs_answer");
    assert_eq!(detail["questions"][0]["asked_by"], "Test Employee");
    let ids = question_ids(&app, &c, &job).await;
    assert_eq!(ids.len(), 2);

    // One answer: still waiting for the other.
    let res = answer(&app, &c, &job, &ids[0], "  Yes, anywhere in Europe. ", true).await;
    assert_eq!(res.status(), 200);
    let detail: Value = res.json().await.unwrap();
    assert_eq!(detail["job"]["status"], "needs_answer");
    assert_eq!(detail["questions"][0]["answer"], "Yes, anywhere in Europe.");
    assert!(detail["questions"][1]["answer"].is_null());
    assert!(notifications_of(&app, "e1@example.com", "job_answered")
        .await
        .is_empty());
    // Answering it twice is refused.
    let res = answer(&app, &c, &job, &ids[0], "No", false).await;
    assert_eq!(res.status(), 409);

    // The last answer: back to the employee who asked, to be started again.
    let res = answer(&app, &c, &job, &ids[1], "Two weeks", false).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["job"]["status"],
        "pending"
    );
    assert_eq!(status_of(&app, &job).await, (JobStatus::Pending, e1));
    let told = notifications_of(&app, "e1@example.com", "job_answered").await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].title, "Answered: Baker at Acme");
    let q: Vec<Value> = app.rpc(&e, "work/queue", &[]).await.json().await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0]["id"], job.as_str());
    // The employee reads the answers on the job, and the timeline says what happened.
    let detail: Value = app
        .rpc(&e, "jobs/detail", &[("job_id", &job)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["questions"][1]["answer"], "Two weeks");
    let actions: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"Asked the client"), "{actions:?}");
    assert!(actions.contains(&"Client answered"), "{actions:?}");
    // Only the answer marked for keeping went to the profile.
    assert_eq!(
        saved_answers(&app, &c).await,
        [(RELOCATE.to_string(), "Yes, anywhere in Europe.".to_string())]
    );
    // The employee starts it again.
    let res = app.rpc(&e, "work/start", &[("job_id", &job)]).await;
    assert_eq!(res.status(), 200);
}

async fn answers_kept_for_next_time_replace_earlier_ones(b: Backend) {
    let (app, c, e, job) = started_job(b).await;
    ask(&app, &e, &job, RELOCATE).await;
    let ids = question_ids(&app, &c, &job).await;
    assert_eq!(
        answer(&app, &c, &job, &ids[0], "Yes", true).await.status(),
        200
    );
    // Another job asks the same question, written differently.
    let other = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/cook"}),
    )
    .await;
    app.rpc(&e, "work/start", &[("job_id", &other)]).await;
    ask(&app, &e, &other, "are you willing to   RELOCATE?").await;
    let ids = question_ids(&app, &c, &other).await;
    assert_eq!(
        answer(&app, &c, &other, &ids[0], "Only to Lisbon", true)
            .await
            .status(),
        200
    );
    assert_eq!(
        saved_answers(&app, &c).await,
        [(
            "are you willing to   RELOCATE?".to_string(),
            "Only to Lisbon".to_string()
        )],
        "one answer per question, the latest"
    );
    // Saving the profile form keeps (and checks) the saved answers it sends.
    let mut profile: Value = app.rpc(&c, "resumes/get", &[]).await.json().await.unwrap();
    let mut profile = profile["profile"].take();
    profile["answers"]["saved"] = json!([
        {"question": RELOCATE, "answer": "No"},
        {"question": NOTICE, "answer": " One month "},
    ]);
    let res = app
        .rpc_json(&c, "resumes/profile", json!({"profile": profile}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        saved_answers(&app, &c).await,
        [
            (RELOCATE.to_string(), "No".to_string()),
            (NOTICE.to_string(), "One month".to_string())
        ]
    );
    profile["answers"]["saved"] = json!([{"question": "", "answer": "Orphan"}]);
    let res = app
        .rpc_json(&c, "resumes/profile", json!({"profile": profile}))
        .await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["fields"][0]["field"], "answers.saved.0.question");
}

async fn only_the_jobs_employee_asks_and_only_its_client_answers(b: Backend) {
    let (app, c, e, job) = started_job(b).await;
    // Another employee, even one serving the same client, may not ask about a job that is not theirs.
    let cid = client_of(&app, &job).await;
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(cid, e2).await;
    let e2c = app.signed_in("e2@example.com").await;
    let res = ask(&app, &e2c, &job, RELOCATE).await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.denials("job.ask").await, 1);
    // Nor may the client ask themself.
    assert_eq!(ask(&app, &c, &job, RELOCATE).await.status(), 403);
    assert_eq!(app.denials("job.ask").await, 2);
    assert_eq!(status_of(&app, &job).await.0, JobStatus::InProgress);

    assert_eq!(ask(&app, &e, &job, RELOCATE).await.status(), 200);
    let ids = question_ids(&app, &c, &job).await;
    // Another client may not answer (nor read the job); the refusal is logged.
    app.activated_client("eve@example.com").await;
    let eve = app.signed_in("eve@example.com").await;
    let res = answer(&app, &eve, &job, &ids[0], "Yes", true).await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.denials("job.answer").await, 1);
    // Nor may the employee answer for the client.
    assert_eq!(
        answer(&app, &e, &job, &ids[0], "Yes", false).await.status(),
        403
    );
    assert_eq!(status_of(&app, &job).await.0, JobStatus::NeedsAnswer);
    assert!(saved_answers(&app, &eve).await.is_empty());
    // A question of another job is not this job's.
    let res = answer(&app, &c, &job, &Uuid::now_v7().to_string(), "Yes", false).await;
    assert_eq!(res.status(), 404);

    // A job not started yet cannot be asked about.
    let other = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/other"}),
    )
    .await;
    let (_, to) = status_of(&app, &other).await;
    let who = if to == Some(e2) { &e2c } else { &e };
    let res = ask(&app, who, &other, RELOCATE).await;
    assert_eq!(res.status(), 409);
}

async fn bad_questions_and_answers_get_field_errors(b: Backend) {
    let (app, c, e, job) = started_job(b).await;
    let field = |v: &Value, i: usize| {
        v["fields"][i]["field"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let res = ask(&app, &e, &job, " \n \n").await;
    assert_eq!(res.status(), 422);
    assert_eq!(field(&res.json().await.unwrap(), 0), "questions");
    let long = "x".repeat(501);
    let res = ask(&app, &e, &job, &format!("{RELOCATE}\n{long}")).await;
    assert_eq!(res.status(), 422);
    assert_eq!(field(&res.json().await.unwrap(), 0), "questions.1");
    let many = vec![RELOCATE; QUESTIONS_MAX + 1].join("\n");
    let res = ask(&app, &e, &job, &many).await;
    assert_eq!(res.status(), 422);
    assert_eq!(field(&res.json().await.unwrap(), 0), "questions");
    assert_eq!(
        status_of(&app, &job).await.0,
        JobStatus::InProgress,
        "nothing was asked"
    );

    assert_eq!(ask(&app, &e, &job, RELOCATE).await.status(), 200);
    let ids = question_ids(&app, &c, &job).await;
    let res = answer(&app, &c, &job, &ids[0], "   ", true).await;
    assert_eq!(res.status(), 422);
    assert_eq!(field(&res.json().await.unwrap(), 0), "answers.0");
    let res = answer(&app, &c, &job, &ids[0], &"y".repeat(2001), true).await;
    assert_eq!(res.status(), 422);
    assert_eq!(status_of(&app, &job).await.0, JobStatus::NeedsAnswer);
    assert!(saved_answers(&app, &c).await.is_empty());
}

async fn the_extension_asks_with_a_bearer_token(b: Backend) {
    let (app, _c, _e, job) = started_job(b).await;
    let token = api_token(&app, "e1@example.com").await;
    let url = format!("{}/api/v1/jobs/{job}/questions", app.base);
    let post = |body: Value, token: Option<&str>| {
        let mut req = Client::new().post(&url).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    assert_eq!(
        post(json!({"questions": [RELOCATE]}), None)
            .await
            .unwrap()
            .status(),
        401
    );
    for (body, at) in [
        (json!({"questions": []}), "questions"),
        (json!({"questions": [RELOCATE, "  "]}), "questions.1"),
        (json!({"questions": ["q".repeat(501)]}), "questions.0"),
    ] {
        let res = post(body.clone(), Some(&token)).await.unwrap();
        assert_eq!(res.status(), 422, "{body}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["fields"][0]["field"], at, "{body}");
    }
    // Not the shape at all: refused as unreadable, never a server error.
    let res = post(json!({"questions": "one"}), Some(&token))
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = Client::new()
        .post(format!("{}/api/v1/jobs/not-a-job/questions", app.base))
        .bearer_auth(&token)
        .json(&json!({"questions": [RELOCATE]}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());

    let res = post(json!({"questions": [RELOCATE, NOTICE]}), Some(&token))
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let asked: Value = res.json().await.unwrap();
    assert_eq!(asked["job"]["id"], job.as_str());
    assert_eq!(asked["job"]["status"], "needs_answer");
    assert_eq!(asked["questions"].as_array().unwrap().len(), 2);
    assert!(asked["questions"][0]["answer"].is_null());
    // The client's token may not ask.
    let client_token = api_token(&app, "jo@example.com").await;
    let res = post(json!({"questions": [RELOCATE]}), Some(&client_token))
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The operation is documented.
    let doc: Value = Client::new()
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/jobs/{id}/questions"]["post"].is_object());
}

async fn a_job_waiting_for_answers_can_be_cancelled(b: Backend) {
    let (app, c, e, job) = started_job(b).await;
    ask(&app, &e, &job, RELOCATE).await;
    let ids = question_ids(&app, &c, &job).await;
    let res = app.rpc(&c, "jobs/cancel", &[("job_id", &job)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "cancelled");
    // Nothing waits for an answer any more.
    assert_eq!(
        answer(&app, &c, &job, &ids[0], "Yes", false).await.status(),
        409
    );
    assert_eq!(status_of(&app, &job).await.0, JobStatus::Cancelled);
}

async fn answered_after_the_employee_left_the_job_goes_to_another(b: Backend) {
    let (app, c, e, job) = started_job(b).await;
    let (_, e1) = status_of(&app, &job).await;
    let e1 = e1.unwrap();
    ask(&app, &e, &job, RELOCATE).await;
    let cid = client_of(&app, &job).await;
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(cid, e2).await;
    let admin = app.fixture_admin().await;
    app::domain::assignments::unassign(
        &app.db,
        &app.events,
        &admin,
        cid,
        e1,
        &app::domain::RequestMeta::default(),
    )
    .await
    .unwrap();
    // Still waiting for the client: the job was nobody's work to hand out.
    assert_eq!(
        status_of(&app, &job).await,
        (JobStatus::NeedsAnswer, Some(e1))
    );
    let ids = question_ids(&app, &c, &job).await;
    assert_eq!(
        answer(&app, &c, &job, &ids[0], "Yes", false).await.status(),
        200
    );
    assert_eq!(status_of(&app, &job).await, (JobStatus::Pending, Some(e2)));
    assert_eq!(
        notifications_of(&app, "e2@example.com", "job_assigned")
            .await
            .len(),
        1
    );
    assert!(notifications_of(&app, "e1@example.com", "job_answered")
        .await
        .is_empty());
}
