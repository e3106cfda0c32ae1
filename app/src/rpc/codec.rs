//! The encoding of server functions' answers (and of their errors): JSON, as `leptos::server_fn::codec::Json`, but
//! decoded in the browser from text (`serde_json::from_str`) instead of from bytes (`from_slice`). Resources that
//! hydrate decode the same types from text too, and serde_json compiles a type's decoder once per reader: with one
//! reader, the wasm holds one decoder per type instead of two (issue 14, the bundle).

use leptos::server_fn::{codec::Post, Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{de::DeserializeOwned, Serialize};

/// JSON, decoded from text.
pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde::de::Error::custom)?;
        serde_json::from_str(text)
    }
}

/// Every server function's answer: a POST answered with JSON.
pub type JsonOut = Post<JsonText>;
