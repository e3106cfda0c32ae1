//! The cursors of lists read a page at a time, newest first: a cursor names the last row of a page by its time and
//! id (opaque to callers: base64url of `micros:uuid`), and the next page holds the rows strictly before it in
//! (time, id) order, so rows added meanwhile are neither skipped nor seen twice.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::api::AppError;

/// The cursor after the row at `t` with id `id`.
pub fn encode(t: DateTime<Utc>, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", t.timestamp_micros()))
}

/// The row a cursor names, or a 422 naming the `cursor` field for text this API never gave out. An empty cursor is
/// none (the first page).
pub fn decode(cursor: Option<&str>) -> Result<Option<(DateTime<Utc>, Uuid)>, AppError> {
    let Some(cursor) = cursor.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    parse(cursor).map(Some).ok_or_else(|| {
        AppError::field(
            "cursor",
            "This is not a cursor this API gave out: pass a page's `next` as it is, or leave it out to start.",
        )
    })
}

fn parse(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (micros, id) = text.split_once(':')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        Uuid::parse_str(id).ok()?,
    ))
}

/// A page size from 1 to `max` (`default` when none is given), or a 422 naming `limit`.
pub fn limit(asked: Option<u64>, default: u64, max: u64) -> Result<u64, AppError> {
    let limit = asked.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(AppError::field(
            "limit",
            format!("Use a whole number from 1 to {max}."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let t = DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap();
        let id = Uuid::now_v7();
        assert_eq!(decode(Some(&encode(t, id))).unwrap(), Some((t, id)));
        assert_eq!(decode(Some(" ")).unwrap(), None);
        assert_eq!(decode(None).unwrap(), None);
        for bad in ["abc", "MTIz", &URL_SAFE_NO_PAD.encode("12:not-a-uuid")] {
            let e = decode(Some(bad)).unwrap_err();
            assert!(e.field_message("cursor").is_some(), "{bad}");
        }
        assert_eq!(limit(None, 50, 200).unwrap(), 50);
        assert!(limit(Some(0), 50, 200).is_err());
        assert!(limit(Some(201), 50, 200).is_err());
    }
}
