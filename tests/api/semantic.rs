//! Issue 9: the bot answers customers' own words, with the local model (multilingual-e5-small)
//! as in production, over the seed knowledge base.

use crate::helpers::{fresh_app, model, spawn_with, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn seeded() -> TestApp {
    let app = fresh_app().await.with_embedder(model());
    workbench_local::seed::seed_knowledge(&app, &crate::helpers::repo_root().join("infra/seed")).await.unwrap();
    spawn_with(app).await
}

async fn chat(t: &TestApp, user: &str, message: &str) -> Value {
    let reply = t.post("/api/v1/chat", json!({"user_id": user, "message": message})).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body
}

fn faq_answer(id: &str) -> String {
    let faqs = workbench::knowledge::eval::load_faqs(&crate::helpers::repo_root().join("infra/seed")).unwrap();
    faqs.into_iter().find(|f| f.faq_id == id).unwrap().answer
}

#[tokio::test]
async fn the_bot_answers_paraphrases_in_english_and_chinese_and_not_the_unrelated() {
    let t = seeded().await;
    for (n, (message, faq)) in [
        ("How many days do I have to send something back?", "faq-return-window"),
        ("you billed me twice for a single purchase", "faq-double-charge"),
        ("钱什么时候退回来", "faq-zh-refund-time"),
        ("my old SIM is gone, need to switch the number on my profile", "faq-change-phone"),
    ]
    .into_iter()
    .enumerate()
    {
        let reply = chat(&t, &format!("u_para_{n}"), message).await;
        assert_eq!(reply["reply"].as_str(), Some(faq_answer(faq).as_str()), "{message}: {reply}");
        // Noise does not turn the answer into a failed turn.
        let noisy = chat(&t, &format!("u_noisy_{n}"), &format!("{message} ref 88231-XK thanks")).await;
        assert_eq!(noisy["reply"], reply["reply"], "{message} with noise");
    }
    for (n, message) in ["what's the capital of Australia", "红烧肉怎么做"].into_iter().enumerate() {
        let reply = chat(&t, &format!("u_other_{n}"), message).await;
        assert_eq!(reply["sources"], json!([]), "{message}: {reply}");
    }
}

#[tokio::test]
async fn recommendations_come_in_score_order_and_the_chat_answer_is_the_best_faq() {
    let t = seeded().await;
    let reply = t.post("/api/v1/chat", json!({"user_id": "u_rec", "message": "I need a person", "escalate_to_human": true})).await;
    let session = reply.body;
    let id = session["session_id"].as_str().unwrap();
    for query in ["refund to my card", "shipping cost for small orders", "发票怎么开", "my package is late", "change my password"] {
        let reply = t.post(&format!("/api/v1/agent/sessions/{id}/knowledge-recommend"), json!({"query": query, "top_k": 5})).await;
        assert_eq!(reply.status, StatusCode::OK);
        let scores: Vec<f64> = reply.body["chunks"].as_array().unwrap().iter().map(|c| c["score"].as_f64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{query}: {scores:?}");
    }
}

/// Issue 28, item 5: impatience or politeness around a question the bot answers ("Is delivery
/// free??? thx", capitals, "!!") still gets the answer, now with the offer of a person, instead of a
/// silent transfer. Over the seed FAQs the bot answers as asked, at least 90 % of the noisy
/// versions must still be answered with the same FAQ; none of them is escalated unanswered.
#[tokio::test]
async fn impatient_or_polite_noise_around_an_answered_question_is_still_answered() {
    let t = seeded().await;
    let faqs = workbench::knowledge::eval::load_faqs(&crate::helpers::repo_root().join("infra/seed")).unwrap();
    let noises: [fn(&str) -> String; 6] = [
        |q| format!("{}???", q.trim_end_matches(['?', '？'])),
        |q| format!("{q}!!"),
        |q| format!("{q} thx"),
        |q| format!("{}??? thx", q.trim_end_matches(['?', '？'])),
        |q| q.to_uppercase(),
        |q| format!("{q} PLEASE!!!"),
    ];
    let (mut asked, mut answered, mut silent_transfers) = (0, 0, Vec::new());
    for (n, faq) in faqs.iter().enumerate().filter(|(_, f)| !f.question.chars().any(|c| c > '\u{2E80}')).take(16).chain(
        faqs.iter().enumerate().filter(|(_, f)| f.question.chars().any(|c| c > '\u{2E80}')).take(6),
    ) {
        let plain = chat(&t, &format!("u_plain_{n}"), &faq.question).await;
        if plain["reply"].as_str() != Some(faq.answer.as_str()) {
            continue; // the noise is measured on questions the bot answers as asked
        }
        for (k, noise) in noises.iter().enumerate() {
            let message = noise(&faq.question);
            let reply = chat(&t, &format!("u_noise_{n}_{k}"), &message).await;
            asked += 1;
            if reply["reply"].as_str().is_some_and(|r| r.starts_with(faq.answer.as_str())) {
                answered += 1;
                assert_eq!(reply["agent_status"], "none", "{message}: {reply}");
            } else if reply["agent_status"] == "pending" {
                silent_transfers.push(message);
            }
        }
    }
    println!("noisy questions answered: {answered} of {asked}; transferred: {silent_transfers:?}");
    assert!(asked >= 60, "enough questions were answered as asked to measure: {asked}");
    assert!(answered * 10 >= asked * 9, "{answered} of {asked} noisy questions answered; transferred: {silent_transfers:?}");
}
