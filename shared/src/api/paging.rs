//! The pagination every list route shares: the `limit` query parameter and the header that carries
//! the next page's cursor.

use crate::error::ApiError;
use crate::http::query_param;
use lambda_http::Request;

pub const DEFAULT_PAGE_SIZE: i32 = 50;

pub const MAX_PAGE_SIZE: i32 = 100;

/// The response header that carries the cursor of the next page; the body stays the plain
/// array the workbench expects.
pub const NEXT_CURSOR_HEADER: &str = "x-next-cursor";

/// A page size from the query string: absent is the default, non-numeric a 400, out of range a 422.
pub fn page_size(req: &Request) -> Result<i32, ApiError> {
    match query_param(req, "limit") {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(raw) => {
            let limit: i64 = raw.trim().parse().map_err(|_| ApiError::invalid_field("`limit` must be an integer"))?;
            if (1..=i64::from(MAX_PAGE_SIZE)).contains(&limit) {
                Ok(limit as i32)
            } else {
                Err(ApiError::out_of_range(format!("`limit` must be between 1 and {MAX_PAGE_SIZE}")))
            }
        }
    }
}
