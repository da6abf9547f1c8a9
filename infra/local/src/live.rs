//! Live updates on the local stack: the part API Gateway's WebSocket API and the stream-triggered
//! Lambda play in AWS.
//!
//! - `GET /ws?token=<jwt>` checks the token as `$connect` does (401 before any upgrade), records
//!   the socket in the table (the same connection item the `$connect` function writes), and
//!   answers `{"action":"ping"}` with `{"type":"pong"}`. `GET /ws?customer_token=<token>` is a
//!   customer's socket on the token's session (recorded on its topic, as `$connect` records it);
//!   its `{"action":"message",…}` frames are chat turns, answered with a `chat.answer` frame. Like API Gateway it closes a socket after
//!   10 minutes without a client frame and after 2 hours in any case.
//! - [`spawn_stream_reader`] polls the table's DynamoDB stream (DynamoDB Local has one) and runs
//!   the same [`workbench::live::fan_out`] the Lambda runs, with this server's sockets as the
//!   [`Poster`]. A socket id this server does not hold is gone (a previous run's): its item is
//!   removed, as API Gateway's 410 makes the Lambda remove it. So one table serves one local server.
//!
//! A failing stream reader is logged and retried with backoff; the API goes on serving.

use crate::identity::LocalIdentity;
use aws_sdk_dynamodbstreams::types::{AttributeValue as StreamValue, ShardIteratorType};
use aws_sdk_dynamodb::types::AttributeValue;
use futures::future::BoxFuture;
use futures::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use lambda_http::http::StatusCode;
use lambda_http::Body;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use workbench::error::ApiError;
use crate::webhook::OutboundSink;
use workbench::live::outbound::outbound_from_change;
use workbench::live::customer::{admit_customer_socket, answer_frame, customer_connection, fan_out_to_customers, CUSTOMER_TOKEN_PARAM};
use workbench::live::outbound::outbound_from_change_for;
use workbench::live::{action_of, events_from_change, fan_out, PostError, Poster, PONG};
use workbench::thread::Audience;
use workbench::store::{Item, Store};

/// API Gateway closes a WebSocket after this long without a client frame.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// ... and after this long in any case.
pub const MAX_CONNECTION: Duration = Duration::from_secs(2 * 60 * 60);
/// Frames waiting for one slow socket; past this, frames to it are dropped (and logged).
const SOCKET_BUFFER: usize = 256;
/// How often an idle shard is asked for new records.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How often the stream's shards are listed, to follow shards that replace closed ones.
const DISCOVER_INTERVAL: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// The sockets this server holds, by connection id.
#[derive(Default)]
pub struct LiveHub {
    sockets: Mutex<HashMap<String, mpsc::Sender<String>>>,
}

impl LiveHub {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn open_sockets(&self) -> usize {
        self.sockets.lock().expect("hub lock").len()
    }

    fn register(&self, connection_id: &str) -> mpsc::Receiver<String> {
        let (tx, rx) = mpsc::channel(SOCKET_BUFFER);
        self.sockets.lock().expect("hub lock").insert(connection_id.to_string(), tx);
        rx
    }

    fn remove(&self, connection_id: &str) {
        self.sockets.lock().expect("hub lock").remove(connection_id);
    }
}

impl Poster for LiveHub {
    fn post<'a>(&'a self, connection_id: &'a str, frame: &'a str) -> BoxFuture<'a, Result<(), PostError>> {
        let sender = self.sockets.lock().expect("hub lock").get(connection_id).cloned();
        Box::pin(async move {
            let Some(sender) = sender else { return Err(PostError::Gone) };
            match sender.try_send(frame.to_string()) {
                Ok(()) => Ok(()),
                Err(mpsc::error::TrySendError::Closed(_)) => Err(PostError::Gone),
                Err(mpsc::error::TrySendError::Full(_)) => Err(PostError::Failed("the socket is not keeping up".into())),
            }
        })
    }

    /// Dropping the socket's sender ends its loop, which closes it.
    fn close<'a>(&'a self, connection_id: &'a str) -> BoxFuture<'a, Result<(), PostError>> {
        self.remove(connection_id);
        Box::pin(async { Ok(()) })
    }
}

/// `GET /ws?token=…`: the `$connect` route. Refuses with the API's JSON errors before upgrading.
/// The server lends what the route needs: the app (its store and clock), the identity that checks
/// the token, and the hub that holds the sockets.
pub async fn accept(
    app: &workbench::App,
    identity: &Arc<LocalIdentity>,
    live: &Arc<LiveHub>,
    req: hyper::Request<Incoming>,
) -> lambda_http::Response<Body> {
    let query = req.uri().query().unwrap_or("");
    let param = |name: &str| form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    // A customer's socket, bound to the one session of its token (`$connect` decides the same).
    let customer = match param(CUSTOMER_TOKEN_PARAM) {
        None => None,
        Some(token) => match admit_customer_socket(&customer_key(app), &token, app.now()) {
            Ok(claims) => Some(claims),
            Err(refused) => return refused.into_response(),
        },
    };
    let agent = match &customer {
        Some(_) => None,
        None => {
            let Some(token) = param("token").filter(|t| !t.is_empty()) else {
                return ApiError::Unauthorized(workbench::auth::Unauthenticated::Missing).into_response();
            };
            let claims = match identity.verify(&token) {
                Ok(claims) => claims,
                Err(why) => return ApiError::Unauthorized(why).into_response(),
            };
            match workbench::live::socket::admit_socket(&claims) {
                Ok(agent) => Some((agent, workbench::live::token_expiry(&claims))),
                Err(refused) => return refused.into_response(),
            }
        }
    };
    let headers = req.headers();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    let key = header("sec-websocket-key").to_string();
    let upgrade = header("upgrade").eq_ignore_ascii_case("websocket")
        && header("connection").split(',').any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
        && header("sec-websocket-version") == "13"
        && !key.is_empty();
    if !upgrade {
        return ApiError::invalid_field("expected a WebSocket upgrade (version 13) on /ws").into_response();
    }
    let connection_id = format!("local-{}", uuid::Uuid::new_v4().simple());
    let (holder_of, token_expires_at) = match (&customer, &agent) {
        (Some(claims), _) => {
            let connection = customer_connection(&connection_id, claims);
            if let Err(err) = app.store.put_customer_connection(&connection, app.now()).await {
                return ApiError::Internal(Box::new(err)).into_response();
            }
            tracing::info!(session = %claims.sid, connection = %connection_id, "customer socket opened");
            (Holder::Customer { app: Box::new(app.clone()), connection }, Some(claims.exp))
        }
        (None, Some((agent, token_expires_at))) => {
            if let Err(err) = app.store.put_connection(&connection_id, &agent.agent_id, *token_expires_at, app.now()).await {
                return ApiError::Internal(Box::new(err)).into_response();
            }
            tracing::info!(agent = %agent.agent_id, connection = %connection_id, "live socket opened");
            (Holder::Agent { agent_id: agent.agent_id.clone() }, *token_expires_at)
        }
        (None, None) => unreachable!("a customer or an agent was admitted above"),
    };
    let frames = live.register(&connection_id);
    let (store, hub) = (app.store.clone(), live.clone());
    let holder = SocketHolder {
        connection_id: connection_id.clone(),
        holder: holder_of,
        token_expires_at: token_expires_at.unwrap_or(i64::MAX),
        identity: identity.clone(),
        store: store.clone(),
    };
    tokio::spawn(async move {
        match hyper::upgrade::on(req).await {
            Ok(upgraded) => {
                let socket = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
                serve_socket(socket, frames, holder).await;
            }
            Err(err) => tracing::debug!(error = %err, "the WebSocket upgrade did not complete"),
        }
        // `$disconnect`.
        hub.remove(&connection_id);
        let (agent, customer) = futures::join!(store.delete_connection(&connection_id), store.delete_customer_connection(&connection_id));
        if let Err(err) = agent.and(customer) {
            tracing::warn!(error = %err, connection = %connection_id, "could not forget a closed socket");
        }
        tracing::info!(connection = %connection_id, "live socket closed");
    });
    lambda_http::Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-accept", derive_accept_key(key.as_bytes()))
        .body(Body::Empty)
        .expect("static headers build a response")
}

/// The customer token key of this server: derived from its API keys, as the Lambdas derive it.
fn customer_key(app: &workbench::App) -> Vec<u8> {
    app.customer_token_key()
}

/// Whose socket it is.
enum Holder {
    Agent { agent_id: String },
    /// A customer, on one session; their `message` frames are chat turns of this app.
    Customer { app: Box<workbench::App>, connection: workbench::store::CustomerConnection },
}

/// Who holds a socket, and until when their token lets them.
struct SocketHolder {
    connection_id: String,
    holder: Holder,
    /// Epoch seconds.
    token_expires_at: i64,
    identity: Arc<crate::identity::LocalIdentity>,
    store: Store,
}

impl SocketHolder {
    fn token_deadline(&self) -> Instant {
        let left = self.token_expires_at.saturating_sub(chrono::Utc::now().timestamp()).max(0) as u64;
        Instant::now() + Duration::from_secs(left)
    }

    /// `{"action":"auth","token":"…"}`: a fresh token of the same agent keeps the socket open
    /// past the first one's expiry. Anything else is refused (and the socket closed).
    async fn reauthenticate(&mut self, frame: &str) -> Result<String, &'static str> {
        let token = serde_json::from_str::<serde_json::Value>(frame)
            .ok()
            .and_then(|v| v.get("token").and_then(|t| t.as_str()).map(str::to_string))
            .ok_or("the auth frame holds no token")?;
        let agent_id = match &self.holder {
            Holder::Agent { agent_id } => agent_id.clone(),
            Holder::Customer { app, connection } => {
                let claims = admit_customer_socket(&customer_key(app), &token, app.now())
                    .map_err(|_| "the customer token does not verify")?;
                if claims.sid != connection.session_id || claims.uid != connection.user_id {
                    return Err("the token is for another session");
                }
                self.store.extend_customer_connection(connection, claims.exp).await.map_err(|_| "the socket could not be extended")?;
                self.token_expires_at = claims.exp;
                return Ok(serde_json::json!({"type": "authenticated", "expires_at": claims.exp}).to_string());
            }
        };
        let claims = self.identity.verify(&token).map_err(|_| "the token does not verify")?;
        let agent = workbench::live::socket::admit_socket(&claims).map_err(|_| "the token may not hold a socket")?;
        if agent.agent_id != agent_id {
            return Err("the token is another agent's");
        }
        let expires_at = workbench::live::token_expiry(&claims).ok_or("the token has no expiry")?;
        self.store.extend_connection(&self.connection_id, expires_at).await.map_err(|_| "the socket could not be extended")?;
        self.token_expires_at = expires_at;
        Ok(serde_json::json!({"type": "authenticated", "expires_at": expires_at}).to_string())
    }
}

/// The close code a socket gets when its token expired (or a re-authentication failed): the
/// 4000s are the application's; 4401 reads as HTTP's 401.
pub const TOKEN_EXPIRED_CLOSE: u16 = 4401;

async fn serve_socket<S>(mut socket: WebSocketStream<S>, mut frames: mpsc::Receiver<String>, mut holder: SocketHolder)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio_tungstenite::tungstenite::protocol::{frame::coding::CloseCode, CloseFrame};
    let closes_at = Instant::now() + MAX_CONNECTION;
    let mut idle_at = Instant::now() + IDLE_TIMEOUT;
    let mut token_deadline = holder.token_deadline();
    let mut refusal: Option<&'static str> = None;
    loop {
        tokio::select! {
            frame = frames.recv() => {
                let Some(frame) = frame else { break };
                if socket.send(Message::text(frame)).await.is_err() {
                    break;
                }
            }
            incoming = socket.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    idle_at = Instant::now() + IDLE_TIMEOUT;
                    match action_of(text.as_str()).as_deref() {
                        Some("ping") if socket.send(Message::text(PONG)).await.is_err() => break,
                        Some("ping") => {}
                        Some("message") => {
                            let answer = match &holder.holder {
                                Holder::Customer { app, connection } => {
                                    workbench::handlers::chat::socket_turn(app, connection, text.as_str()).await
                                }
                                Holder::Agent { .. } => answer_frame(None, Err(ApiError::Forbidden(workbench::auth::Denied::Forbidden(
                                    "agents write with POST /api/v1/agent/sessions/{session_id}/messages".to_string(),
                                )))),
                            };
                            if socket.send(Message::text(answer)).await.is_err() {
                                break;
                            }
                        }
                        Some("auth") => match holder.reauthenticate(text.as_str()).await {
                            Ok(answer) => {
                                token_deadline = holder.token_deadline();
                                if socket.send(Message::text(answer)).await.is_err() {
                                    break;
                                }
                            }
                            Err(why) => {
                                refusal = Some(why);
                                break;
                            }
                        },
                        _ => {}
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => idle_at = Instant::now() + IDLE_TIMEOUT,
            },
            _ = tokio::time::sleep_until(token_deadline) => {
                refusal = Some("the token has expired; reconnect or send {\"action\":\"auth\",\"token\":…} before it does");
                break;
            }
            _ = tokio::time::sleep_until(idle_at) => break,
            _ = tokio::time::sleep_until(closes_at) => break,
        }
    }
    let close = refusal.map(|why| CloseFrame { code: CloseCode::from(TOKEN_EXPIRED_CLOSE), reason: why.into() });
    let _ = socket.close(close).await;
}

/// A DynamoDB Streams client beside the store's: DynamoDB Local at `endpoint`, else AWS.
pub async fn streams_client(endpoint: Option<&str>) -> aws_sdk_dynamodbstreams::Client {
    use aws_sdk_dynamodbstreams::config::{BehaviorVersion, Credentials, Region};
    match endpoint.filter(|e| !e.is_empty()) {
        Some(endpoint) => {
            let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".to_string());
            let config = aws_sdk_dynamodbstreams::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new(region))
                .credentials_provider(Credentials::new("local", "local", None, None, "dynamodb-local"))
                .http_client(workbench::app::https_client())
                .endpoint_url(endpoint)
                .build();
            aws_sdk_dynamodbstreams::Client::from_conf(config)
        }
        None => aws_sdk_dynamodbstreams::Client::new(&workbench::app::aws_shared_config().await),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ReaderError(String);

fn failed(what: &str, err: impl std::fmt::Display) -> ReaderError {
    ReaderError(format!("{what}: {err}"))
}

struct Shard {
    iterator: Option<String>,
    last_sequence: Option<String>,
    /// Where reading starts when there is no sequence number to resume after.
    start: ShardIteratorType,
}

#[derive(Default)]
struct ReaderState {
    stream_arn: Option<String>,
    shards: HashMap<String, Shard>,
    /// Closed shards read to their end, or closed before this reader started.
    finished: HashSet<String>,
    started: bool,
}

/// Follow the table's stream from now on and fan every change out to `poster`'s sockets. The
/// receiver turns `true` once the reader holds its first shard iterators: a change written after
/// that is delivered.
pub fn spawn_stream_reader(
    store: Store,
    streams: aws_sdk_dynamodbstreams::Client,
    poster: Arc<dyn Poster>,
) -> watch::Receiver<bool> {
    spawn_stream_reader_with_outbound(store, streams, poster, None)
}

/// As [`spawn_stream_reader`], and the customer's outbound events of every change, derived from
/// the same records, handed to `outbound` in stream order (the local bus: [`crate::webhook`]).
pub fn spawn_stream_reader_with_outbound(
    store: Store,
    streams: aws_sdk_dynamodbstreams::Client,
    poster: Arc<dyn Poster>,
    outbound: Option<OutboundSink>,
) -> watch::Receiver<bool> {
    let (ready_tx, ready) = watch::channel(false);
    tokio::spawn(async move {
        let mut state = ReaderState::default();
        let mut backoff = Duration::from_millis(200);
        loop {
            let Err(err) =
                read_stream(&store, &streams, poster.as_ref(), outbound.as_ref(), &mut state, &ready_tx, &mut backoff).await;
            tracing::warn!(error = %err, table = store.table(), retry_in_ms = backoff.as_millis() as u64, "live updates: the stream reader failed");
            for shard in state.shards.values_mut() {
                shard.iterator = None;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    });
    ready
}

/// Runs until something fails; the caller retries with the state kept, so reading resumes after
/// the last record seen.
async fn read_stream(
    store: &Store,
    streams: &aws_sdk_dynamodbstreams::Client,
    poster: &dyn Poster,
    outbound: Option<&OutboundSink>,
    state: &mut ReaderState,
    ready: &watch::Sender<bool>,
    backoff: &mut Duration,
) -> Result<std::convert::Infallible, ReaderError> {
    if state.stream_arn.is_none() {
        let table = store.client().describe_table().table_name(store.table()).send().await.map_err(|e| failed("DescribeTable", e))?;
        let arn = table.table().and_then(|t| t.latest_stream_arn()).ok_or_else(|| ReaderError(format!("table {} has no stream", store.table())))?;
        state.stream_arn = Some(arn.to_string());
    }
    let arn = state.stream_arn.clone().expect("set above");
    let mut next_discovery = Instant::now();
    loop {
        if Instant::now() >= next_discovery {
            discover_shards(streams, &arn, state).await?;
            next_discovery = Instant::now() + DISCOVER_INTERVAL;
        }
        for (shard_id, shard) in state.shards.iter_mut() {
            if shard.iterator.is_none() {
                shard.iterator = Some(shard_iterator(streams, &arn, shard_id, shard).await?);
            }
        }
        if !state.started {
            state.started = true;
            let _ = ready.send(true);
        }
        let mut any_records = false;
        let mut closed = Vec::new();
        for (shard_id, shard) in state.shards.iter_mut() {
            let iterator = shard.iterator.take().expect("every shard holds an iterator here");
            let out = match streams.get_records().shard_iterator(iterator).limit(1000).send().await {
                Ok(out) => out,
                Err(err) => {
                    let service = err.as_service_error();
                    if service.is_some_and(|e| e.is_trimmed_data_access_exception()) {
                        // Also DynamoDB Local's answer to a LATEST iterator taken on an empty
                        // shard: every record of the shard is then newer than the reader.
                        shard.start = ShardIteratorType::TrimHorizon;
                        shard.last_sequence = None;
                        continue;
                    }
                    if service.is_some_and(|e| e.is_expired_iterator_exception()) {
                        continue;
                    }
                    if service.is_some_and(|e| e.is_resource_not_found_exception()) {
                        // The table or its stream was replaced: start over on the new one.
                        *state = ReaderState { started: true, ..ReaderState::default() };
                        return Err(failed("GetRecords", err));
                    }
                    return Err(failed("GetRecords", err));
                }
            };
            *backoff = Duration::from_millis(200);
            let records = out.records.unwrap_or_default();
            any_records |= !records.is_empty();
            let mut events = Vec::new();
            let mut customer_events = Vec::new();
            let mut customer_frames = Vec::new();
            for record in records {
                let Some(change) = record.dynamodb else { continue };
                if let Some(sequence) = change.sequence_number {
                    shard.last_sequence = Some(sequence);
                }
                let old = change.old_image.map(convert_item);
                let new = change.new_image.map(convert_item);
                events.extend(events_from_change(old.as_ref(), new.as_ref()));
                if outbound.is_some() {
                    customer_events.extend(outbound_from_change(old.as_ref(), new.as_ref()));
                }
                customer_frames.extend(outbound_from_change_for(Audience::Customer, old.as_ref(), new.as_ref()));
            }
            if let (Some(sink), false) = (outbound, customer_events.is_empty()) {
                if sink.send(customer_events).is_err() {
                    tracing::warn!("customer webhook: the deliverer has stopped; events dropped");
                }
            }
            if !events.is_empty() {
                if let Err(err) = fan_out(store, poster, &events, chrono::Utc::now()).await {
                    tracing::warn!(error = %err, "live updates: could not list the sockets; events dropped");
                }
            }
            if !customer_frames.is_empty() {
                if let Err(err) = fan_out_to_customers(store, poster, &customer_frames, chrono::Utc::now()).await {
                    tracing::warn!(error = %err, "live updates: could not read a session's customer sockets; events dropped");
                }
            }
            match out.next_shard_iterator {
                Some(next) => shard.iterator = Some(next),
                None => closed.push(shard_id.clone()),
            }
        }
        if !closed.is_empty() {
            for shard_id in closed {
                state.shards.remove(&shard_id);
                state.finished.insert(shard_id);
            }
            next_discovery = Instant::now();
        }
        if !any_records {
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

/// Add the shards not seen before. At the first listing the open shards are read from their
/// latest record on; a shard that appears later (the child of a closed one) from its start.
async fn discover_shards(streams: &aws_sdk_dynamodbstreams::Client, arn: &str, state: &mut ReaderState) -> Result<(), ReaderError> {
    let mut start_after: Option<String> = None;
    let first = !state.started;
    loop {
        let out = streams
            .describe_stream()
            .stream_arn(arn)
            .set_exclusive_start_shard_id(start_after.take())
            .send()
            .await
            .map_err(|e| failed("DescribeStream", e))?;
        let Some(description) = out.stream_description else { return Ok(()) };
        for shard in description.shards.unwrap_or_default() {
            let Some(id) = shard.shard_id else { continue };
            if state.shards.contains_key(&id) || state.finished.contains(&id) {
                continue;
            }
            let closed = shard.sequence_number_range.is_some_and(|r| r.ending_sequence_number.is_some());
            if first && closed {
                state.finished.insert(id);
                continue;
            }
            let start = if first { ShardIteratorType::Latest } else { ShardIteratorType::TrimHorizon };
            state.shards.insert(id, Shard { iterator: None, last_sequence: None, start });
        }
        match description.last_evaluated_shard_id {
            Some(last) => start_after = Some(last),
            None => return Ok(()),
        }
    }
}

async fn shard_iterator(
    streams: &aws_sdk_dynamodbstreams::Client,
    arn: &str,
    shard_id: &str,
    shard: &Shard,
) -> Result<String, ReaderError> {
    let request = streams.get_shard_iterator().stream_arn(arn).shard_id(shard_id);
    let request = match &shard.last_sequence {
        Some(sequence) => request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(sequence),
        None => request.shard_iterator_type(shard.start.clone()),
    };
    let out = request.send().await.map_err(|e| failed("GetShardIterator", e))?;
    out.shard_iterator.ok_or_else(|| ReaderError(format!("no iterator for shard {shard_id}")))
}

/// DynamoDB Streams' attribute values are their own type; the store's are DynamoDB's.
fn convert_item(item: HashMap<String, StreamValue>) -> Item {
    item.into_iter().map(|(k, v)| (k, convert(v))).collect()
}

fn convert(value: StreamValue) -> AttributeValue {
    match value {
        StreamValue::S(s) => AttributeValue::S(s),
        StreamValue::N(n) => AttributeValue::N(n),
        StreamValue::B(b) => AttributeValue::B(b),
        StreamValue::Bool(b) => AttributeValue::Bool(b),
        StreamValue::Null(b) => AttributeValue::Null(b),
        StreamValue::Ss(v) => AttributeValue::Ss(v),
        StreamValue::Ns(v) => AttributeValue::Ns(v),
        StreamValue::Bs(v) => AttributeValue::Bs(v),
        StreamValue::L(v) => AttributeValue::L(v.into_iter().map(convert).collect()),
        StreamValue::M(m) => AttributeValue::M(convert_item(m)),
        other => {
            tracing::warn!(value = ?other, "an attribute type this build does not know; read as null");
            AttributeValue::Null(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_values_convert_to_store_values_deeply() {
        let item = HashMap::from([
            ("s".to_string(), StreamValue::S("x".into())),
            ("m".to_string(), StreamValue::M(HashMap::from([("n".to_string(), StreamValue::N("1".into()))]))),
            ("l".to_string(), StreamValue::L(vec![StreamValue::Bool(true), StreamValue::Null(true)])),
            ("ss".to_string(), StreamValue::Ss(vec!["a".into()])),
        ]);
        let converted = convert_item(item);
        assert_eq!(converted["s"], AttributeValue::S("x".into()));
        assert_eq!(converted["m"], AttributeValue::M(HashMap::from([("n".to_string(), AttributeValue::N("1".into()))])));
        assert_eq!(converted["l"], AttributeValue::L(vec![AttributeValue::Bool(true), AttributeValue::Null(true)]));
        assert_eq!(converted["ss"], AttributeValue::Ss(vec!["a".into()]));
    }

    #[tokio::test]
    async fn a_socket_this_server_does_not_hold_is_gone() {
        let hub = LiveHub::new();
        assert!(matches!(hub.post("nobody", "{}").await, Err(PostError::Gone)));
        let mut rx = hub.register("c1");
        hub.post("c1", "frame").await.unwrap();
        assert_eq!(rx.recv().await.as_deref(), Some("frame"));
        drop(rx);
        assert!(matches!(hub.post("c1", "frame").await, Err(PostError::Gone)));
        hub.remove("c1");
        assert_eq!(hub.open_sockets(), 0);
    }
}
