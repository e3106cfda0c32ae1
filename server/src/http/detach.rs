//! Every request runs to its end in a task of its own. A client that disconnects, or the request timeout, stops the
//! wait for the answer, not the work: a delegation whose transaction has begun commits (or rolls back) whole, an
//! upload's file and row are both written, and no connection goes back to the pool halfway through a transaction.

use app::api::AppError;
use axum::{
    extract::Request,
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::error::ApiFail;

pub async fn run_to_completion(req: Request, next: Next) -> Response {
    match tokio::spawn(next.run(req)).await {
        Ok(res) => res,
        Err(e) => {
            tracing::error!(error = %e, "a request's task failed");
            ApiFail::from(AppError::Internal).into_response()
        }
    }
}
