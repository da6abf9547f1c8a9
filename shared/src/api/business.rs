//! Business assist: what an agent asks of the order system for a session.

use serde::Deserialize;

pub const MAX_QUERY_CHARS: usize = 1000;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssistRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 1000)]
    pub query: Option<String>,
    #[schema(max_length = 2048)]
    pub confirmation_token: Option<String>,
    #[schema(pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    pub agent_id: Option<String>,
}
