//! A simulated customer: chats with the bot, sometimes asks for a person or gets there by failed
//! turns, waits, talks to the agent, and after a resolve starts a new conversation.

use super::client::{send_until_answered, Auth};
use super::journal::SentMessage;
use super::rng::Rng;
use super::Shared;
use reqwest::Method;
use serde_json::json;
use std::sync::Arc;

/// Questions the seeded knowledge base answers.
const ANSWERED: &[&str] = &[
    "How do I check the status of my order?",
    "How do I cancel an order?",
    "How long does delivery take?",
    "How much does shipping cost?",
    "How do I track my parcel?",
    "Do you ship internationally?",
    "Can I change the delivery address after ordering?",
    "怎么申请退款？",
];
/// Nothing in the knowledge base: a failed turn (three in a row escalate).
const UNANSWERED: &[&str] = &[
    "My blender makes a strange clicking noise",
    "Can you recommend a gift for my aunt?",
    "The colour of the sofa looks different in person",
    "Is there a discount for buying twenty chairs?",
];
const ASK_FOR_PERSON: &[&str] = &["I want to talk to a human", "转人工", "Can I speak to a real person please", "人工客服"];
const TO_AGENT: &[&str] = &[
    "Thanks, I am still here",
    "The order number is ORD-001",
    "Could you check again please?",
    "It was delivered to the wrong building",
];

pub async fn run(shared: Arc<Shared>, n: usize) {
    let config = &shared.config;
    let mut rng = Rng::new(config.seed ^ ((n as u64) << 20) ^ 0xC057);
    let user_id = format!("u_load_{n:04}");
    let mut session: Option<String> = None;
    let mut status = String::from("none");
    let mut turn = 0usize;
    // Customers arrive over a mean think time, so the run starts at its steady rate.
    let mean = (config.customer_think.0 + config.customer_think.1) / 2;
    shared.pause(rng.between((std::time::Duration::ZERO, mean))).await;
    while shared.open() {
        turn += 1;
        let marker = format!("[c{n:04}-{turn:03}]");
        let text = match status.as_str() {
            "pending" | "assigned" => *rng.pick(TO_AGENT),
            _ if rng.chance(0.08) => *rng.pick(ASK_FOR_PERSON),
            _ if rng.chance(0.6) => *rng.pick(ANSWERED),
            _ => *rng.pick(UNANSWERED),
        };
        let mut body = json!({"user_id": user_id, "message": format!("{marker} {text}")});
        if let Some(id) = &session {
            body["session_id"] = json!(id);
        }
        let key = format!("{}-c{n}-{turn}", shared.run_id);
        let reply =
            send_until_answered(&shared, "POST /api/v1/chat", Method::POST, "/api/v1/chat", Auth::Key, Some(&body), Some(&key))
                .await;
        if reply.ok() {
            match reply.body["session_id"].as_str() {
                Some(id) => {
                    shared.journal.messages_acked.lock().unwrap().push(SentMessage { marker, session_id: Some(id.to_string()) });
                    session = Some(id.to_string());
                    status = reply.body["agent_status"].as_str().unwrap_or("none").to_string();
                }
                None => shared.journal.note_failure(format!("chat 2xx without a session_id: {}", reply.body)),
            }
        } else {
            shared.journal.messages_unsure.lock().unwrap().push(SentMessage { marker, session_id: session.clone() });
        }
        // A bot conversation that went well ends now and then; the next message starts anew.
        if status == "none" && rng.chance(0.1) {
            session = None;
        }
        shared.pause(rng.between(config.customer_think)).await;
    }
}
