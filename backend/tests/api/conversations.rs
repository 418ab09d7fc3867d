use serde_json::json;

use crate::helpers::spawn_app_with;

async fn app() -> crate::helpers::TestApp {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("mentor.toml");
    std::fs::write(&path, "[plans.free]\nper_minute = 1000\n").expect("config");
    let app = spawn_app_with(|s| s.ai.config_file = Some(path)).await;
    drop(dir); // the config is read at start
    app
}

#[tokio::test]
async fn conversations_are_listed_newest_first_in_pages() {
    let app = app().await;
    let s = app.register("ada@example.com").await;
    for i in 0..5 {
        app.ask(
            &s.access,
            json!({"question": format!("Question number {i}")}),
        )
        .await;
    }
    let page = app
        .request(
            "GET",
            "/api/v1/conversations?limit=2",
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(page.status, 200);
    let titles: Vec<&str> = page.body["conversations"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["title"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(titles, vec!["Question number 4", "Question number 3"]);
    let before = page.body["next_before"].as_i64().expect("more pages");
    let next = app
        .request(
            "GET",
            &format!("/api/v1/conversations?limit=2&before={before}"),
            Some(&s.access),
            None,
        )
        .await;
    let titles: Vec<&str> = next.body["conversations"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["title"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(titles, vec!["Question number 2", "Question number 1"]);
    let last = app
        .request(
            "GET",
            &format!(
                "/api/v1/conversations?limit=2&before={}",
                next.body["next_before"]
            ),
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(last.body["conversations"].as_array().map(Vec::len), Some(1));
    assert_eq!(last.body["next_before"], json!(null));
    app.request(
        "GET",
        "/api/v1/conversations?limit=many",
        Some(&s.access),
        None,
    )
    .await
    .assert_error(400, "invalid_request");
}

#[tokio::test]
async fn a_conversation_shows_its_messages_and_can_be_deleted() {
    let app = app().await;
    let s = app.register("ada@example.com").await;
    let asked = app.ask(&s.access, json!({"question": "Hello?"})).await;
    let id = asked.body["conversation_id"].as_i64().expect("id");
    let path = format!("/api/v1/conversations/{id}");
    let conversation = app.request("GET", &path, Some(&s.access), None).await;
    assert_eq!(conversation.status, 200);
    assert_eq!(conversation.body["title"], "Hello?");
    let messages: Vec<(&str, &str)> = conversation.body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap_or_default(),
                m["content"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        vec![
            ("user", "Hello?"),
            ("assistant", "Hello from the **stand-in**.")
        ]
    );
    assert_eq!(conversation.body["messages"][1]["model"], "gpt-4o-mini");

    assert_eq!(
        app.request("DELETE", &path, Some(&s.access), None)
            .await
            .status,
        204
    );
    app.request("GET", &path, Some(&s.access), None)
        .await
        .assert_error(404, "not_found");
    app.request("DELETE", &path, Some(&s.access), None)
        .await
        .assert_error(404, "not_found");
    let usage = app
        .request("GET", "/api/v1/usage", Some(&s.access), None)
        .await;
    assert_eq!(
        usage.body["quota"]["used"], 1,
        "deleting a conversation does not refund it"
    );
}

#[tokio::test]
async fn another_users_conversation_is_not_found_for_reading_deleting_or_continuing() {
    let app = app().await;
    let ada = app.register("ada@example.com").await;
    let bob = app.register("bob@example.com").await;
    let id = app
        .ask(&ada.access, json!({"question": "Private"}))
        .await
        .body["conversation_id"]
        .as_i64()
        .expect("id");
    let path = format!("/api/v1/conversations/{id}");
    app.request("GET", &path, Some(&bob.access), None)
        .await
        .assert_error(404, "not_found");
    app.request("DELETE", &path, Some(&bob.access), None)
        .await
        .assert_error(404, "not_found");
    app.ask(
        &bob.access,
        json!({"question": "Mine now?", "conversation_id": id}),
    )
    .await
    .assert_error(404, "not_found");
    let list = app
        .request("GET", "/api/v1/conversations", Some(&bob.access), None)
        .await;
    assert_eq!(list.body["conversations"], json!([]));
    assert_eq!(
        app.request("GET", &path, Some(&ada.access), None)
            .await
            .status,
        200
    );
    app.request("GET", "/api/v1/conversations/abc", Some(&ada.access), None)
        .await
        .assert_error(404, "not_found");
}
