//! How the server-function framework's own failures (malformed arguments, an unreachable server) become an
//! [`AppError`]. Lives here, not in the contract, so that `api` compiles without Leptos.

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};

use super::codec::JsonText;

use crate::api::AppError;

const MALFORMED: &str =
    "The form was incomplete or malformed. Please reload the page and try again.";

impl FromServerFnError for AppError {
    type Encoder = JsonText;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // Malformed arguments are the caller's fault: answer 400, not the framework's default 500. On the server a
        // Deserialization error can only come from decoding the request body (JSON-encoded arguments).
        #[cfg(feature = "ssr")]
        if matches!(
            value,
            ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::MissingArg(_)
                | ServerFnErrorErr::Deserialization(_)
        ) {
            if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(http::StatusCode::BAD_REQUEST);
                return AppError::Validation {
                    message: MALFORMED.into(),
                    fields: vec![],
                };
            }
        }
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => AppError::Validation {
                message: MALFORMED.into(),
                fields: vec![],
            },
            ServerFnErrorErr::Request(_) => AppError::Transport {
                message: "Could not reach the server. Check your connection and try again.".into(),
            },
            other => AppError::Transport {
                message: format!("The request failed: {other}"),
            },
        }
    }
}
