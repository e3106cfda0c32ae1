//! The REST API client: bearer tokens from storage, refreshed automatically (once at a time), JSON problems turned
//! back into the shared error type.

use app::api::{
    jobs::{DelegateForm, DelegatedBefore, JobSummary},
    notifications::Notifications,
    rest::{
        ApiProblem, LoginCodeRequest, LoginRequest, MfaChallenge, RefreshRequest, TokenResponse,
        API_PREFIX,
    },
    resumes::ResumeTypeView,
    AppError, CurrentUser, CursorPage,
};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;

use super::store::{self, Session};

/// Why a call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The server could not be reached (offline, wrong address, server down).
    Offline(String),
    /// The server answered with an error.
    Api(AppError),
}

impl Failure {
    pub fn message(&self) -> String {
        match self {
            Failure::Offline(why) => format!("The server cannot be reached ({why})."),
            Failure::Api(e) => e.to_string(),
        }
    }
}

thread_local! {
    static REFRESHING: std::rc::Rc<futures_util::lock::Mutex<()>> =
        std::rc::Rc::new(futures_util::lock::Mutex::new(()));
}

async fn url(path: &str) -> String {
    format!("{}{API_PREFIX}{path}", store::server().await)
}

async fn problem(res: Response) -> Failure {
    match res.json::<ApiProblem>().await {
        Ok(p) => Failure::Api(p.into()),
        Err(_) => Failure::Api(AppError::Transport {
            message: format!("The server answered {}.", res.status()),
        }),
    }
}

async fn parse<T: DeserializeOwned>(res: Response) -> Result<T, Failure> {
    if res.ok() {
        res.json::<T>().await.map_err(|e| {
            Failure::Api(AppError::Transport {
                message: e.to_string(),
            })
        })
    } else {
        Err(problem(res).await)
    }
}

/// How signing in went: signed in, or the account's second step (a code) is due.
pub enum SignIn {
    /// Signed in; the tokens are kept.
    Done,
    /// The challenge to send back with the code ([`login_code`]).
    Code(String),
}

const CLIENT_NAME: &str = "Chrome extension";

async fn keep(res: Response) -> Result<Session, Failure> {
    let tokens: TokenResponse = parse(res).await?;
    let session = Session::from(tokens);
    store::set_session(&session)
        .await
        .map_err(Failure::Offline)?;
    Ok(session)
}

/// Sign in and keep the tokens; an account with two-step sign-in answers with a challenge instead.
pub async fn login(email: &str, password: &str) -> Result<SignIn, Failure> {
    let body = LoginRequest {
        email: email.trim().to_string(),
        password: password.to_string(),
        client_name: CLIENT_NAME.into(),
    };
    let res = Request::post(&url("/auth/login").await)
        .json(&body)
        .map_err(|e| Failure::Offline(e.to_string()))?
        .send()
        .await
        .map_err(|e| Failure::Offline(e.to_string()))?;
    if res.status() == 202 {
        let challenge: MfaChallenge = parse(res).await?;
        return Ok(SignIn::Code(challenge.challenge));
    }
    keep(res).await.map(|_| SignIn::Done)
}

/// The second step: the login's challenge and the code from the authenticator app (or a recovery code).
pub async fn login_code(challenge: &str, code: &str) -> Result<Session, Failure> {
    let body = LoginCodeRequest {
        challenge: challenge.to_string(),
        code: code.trim().to_string(),
        client_name: CLIENT_NAME.into(),
    };
    let res = Request::post(&url("/auth/login/code").await)
        .json(&body)
        .map_err(|e| Failure::Offline(e.to_string()))?
        .send()
        .await
        .map_err(|e| Failure::Offline(e.to_string()))?;
    keep(res).await
}

/// Sign out here and on the server.
pub async fn logout() {
    if let Some(s) = store::session().await {
        if let Ok(req) = Request::post(&url("/auth/logout").await).json(&RefreshRequest {
            refresh_token: s.refresh_token,
        }) {
            let _ = req.send().await;
        }
    }
    store::clear_session().await;
}

/// Trade the refresh token for new ones, unless another call just did (only one refresh at a time: a refresh token
/// presented twice ends the sign-in).
async fn refresh(used_access: &str) -> Result<Session, Failure> {
    let lock = REFRESHING.with(|l| l.clone());
    let _guard = lock.lock().await;
    let Some(current) = store::session().await else {
        return Err(Failure::Api(AppError::Unauthenticated));
    };
    if current.access_token != used_access {
        return Ok(current);
    }
    let res = Request::post(&url("/auth/refresh").await)
        .json(&RefreshRequest {
            refresh_token: current.refresh_token.clone(),
        })
        .map_err(|e| Failure::Offline(e.to_string()))?
        .send()
        .await
        .map_err(|e| Failure::Offline(e.to_string()))?;
    match parse::<TokenResponse>(res).await {
        Ok(t) => {
            let s = Session::from(t);
            store::set_session(&s).await.map_err(Failure::Offline)?;
            Ok(s)
        }
        Err(Failure::Api(e)) => {
            store::clear_session().await;
            Err(Failure::Api(e))
        }
        Err(offline) => Err(offline),
    }
}

/// Send an authorized request built by `build` (called again after a refresh), and read its JSON answer.
async fn call<T: DeserializeOwned>(
    build: impl Fn(String) -> Result<Request, Failure>,
    path: &str,
) -> Result<T, Failure> {
    parse(send(build, path).await?).await
}

/// Send an authorized request built by `build`, refreshing the tokens once when the access token has expired.
async fn send(
    build: impl Fn(String) -> Result<Request, Failure>,
    path: &str,
) -> Result<Response, Failure> {
    let Some(session) = store::session().await else {
        return Err(Failure::Api(AppError::Unauthenticated));
    };
    let target = url(path).await;
    let res = authorized(&build, &target, &session.access_token).await?;
    if res.status() != 401 {
        return Ok(res);
    }
    let fresh = refresh(&session.access_token).await?;
    authorized(&build, &target, &fresh.access_token).await
}

async fn authorized(
    build: &impl Fn(String) -> Result<Request, Failure>,
    target: &str,
    token: &str,
) -> Result<Response, Failure> {
    let req = build(target.to_string())?;
    req.headers()
        .set("Authorization", &format!("Bearer {token}"));
    req.send()
        .await
        .map_err(|e| Failure::Offline(e.to_string()))
}

fn json_post<B: serde::Serialize>(body: &B) -> impl Fn(String) -> Result<Request, Failure> + '_ {
    move |u: String| {
        Request::post(&u)
            .json(body)
            .map_err(|e| Failure::Offline(e.to_string()))
    }
}

fn get(u: String) -> Result<Request, Failure> {
    Request::get(&u)
        .build()
        .map_err(|e| Failure::Offline(e.to_string()))
}

pub async fn me() -> Result<CurrentUser, Failure> {
    call(get, "/me").await
}

pub async fn resume_types() -> Result<Vec<ResumeTypeView>, Failure> {
    call(get, "/resume-types").await
}

/// Delegate, under an `Idempotency-Key` of the caller's: sent again with the same key (a retry after the answer was
/// lost), the server answers what it answered the first time, and the job is written once.
pub async fn delegate(form: &DelegateForm, key: &str) -> Result<JobSummary, Failure> {
    let post = move |u: String| {
        Request::post(&u)
            .header("Idempotency-Key", key)
            .json(form)
            .map_err(|e| Failure::Offline(e.to_string()))
    };
    call(post, "/jobs").await
}

/// The client's live delegation of the posting at this address (compared by the posting's identity), if any.
pub async fn lookup(url: &str) -> Result<Option<JobSummary>, Failure> {
    let path = format!(
        "/jobs/lookup?url={}",
        String::from(js_sys::encode_uri_component(url))
    );
    call::<DelegatedBefore>(get, &path).await.map(|d| d.job)
}

/// The newest jobs (the first page is enough for the popup's recent list).
pub async fn my_jobs() -> Result<CursorPage<JobSummary>, Failure> {
    call(get, "/jobs?limit=5").await
}

pub async fn queue() -> Result<Vec<JobSummary>, Failure> {
    call(get, "/queue").await
}

pub async fn notifications() -> Result<Notifications, Failure> {
    call(get, "/notifications").await
}

pub async fn start(job: &str) -> Result<JobSummary, Failure> {
    call(
        json_post(&serde_json::json!({})),
        &format!("/jobs/{job}/start"),
    )
    .await
}

/// What the captured screenshot shows: the tab's address and title, when, and the page's headings.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    pub url: String,
    pub title: String,
    /// RFC 3339.
    pub at: String,
    pub page_text: String,
    /// The employee confirmed a page on another site than the job's.
    pub confirm_site: bool,
}

/// Complete a job with the captured screenshot (PNG bytes) and what it shows.
pub async fn complete(
    job: &str,
    outcome: &str,
    notes: &str,
    reason: &str,
    png: Option<&[u8]>,
    capture: &Capture,
) -> Result<JobSummary, Failure> {
    let build = |u: String| {
        let form = web_sys::FormData::new()
            .map_err(|e| Failure::Offline(super::chrome::message_of(&e)))?;
        let _ = form.append_with_str("outcome", outcome);
        let _ = form.append_with_str("notes", notes);
        let _ = form.append_with_str("failure_reason", reason);
        if png.is_some() {
            let _ = form.append_with_str("captured_url", &capture.url);
            let _ = form.append_with_str("captured_title", &capture.title);
            let _ = form.append_with_str("captured_at", &capture.at);
            let _ = form.append_with_str("page_text", &capture.page_text);
            if capture.confirm_site {
                let _ = form.append_with_str("confirm_site", "true");
            }
        }
        if let Some(bytes) = png {
            let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes).into());
            let bag = web_sys::BlobPropertyBag::new();
            bag.set_type("image/png");
            let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &bag)
                .map_err(|e| Failure::Offline(super::chrome::message_of(&e)))?;
            let _ = form.append_with_blob_and_filename("screenshot", &blob, "proof.png");
        }
        Request::post(&u)
            .body(form)
            .map_err(|e| Failure::Offline(e.to_string()))
    };
    call(build, &format!("/jobs/{job}/complete")).await
}

/// What the job's application form needs: the client's names, profile and answers, the chosen resume (JSON, read
/// by [`crate::fill::FillProfile::from_packet`]).
pub async fn application(job: &str) -> Result<serde_json::Value, Failure> {
    call(get, &format!("/jobs/{job}/application")).await
}

/// The PDF of the resume the client chose for the job.
pub async fn application_resume(job: &str) -> Result<Vec<u8>, Failure> {
    let res = send(get, &format!("/jobs/{job}/resume")).await?;
    if !res.ok() {
        return Err(problem(res).await);
    }
    res.binary()
        .await
        .map_err(|e| Failure::Offline(e.to_string()))
}

/// Ask the job's client questions the form asks and the profile does not answer; the job waits for the answers.
pub async fn ask(job: &str, questions: &[String]) -> Result<serde_json::Value, Failure> {
    let body = serde_json::json!({ "questions": questions });
    call(json_post(&body), &format!("/jobs/{job}/questions")).await
}
