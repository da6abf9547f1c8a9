//! The WebSocket API's routes as Lambda handlers: `$connect` (verify the agent, or the customer,
//! and record the socket), `$disconnect` (forget it) and `ping` (answer `pong` through the route
//! response). The customer's `message` route is a chat turn, in `crate::handlers::chat`.

use super::token::{JwtVerifier, VerifyError};
use super::customer::{admit_customer_socket, customer_connection, CUSTOMER_TOKEN_PARAM};
use super::PONG;
use crate::auth::{admit, principal::agent_from_claims, AgentPrincipal, Operation, Principal};
use crate::error::ApiError;
use crate::store::Store;
use aws_lambda_events::event::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Who may hold a socket: any agent who may read the queue and sessions, since that is all the
/// events tell. Shared by the `$connect` function and the local server.
pub fn admit_socket(claims: &HashMap<String, String>) -> Result<AgentPrincipal, ApiError> {
    let agent = agent_from_claims(claims)?;
    let principal = Principal::Agent(agent);
    admit(&principal, Operation::ViewSession)?;
    match principal {
        Principal::Agent(agent) => Ok(agent),
        Principal::Service(_) => unreachable!("made from claims"),
    }
}

pub fn response(status: u16, body: Option<String>) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = i64::from(status);
    response.body = body.map(Body::Text);
    response
}

fn error_response(error: ApiError) -> ApiGatewayProxyResponse {
    if let ApiError::Internal(source) = &error {
        tracing::error!(error = %source, "live socket request failed");
    }
    response(error.status().as_u16(), Some(error.body().to_string()))
}

pub fn connection_id(request: &ApiGatewayWebsocketProxyRequest) -> Option<&str> {
    request.request_context.connection_id.as_deref().filter(|id| !id.is_empty())
}

/// `$connect`: a non-2xx answer refuses the socket before it opens.
/// A customer connects with `?customer_token=` (recorded on its session's topic), an agent with
/// `?token=`; `customer_key` checks the former ([`crate::auth::customer::customer_token_key`]).
pub async fn connect(
    store: &Store,
    verifier: &JwtVerifier,
    customer_key: &[u8],
    request: &ApiGatewayWebsocketProxyRequest,
    now: DateTime<Utc>,
) -> ApiGatewayProxyResponse {
    let Some(connection_id) = connection_id(request) else {
        return error_response(ApiError::invalid_field("the event has no connectionId"));
    };
    if let Some(token) = request.query_string_parameters.first(CUSTOMER_TOKEN_PARAM) {
        let claims = match admit_customer_socket(customer_key, token, now) {
            Ok(claims) => claims,
            Err(refused) => return error_response(refused),
        };
        return match store.put_customer_connection(&customer_connection(connection_id, &claims), now).await {
            Ok(()) => {
                tracing::info!(session = %claims.sid, connection = connection_id, "customer socket opened");
                response(200, None)
            }
            Err(err) => error_response(ApiError::Internal(Box::new(err))),
        };
    }
    let token = request.query_string_parameters.first("token").unwrap_or_default();
    let claims = match verifier.verify(token).await {
        Ok(claims) => claims,
        Err(VerifyError::Unauthenticated(why)) => {
            tracing::info!(reason = why.reason(), "live socket refused");
            return error_response(ApiError::Unauthorized(why));
        }
        Err(outage @ VerifyError::KeySetUnavailable(_)) => return error_response(ApiError::Internal(Box::new(outage))),
    };
    let agent = match admit_socket(&claims) {
        Ok(agent) => agent,
        Err(refused) => return error_response(refused),
    };
    match store.put_connection(connection_id, &agent.agent_id, super::token_expiry(&claims), now).await {
        Ok(()) => {
            tracing::info!(agent = %agent.agent_id, connection = connection_id, "live socket opened");
            response(200, None)
        }
        Err(err) => error_response(ApiError::Internal(Box::new(err))),
    }
}

/// `$disconnect`: API Gateway ignores the answer; the item's TTL covers a failure here.
pub async fn disconnect(store: &Store, request: &ApiGatewayWebsocketProxyRequest) -> ApiGatewayProxyResponse {
    let Some(connection_id) = connection_id(request) else {
        return error_response(ApiError::invalid_field("the event has no connectionId"));
    };
    // One id is either kind; forgetting the kind it is not costs a write that finds nothing.
    let (agent, customer) = futures::join!(store.delete_connection(connection_id), store.delete_customer_connection(connection_id));
    match agent.and(customer) {
        Ok(()) => response(200, None),
        Err(err) => error_response(ApiError::Internal(Box::new(err))),
    }
}

/// `ping`: the body goes back to the client through the route's `$default` route response.
pub fn ping() -> ApiGatewayProxyResponse {
    response(200, Some(PONG.to_string()))
}
