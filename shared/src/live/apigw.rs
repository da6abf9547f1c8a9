//! Posting to sockets through API Gateway's management API (`POST @connections/{id}`).

use super::{PostError, Poster};
use aws_sdk_apigatewaymanagement::error::DisplayErrorContext;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use futures::future::BoxFuture;

pub struct ApiGatewayPoster {
    client: aws_sdk_apigatewaymanagement::Client,
}

impl ApiGatewayPoster {
    /// `endpoint` is the stage's management URL, `https://{api id}.execute-api.{region}.amazonaws.com/{stage}`.
    pub fn new(shared: &aws_config::SdkConfig, endpoint: &str) -> Self {
        let config = aws_sdk_apigatewaymanagement::config::Builder::from(shared).endpoint_url(endpoint).build();
        ApiGatewayPoster { client: aws_sdk_apigatewaymanagement::Client::from_conf(config) }
    }
}

impl Poster for ApiGatewayPoster {
    fn post<'a>(&'a self, connection_id: &'a str, frame: &'a str) -> BoxFuture<'a, Result<(), PostError>> {
        Box::pin(async move {
            let sent = self
                .client
                .post_to_connection()
                .connection_id(connection_id)
                .data(Blob::new(frame.as_bytes()))
                .send()
                .await;
            match sent {
                Ok(_) => Ok(()),
                Err(err) if err.as_service_error().is_some_and(|e| e.is_gone_exception()) => Err(PostError::Gone),
                Err(err) => Err(PostError::Failed(DisplayErrorContext(&err).to_string())),
            }
        })
    }

    fn close<'a>(&'a self, connection_id: &'a str) -> BoxFuture<'a, Result<(), PostError>> {
        Box::pin(async move {
            match self.client.delete_connection().connection_id(connection_id).send().await {
                Ok(_) => Ok(()),
                Err(err) if err.as_service_error().is_some_and(|e| e.is_gone_exception()) => Err(PostError::Gone),
                Err(err) => Err(PostError::Failed(DisplayErrorContext(&err).to_string())),
            }
        })
    }
}
