//! Operations: `/healthz` (the process answers), `/readyz` (the database answers and every queue lane has a live
//! worker; also whether the read replica and Redis answer), `/metrics` (Prometheus/OpenMetrics text: request latency
//! per route, error counts, queue depth per lane, jobs by state; every series carries the replica's name).

use std::{
    sync::{atomic::AtomicI64, Arc},
    time::{Duration, Instant},
};

use app::{
    api::jobs::JobStatus,
    domain::infra::queue::{HIGH, LOW, NORMAL},
    rpc::AppState,
};
use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde_json::json;

const LANES: [&str; 3] = [HIGH, NORMAL, LOW];
const QUEUE_STATES: [&str; 6] = ["Pending", "Queued", "Running", "Done", "Failed", "Killed"];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    method: String,
    route: String,
    class: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LaneLabels {
    lane: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    status: String,
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    errors: Family<ErrorLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    queue: Family<LaneLabels, Gauge<i64, AtomicI64>>,
    jobs: Family<JobLabels, Gauge<i64, AtomicI64>>,
}

fn latency_histogram() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

impl Metrics {
    /// Metrics whose every series carries `replica="<name>"`, so that one scrape target tells its replicas apart.
    pub fn new(replica: &str) -> Metrics {
        let mut registry = Registry::with_labels(
            [(
                std::borrow::Cow::Borrowed("replica"),
                std::borrow::Cow::Owned(replica.to_string()),
            )]
            .into_iter(),
        );
        let requests = Family::<RequestLabels, Counter>::default();
        let errors = Family::<ErrorLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let queue = Family::<LaneLabels, Gauge<i64, AtomicI64>>::default();
        let jobs = Family::<JobLabels, Gauge<i64, AtomicI64>>::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route and status",
            requests.clone(),
        );
        registry.register(
            "http_errors",
            "HTTP responses with a 4xx or 5xx status, by method, route and class",
            errors.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route",
            latency.clone(),
        );
        registry.register(
            "queue_jobs",
            "Background jobs per lane and state (read from the queue tables at scrape time)",
            queue.clone(),
        );
        registry.register(
            "jobs",
            "Delegated jobs by status (read from the database at scrape time)",
            jobs.clone(),
        );
        Metrics {
            registry,
            requests,
            errors,
            latency,
            queue,
            jobs,
        }
    }

    fn observe(&self, method: &str, route: &str, status: StatusCode, took: Duration) {
        self.latency
            .get_or_create(&RouteLabels {
                method: method.into(),
                route: route.into(),
            })
            .observe(took.as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels {
                method: method.into(),
                route: route.into(),
                status: status.as_u16().to_string(),
            })
            .inc();
        let class = if status.is_server_error() {
            Some("5xx")
        } else if status.is_client_error() {
            Some("4xx")
        } else {
            None
        };
        if let Some(class) = class {
            self.errors
                .get_or_create(&ErrorLabels {
                    method: method.into(),
                    route: route.into(),
                    class: class.into(),
                })
                .inc();
        }
    }
}

/// What the ops endpoints need besides the app state.
pub struct Ops {
    pub metrics: Metrics,
    /// A lane counts as running when one of its workers was seen within this long.
    pub worker_grace: Duration,
    /// When set, `/metrics` also answers requests bearing this token (it always answers loopback).
    pub metrics_token: Option<String>,
    /// The lanes this process runs, if any (restarts and why they last stopped).
    pub lanes: Arc<crate::queue::LaneHealth>,
    /// This process's name (`REPLICA_NAME`).
    pub replica: String,
}

/// Middleware: time every request and count it by route pattern (never by raw path, so labels stay few).
pub async fn track(State(ops): State<Arc<Ops>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "other".into());
    let method = req.method().as_str().to_string();
    let start = Instant::now();
    let res = next.run(req).await;
    ops.metrics
        .observe(&method, &route, res.status(), start.elapsed());
    res
}

pub fn routes(ops: Arc<Ops>) -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(axum::Extension(ops))
}

/// `GET /healthz`: the process is up and serving.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

#[derive(FromQueryResult)]
struct LaneSeen {
    lane: String,
    age: Option<i64>,
}

/// Seconds since each lane's most recent worker heartbeat.
async fn lanes_seen<C: ConnectionTrait>(db: &C) -> Result<Vec<LaneSeen>, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT worker_type AS lane, CAST(EXTRACT(EPOCH FROM now() - MAX(last_seen)) AS BIGINT) AS age \
             FROM apalis.workers GROUP BY worker_type"
        }
        _ => {
            "SELECT worker_type AS lane, CAST(strftime('%s', 'now') - MAX(last_seen) AS INTEGER) AS age \
             FROM Workers GROUP BY worker_type"
        }
    };
    LaneSeen::find_by_statement(Statement::from_string(backend, sql))
        .all(db)
        .await
}

/// `GET /readyz`: 200 when the database answers and every lane has a live worker; 503 with what is wrong otherwise.
async fn readyz(
    State(state): State<AppState>,
    axum::Extension(ops): axum::Extension<Arc<Ops>>,
) -> Response {
    let db = tokio::time::timeout(
        Duration::from_secs(2),
        state.db.execute_unprepared("SELECT 1"),
    )
    .await;
    let database = match db {
        Ok(Ok(_)) => "ok".to_string(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database check failed");
            "unreachable".to_string()
        }
        Err(_) => "timeout".to_string(),
    };
    let mut queue = serde_json::Map::new();
    let seen = if database == "ok" {
        lanes_seen(&state.db).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut ready = database == "ok";
    for lane in LANES {
        let age = seen
            .iter()
            .filter(|s| s.lane == lane)
            .filter_map(|s| s.age)
            .min();
        let ok = age.is_some_and(|a| a <= ops.worker_grace.as_secs() as i64);
        ready &= ok;
        queue.insert(
            lane.to_string(),
            json!(match age {
                Some(_) if ok => "ok".to_string(),
                Some(a) => format!("no worker seen for {a} s"),
                None => "no worker".to_string(),
            }),
        );
    }
    // The read replica and Redis only help: without them the primary does their work, so neither makes a replica
    // unready; they are reported so that every replica shows the same view of the layout.
    let read_replica = match state.reads.state() {
        app::domain::infra::reads::ReplicaState::None => "none",
        app::domain::infra::reads::ReplicaState::Serving => "ok",
        app::domain::infra::reads::ReplicaState::Down => "down: reading the primary",
    };
    let redis = match &state.auth.rates.shared {
        None => "none".to_string(),
        Some(counts) => match tokio::time::timeout(Duration::from_secs(1), counts.ping()).await {
            Ok(Ok(())) => "ok".to_string(),
            _ => "unreachable: counting in the database".to_string(),
        },
    };
    // The lanes this process runs (none in `serve --no-workers`): one waiting to be restarted is not ready.
    let here = ops.lanes.snapshot();
    ready &= here.values().all(|l| l.running);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "status": if ready { "ready" } else { "not ready" },
            "database": database,
            "queue": queue,
            "read_replica": read_replica,
            "redis": redis,
            "served_by": ops.replica,
            "workers_here": here,
        })),
    )
        .into_response()
}

#[derive(FromQueryResult)]
struct Count {
    a: String,
    b: String,
    n: i64,
}

/// Refresh the scrape-time gauges from the database.
async fn refresh_gauges(state: &AppState, m: &Metrics) -> Result<(), sea_orm::DbErr> {
    let backend = state.db.get_database_backend();
    let queue_sql = match backend {
        DbBackend::Postgres => {
            "SELECT job_type AS a, status AS b, COUNT(*) AS n FROM apalis.jobs GROUP BY job_type, status"
        }
        _ => "SELECT job_type AS a, status AS b, COUNT(*) AS n FROM Jobs GROUP BY job_type, status",
    };
    let rows = Count::find_by_statement(Statement::from_string(backend, queue_sql))
        .all(&state.db)
        .await?;
    for lane in LANES {
        for st in QUEUE_STATES {
            let n = rows
                .iter()
                .find(|r| r.a == lane && r.b == st)
                .map(|r| r.n)
                .unwrap_or(0);
            m.queue
                .get_or_create(&LaneLabels {
                    lane: lane.into(),
                    state: st.to_lowercase(),
                })
                .set(n);
        }
    }
    let rows = Count::find_by_statement(Statement::from_string(
        backend,
        "SELECT status AS a, '' AS b, COUNT(*) AS n FROM job_delegations GROUP BY status",
    ))
    .all(&state.db)
    .await?;
    for s in JobStatus::ALL {
        let n = rows
            .iter()
            .find(|r| r.a == s.as_str())
            .map(|r| r.n)
            .unwrap_or(0);
        m.jobs
            .get_or_create(&JobLabels {
                status: s.as_str().into(),
            })
            .set(n);
    }
    Ok(())
}

/// `GET /metrics`: OpenMetrics text. Answers loopback callers, and others presenting `METRICS_TOKEN`.
async fn metrics(
    State(state): State<AppState>,
    axum::Extension(ops): axum::Extension<Arc<Ops>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let token_ok = ops.metrics_token.as_deref().is_some_and(|t| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| given.trim() == t)
    });
    let forwarded = headers.contains_key("x-forwarded-for");
    if !(token_ok || (peer.ip().is_loopback() && !forwarded)) {
        return (
            StatusCode::FORBIDDEN,
            "Metrics are served to loopback callers, or with the METRICS_TOKEN bearer token.\n",
        )
            .into_response();
    }
    if let Err(e) = refresh_gauges(&state, &ops.metrics).await {
        tracing::warn!(error = %e, "metrics: could not read the queue and job counts");
    }
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &ops.metrics.registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    res
}
