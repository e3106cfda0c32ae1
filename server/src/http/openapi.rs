//! The OpenAPI 3.1 document of the REST API, generated from the handlers and the shared types
//! (`/api/v1/openapi.json`), and a docs page rendered from it on the server (`/api/v1/docs`): plain HTML with the
//! site's stylesheet, nothing loaded from elsewhere.

use axum::{
    http::{header, HeaderValue},
    response::{Html, IntoResponse, Response},
    Json,
};
use serde_json::Value;
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use super::{auth, jobs, manage, notifications, resumes, work};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "JobDelegate API",
        version = "1",
        description = "Delegate job applications and file proof of them. Sign in at /api/v1/auth/login (an account \
                       with two-step sign-in answers 202 with a challenge: post it with the code to \
                       /api/v1/auth/login/code), then send the access token as `Authorization: Bearer …`; trade the refresh token at /api/v1/auth/refresh \
                       when the access token expires (each refresh token works once). Tools send an API key instead (`jdk_…`, made by \
                       an admin under Integrations): it acts as that admin, and a read-only key may only GET. Lists \
                       are read a page at a time: pass a page's `next` as `cursor`. Errors are `ApiProblem` JSON."
    ),
    paths(
        auth::login,
        auth::login_code,
        auth::refresh,
        auth::logout,
        auth::me,
        jobs::resume_types,
        jobs::delegate,
        jobs::my_jobs,
        jobs::lookup,
        jobs::job,
        jobs::timeline,
        jobs::cancel,
        jobs::reassign,
        work::queue,
        work::start,
        work::complete,
        work::ask,
        work::application,
        work::application_resume,
        notifications::list_notifications,
        notifications::read_notification,
        notifications::read_all_notifications,
        resumes::get_resumes,
        resumes::save_profile,
        resumes::upload,
        resumes::delete,
        resumes::download,
        resumes::proof,
        manage::list_clients,
        manage::set_activation,
        manage::list_users,
        manage::list_assignments,
        manage::assign,
        manage::unassign,
        manage::client_analytics,
        manage::employee_analytics,
        manage::admin_analytics,
    ),
    modifiers(&BearerAuth, &StandardErrors),
    tags(
        (name = "auth", description = "Tokens"),
        (name = "account", description = "The signed-in user and their notifications"),
        (name = "jobs", description = "Delegating jobs (clients) and listing them"),
        (name = "work", description = "The employee's queue, start, ask the client, and complete with proof"),
        (name = "resumes", description = "A client's resume profile and resumes"),
        (name = "admin", description = "Clients, users and assignments (admins)"),
        (name = "analytics", description = "Each role's figures over a period"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
        }
    }
}

/// Declares on every operation the error statuses it can answer besides its own: 400 (a query or body that cannot be
/// read), 401 and 403 (signed-in operations), 404 (operations on one resource), 409, 413, 415 and 422 (operations
/// with a body), 429 (every operation is rate limited) and 503 (the database is busy or down; retry later). Each is
/// an `ApiProblem`. Every signed-in POST also takes an optional `Idempotency-Key` header (and may answer 409 while a
/// request with the same key is in progress, 422 when the key was used with another request).
struct StandardErrors;

impl Modify for StandardErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            content::Content,
            response::{Response, ResponseBuilder},
            schema::Ref,
            RefOr,
        };
        let problem = |description: &str| -> RefOr<Response> {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        Content::new(Some(Ref::from_schema_name("ApiProblem"))),
                    )
                    .build(),
            )
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let one_resource = path.contains('{');
            for (is_post, op) in [
                (false, item.get.as_mut()),
                (true, item.post.as_mut()),
                (false, item.put.as_mut()),
                (false, item.delete.as_mut()),
                (false, item.patch.as_mut()),
            ]
            .into_iter()
            .filter_map(|(is_post, op)| op.map(|op| (is_post, op)))
            {
                let signed_in = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let with_body = op.request_body.is_some();
                let idempotent = signed_in && is_post;
                if idempotent {
                    op.parameters
                        .get_or_insert_with(Vec::new)
                        .push(idempotency_key());
                }
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| problem(description));
                };
                add(
                    "400",
                    "The request could not be read (a malformed parameter or body).",
                );
                if signed_in {
                    add("401", "Not signed in, or the access token expired.");
                    add("403", "The signed-in user may not do this.");
                }
                if one_resource {
                    add("404", "No such resource (or not yours).");
                }
                if idempotent {
                    add("409", "The request conflicts with the resource's state, or a request with the same Idempotency-Key is in progress.");
                    add("422", "Invalid input (`fields` names each field at fault), or an Idempotency-Key used with another request.");
                }
                if with_body {
                    add("409", "The request conflicts with the resource's state.");
                    add("413", "The body is too large.");
                    add("415", "The body is not of a type this operation reads.");
                    add("422", "Invalid input; `fields` names each field at fault.");
                }
                add("429", "Too many requests: wait `Retry-After` seconds.");
                add("503", "The service is busy or briefly unavailable: retry after `Retry-After` seconds.");
            }
        }
    }
}

/// The optional `Idempotency-Key` header of a signed-in POST.
fn idempotency_key() -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::{
        path::{ParameterBuilder, ParameterIn},
        schema::{ObjectBuilder, Type},
        Required,
    };
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "A key of the caller's choosing (a UUID) that makes a retry safe: a request with a key used before \
             answers what the first one answered (`Idempotent-Replayed: true`), the work done once. Keys are kept \
             24 hours.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255)),
        ))
        .build()
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A schema reference or inline type, in a few words.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if let Some(items) = schema.get("items") {
        return format!("array of {}", type_of(items));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            return list.iter().map(type_of).collect::<Vec<_>>().join(" or ");
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .map(|v| format!("<code>{}</code>", esc(&v.to_string())))
            .collect::<Vec<_>>()
            .join(" | ");
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "any".into(),
    };
    match schema.get("format").and_then(Value::as_str) {
        Some(f) => format!("{} ({})", esc(&ty), esc(f)),
        None => esc(&ty),
    }
}

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).map(esc).unwrap_or_default()
}

/// `GET /api/v1/docs`: the document as a page.
pub async fn docs_page() -> Response {
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>JobDelegate API v1</title><link rel=\"stylesheet\" href=\"{}\"></head>\
         <body><main class=\"page api-docs\">",
        super::assets::stylesheet_href()
    );
    html.push_str(&format!(
        "<h1>{} <small>v{} (OpenAPI {})</small></h1><p>{}</p>\
         <p><a href=\"/api/v1/openapi.json\">openapi.json</a></p>",
        text(doc.pointer("/info/title")),
        text(doc.pointer("/info/version")),
        text(doc.get("openapi")),
        text(doc.pointer("/info/description")),
    ));
    html.push_str("<h2>Endpoints</h2>");
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, ops) in paths {
            let Some(ops) = ops.as_object() else { continue };
            for (method, op) in ops {
                let secured = op.get("security").is_some();
                html.push_str(&format!(
                    "<section class=\"card\"><h3><code>{} {}</code>{}</h3><p>{}</p>",
                    esc(&method.to_uppercase()),
                    esc(path),
                    if secured {
                        " <small>(bearer token)</small>"
                    } else {
                        ""
                    },
                    text(op.get("description").or(op.get("summary"))),
                ));
                if let Some(params) = op.get("parameters").and_then(Value::as_array) {
                    html.push_str("<h4>Parameters</h4><ul>");
                    for p in params {
                        html.push_str(&format!(
                            "<li><code>{}</code> ({}{}): {} {}</li>",
                            text(p.get("name")),
                            text(p.get("in")),
                            if p.get("required") == Some(&Value::Bool(true)) {
                                ", required"
                            } else {
                                ""
                            },
                            p.get("schema").map(type_of).unwrap_or_default(),
                            text(p.get("description")),
                        ));
                    }
                    html.push_str("</ul>");
                }
                if let Some(content) = op
                    .pointer("/requestBody/content")
                    .and_then(Value::as_object)
                {
                    html.push_str("<h4>Body</h4><ul>");
                    for (ct, c) in content {
                        html.push_str(&format!(
                            "<li><code>{}</code>: {}</li>",
                            esc(ct),
                            c.get("schema").map(type_of).unwrap_or_default()
                        ));
                    }
                    html.push_str("</ul>");
                }
                if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                    html.push_str("<h4>Responses</h4><ul>");
                    for (status, r) in responses {
                        let body = r
                            .pointer("/content/application~1json/schema")
                            .map(type_of)
                            .unwrap_or_default();
                        html.push_str(&format!(
                            "<li><strong>{}</strong> {} {}</li>",
                            esc(status),
                            text(r.get("description")),
                            body
                        ));
                    }
                    html.push_str("</ul>");
                }
                html.push_str("</section>");
            }
        }
    }
    html.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            html.push_str(&format!(
                "<section class=\"card\" id=\"schema-{0}\"><h3>{0}</h3><p>{1}</p>",
                esc(name),
                text(schema.get("description"))
            ));
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                html.push_str("<ul>");
                for (prop, s) in props {
                    html.push_str(&format!(
                        "<li><code>{}</code>{}: {} {}</li>",
                        esc(prop),
                        if required.contains(&prop.as_str()) {
                            " (required)"
                        } else {
                            ""
                        },
                        type_of(s),
                        text(s.get("description")),
                    ));
                }
                html.push_str("</ul>");
            } else {
                html.push_str(&format!("<p>{}</p>", type_of(schema)));
            }
            html.push_str("</section>");
        }
    }
    html.push_str("</main></body></html>");
    let mut res = Html(html).into_response();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    res
}
