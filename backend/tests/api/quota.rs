//! Monthly quotas and per-minute limits, under concurrency and across
//! replicas.

use std::path::PathBuf;

use diesel::prelude::*;
use mentor::db::schema::usage_events;
use serde_json::json;

use crate::helpers::{
    PASSWORD, Session, TestApp, spawn_app, spawn_app_with, spawn_app_with_plans, spawn_replica,
};

/// A config file raising or lowering the free plan's per-minute limit.
fn free_per_minute(dir: &tempfile::TempDir, per_minute: u32) -> PathBuf {
    let path = dir.path().join("mentor.toml");
    std::fs::write(&path, format!("[plans.free]\nper_minute = {per_minute}\n"))
        .expect("write config");
    path
}

#[tokio::test]
async fn a_hundred_simultaneous_asks_with_ten_left_get_exactly_ten_answers() {
    let dir = tempfile::tempdir().expect("dir");
    let config = free_per_minute(&dir, 10_000);
    let app = spawn_app_with(|s| {
        s.ai.config_file = Some(config);
        s.db_pool_size = 8;
    })
    .await;
    let s = app.register("ada@example.com").await;
    let asks = (0..100).map(|i| app.ask(&s.access, json!({"question": format!("Question {i}")})));
    let replies = futures_util::future::join_all(asks).await;
    let answered = replies.iter().filter(|r| r.status == 200).count();
    let refused = replies
        .iter()
        .filter(|r| r.status == 429 && r.error() == "quota_exceeded")
        .count();
    assert_eq!(
        (answered, refused),
        (10, 90),
        "statuses: {:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let usage = app
        .request("GET", "/api/v1/usage", Some(&s.access), None)
        .await;
    assert_eq!(usage.body["quota"]["used"], 10);
    let charged: i64 = app.with_db(|conn| {
        usage_events::table
            .filter(usage_events::charged.eq(true))
            .count()
            .get_result(conn)
            .expect("count")
    });
    assert_eq!(charged, 10);
}

#[tokio::test]
async fn the_sixth_ask_in_a_minute_on_the_free_plan_is_rate_limited_with_headers() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    for expected_remaining in ["4", "3", "2", "1", "0"] {
        let reply = app.ask(&s.access, json!({"question": "q"})).await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.header("x-ratelimit-remaining"),
            Some(expected_remaining)
        );
    }
    let limited = app.ask(&s.access, json!({"question": "q"})).await;
    limited.assert_error(429, "rate_limited");
    let retry: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=12).contains(&retry), "{retry}");
    assert_eq!(limited.header("x-ratelimit-limit"), Some("5"));
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert!(limited.header("x-ratelimit-reset").is_some());
    // Another user is not affected.
    let bob = app.register("bob@example.com").await;
    assert_eq!(
        app.ask(&bob.access, json!({"question": "q"})).await.status,
        200
    );
}

#[tokio::test]
async fn the_monthly_quota_is_enforced_once_the_minute_limit_is_out_of_the_way() {
    let dir = tempfile::tempdir().expect("dir");
    let config = free_per_minute(&dir, 1000);
    let app = spawn_app_with(|s| s.ai.config_file = Some(config)).await;
    let s = app.register("ada@example.com").await;
    for _ in 0..10 {
        assert_eq!(
            app.ask(&s.access, json!({"question": "q"})).await.status,
            200
        );
    }
    let reply = app.ask(&s.access, json!({"question": "q"})).await;
    reply.assert_error(429, "quota_exceeded");
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("renew on")
            && message.contains("-01T00:00:00Z")
            && message.contains("upgrade"),
        "{message}"
    );
    let (_, events) = app.ask_stream(&s.access, json!({"question": "q"})).await;
    assert!(events.is_empty(), "a refused stream sends no events");
    assert_eq!(
        app.fake.received().len(),
        10,
        "refused questions never reach the provider"
    );
}

#[tokio::test]
async fn a_plan_with_no_questions_answers_only_what_an_admin_grants() {
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("mentor.toml");
    std::fs::write(&config, "[plans.free]\nmonthly_questions = 0\n").expect("config");
    let app = spawn_app_with(|s| s.ai.config_file = Some(config)).await;
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    let ask = json!({"question": "q"});
    app.ask(&ada.access, ask.clone())
        .await
        .assert_error(429, "quota_exceeded");
    let granted = app
        .request(
            "POST",
            &format!("/api/v1/admin/users/{}/grant", ada.user_id),
            Some(&root.access),
            Some(json!({"questions": 1})),
        )
        .await;
    assert_eq!(granted.status, 200, "{}", granted.body);
    assert_eq!(app.ask(&ada.access, ask.clone()).await.status, 200);
    app.ask(&ada.access, ask)
        .await
        .assert_error(429, "quota_exceeded");
}

fn redis_url() -> String {
    std::env::var("MENTOR_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

async fn with_redis(per_minute: u32, url: String) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let config = free_per_minute(&dir, per_minute);
    let app = spawn_app_with(move |s| {
        s.ai.config_file = Some(config);
        s.redis_url = Some(url.into());
    })
    .await;
    (app, dir)
}

#[tokio::test]
async fn with_redis_the_per_minute_limit_holds_across_two_replicas() {
    let (app, _dir) = with_redis(3, redis_url()).await;
    let replica = spawn_replica(&app).await;
    let s = app.register("ada@example.com").await;
    let ask_on = |base: String| {
        let client = app.client.clone();
        let token = s.access.clone();
        async move {
            client
                .post(format!("{base}/api/v1/ask"))
                .bearer_auth(token)
                .json(&json!({"question": "q"}))
                .send()
                .await
                .expect("sent")
                .status()
                .as_u16()
        }
    };
    let mut statuses = Vec::new();
    for base in [&app.address, &replica, &app.address, &replica, &app.address] {
        statuses.push(ask_on(base.clone()).await);
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
}

#[tokio::test]
async fn with_redis_unreachable_asks_are_still_answered_and_limited_per_process() {
    let (app, _dir) = with_redis(2, "redis://127.0.0.1:1".into()).await;
    let s = app.register("ada@example.com").await;
    assert_eq!(
        app.ask(&s.access, json!({"question": "q"})).await.status,
        200
    );
    assert_eq!(
        app.ask(&s.access, json!({"question": "q"})).await.status,
        200
    );
    app.ask(&s.access, json!({"question": "q"}))
        .await
        .assert_error(429, "rate_limited");
}

/// An ask reserves for the tier the caller's token claims, and the
/// reservation checks the account has it: a tier changed since the token
/// was issued (either way), or a suspension, is what counts.
#[tokio::test]
async fn an_ask_goes_by_the_account_as_it_is_not_as_the_token_claims() {
    use mentor::db::schema::{quota_usage as q, users as u};
    let app = spawn_app().await;
    let free = app.register("ada@example.com").await;
    let (id, period) = (free.user_id, mentor::quota::Period::current().key);
    // The free plan's ten questions used up.
    let use_ten = || {
        app.with_db(|conn| {
            diesel::delete(q::table.filter(q::user_id.eq(id)))
                .execute(conn)
                .expect("forget the count");
            diesel::insert_into(q::table)
                .values((q::user_id.eq(id), q::period.eq(&period), q::used.eq(10)))
                .execute(conn)
                .expect("use ten")
        })
    };
    let used = || {
        app.with_db(|conn| {
            q::table
                .filter(q::user_id.eq(id))
                .select(q::used)
                .first::<i32>(conn)
                .expect("used")
        })
    };

    // Upgraded since the token (free) was issued: the pro plan answers.
    app.with_db(|conn| {
        diesel::update(u::table.find(id))
            .set(u::subscription_tier.eq("pro"))
            .execute(conn)
            .expect("upgrade")
    });
    use_ten();
    let reply = app.ask(&free.access, json!({"question": "Hi"})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(used(), 11);

    // A token that claims pro, for an account whose paid period has run
    // out: the free plan's ten are used, so nothing is counted or stored.
    let pro = Session::from(&app.login("ada@example.com", PASSWORD).await);
    app.with_db(|conn| {
        let ended = mentor::db::now() - chrono::TimeDelta::hours(1);
        diesel::update(u::table.find(id))
            .set(u::tier_expires_at.eq(Some(ended)))
            .execute(conn)
            .expect("end the paid period")
    });
    use_ten();
    let conversations = || app.request("GET", "/api/v1/conversations", Some(&pro.access), None);
    let before = conversations().await.body;
    let reply = app.ask(&pro.access, json!({"question": "Hi"})).await;
    assert_eq!((reply.status, reply.error()), (429, "quota_exceeded"));
    assert_eq!(used(), 10);
    assert_eq!(conversations().await.body, before);

    // Suspended since the token was issued.
    app.with_db(|conn| {
        diesel::update(u::table.find(id))
            .set(u::suspended_at.eq(Some(mentor::db::now())))
            .execute(conn)
            .expect("suspend")
    });
    let reply = app.ask(&free.access, json!({"question": "Hi"})).await;
    assert_eq!((reply.status, reply.error()), (403, "account_suspended"));
}

#[tokio::test]
async fn five_users_asking_twenty_times_at_once_with_four_left_get_four_answers_each() {
    let (app, _dir) =
        spawn_app_with_plans("[plans.free]\nmonthly_questions = 4\nper_minute = 10000\n").await;
    let mut users = Vec::new();
    for name in ["ada", "bob", "cy", "dee", "eve"] {
        users.push(app.register(&format!("{name}@example.com")).await);
    }
    // Interleaved, so that reservations of several users queue together
    // (on PostgreSQL they are written in groups, one per user in each).
    let asks = (0..20).flat_map(|i| {
        users
            .iter()
            .map(move |s| (s, json!({"question": format!("Question {i}")})))
    });
    let replies =
        futures_util::future::join_all(asks.map(|(s, question)| app.ask(&s.access, question)))
            .await;
    for (u, s) in users.iter().enumerate() {
        let mine: Vec<u16> = replies
            .iter()
            .skip(u)
            .step_by(users.len())
            .map(|r| r.status)
            .collect();
        assert_eq!(
            mine.iter().filter(|&&status| status == 200).count(),
            4,
            "{mine:?}"
        );
        assert_eq!(
            mine.iter().filter(|&&status| status == 429).count(),
            16,
            "{mine:?}"
        );
        let usage = app
            .request("GET", "/api/v1/usage", Some(&s.access), None)
            .await;
        assert_eq!(usage.body["quota"]["used"], 4);
    }
    let (charged, open): (i64, i64) = app.with_db(|conn| {
        use mentor::db::schema::open_asks;
        (
            usage_events::table
                .filter(usage_events::charged.eq(true))
                .count()
                .get_result(conn)
                .expect("count"),
            open_asks::table.count().get_result(conn).expect("count"),
        )
    });
    assert_eq!((charged, open), (20, 0));
}

/// PostgreSQL's reservations written together (`asks::reserve_together`):
/// each writes, or refuses, as it would alone, and a group with one
/// reservation that breaks a foreign key writes none of them (the
/// reserving thread then writes each alone).
#[tokio::test]
async fn reservations_written_together_each_write_what_they_would_alone() {
    use mentor::db::schema::{conversations::dsl as c, messages::dsl as m, open_asks::dsl as o};
    use mentor::db::{Db, asks};
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for name in ["ada", "bob", "cy", "dee", "eve"] {
        ids.push(app.register(&format!("{name}@example.com")).await.user_id);
    }
    let [ada, bob, cy, dee, eve] = ids[..] else {
        unreachable!()
    };
    let period = mentor::quota::Period::current().key;
    app.with_db(|conn| {
        if !matches!(conn, Db::Pg(_)) {
            return; // SQLite's writes are grouped by its writer thread instead
        }
        let reserve = |user_id: i64,
                       limit: Option<u32>,
                       store: Option<Option<i64>>,
                       tier: Option<&'static str>| asks::Reserve {
            user_id,
            period: period.clone(),
            limit,
            count: Some(asks::Opening {
                provider: "openai".into(),
                model: "gpt-4o-mini".into(),
                via: if store.is_some() { "app" } else { "api" },
            }),
            store: store.map(|continuing| asks::Turn {
                continuing,
                title: format!("Title {user_id}"),
                question: format!("Question of {user_id}"),
            }),
            account: tier.map(|tier| asks::Account { tier, resume: true }),
            now: mentor::db::now(),
        };
        let together = |conn: &mut Db, reserves: &[asks::Reserve]| {
            let Db::Pg(pg) = conn else { unreachable!() };
            asks::reserve_together(pg, reserves)
        };
        let count = |conn: &mut Db| -> (i64, i64, i64) {
            (
                c::conversations.count().get_result(conn).expect("count"),
                m::messages.count().get_result(conn).expect("count"),
                o::open_asks.count().get_result(conn).expect("count"),
            )
        };
        // Ada used her one question; Eve has a conversation to continue.
        asks::reserve(conn, &reserve(ada, Some(1), None, None)).expect("ada");
        let earlier = asks::reserve(conn, &reserve(eve, None, Some(None), None)).expect("eve");
        let eves = earlier.stored.expect("stored").conversation_id;
        let before = count(conn);

        let answers = together(
            conn,
            &[
                reserve(ada, Some(1), Some(None), Some("free")),
                reserve(bob, Some(5), Some(None), Some("free")),
                reserve(cy, None, Some(None), Some("pro")),
                reserve(dee, None, None, Some("free")),
                reserve(eve, None, Some(Some(eves)), None),
            ],
        )
        .expect("together");
        assert!(
            matches!(answers[0], Err(asks::ReserveError::QuotaExceeded)),
            "{:?}",
            answers[0]
        );
        let bobs = answers[1].as_ref().expect("bob");
        assert!(
            matches!(answers[2], Err(asks::ReserveError::AccountChanged)),
            "{:?}",
            answers[2]
        );
        let dees = answers[3].as_ref().expect("dee");
        let eves_again = answers[4].as_ref().expect("eve");
        assert_eq!(
            bobs.counted,
            Some(mentor::db::quota::Counted {
                used: 1,
                granted: 0
            })
        );
        let bob_turn = bobs.stored.expect("bob's turn");
        assert!(bob_turn.new_conversation);
        assert_eq!(bobs.resume, None);
        assert!(dees.stored.is_none() && dees.open.is_some());
        let eve_turn = eves_again.stored.expect("eve's turn");
        assert_eq!(
            (eve_turn.conversation_id, eve_turn.new_conversation),
            (eves, false)
        );
        assert_eq!(eves_again.counted.map(|c| c.used), Some(2));
        // Bob's conversation and turn, Eve's turn; open asks for Bob, Dee and Eve.
        let after = count(conn);
        assert_eq!(
            (after.0 - before.0, after.1 - before.1, after.2 - before.2),
            (1, 4, 3)
        );
        let question: (i64, String, String) = m::messages
            .find(bob_turn.question_id)
            .select((m::conversation_id, m::role, m::content))
            .first(conn)
            .expect("question");
        assert_eq!(
            question,
            (
                bob_turn.conversation_id,
                "user".into(),
                format!("Question of {bob}")
            )
        );
        let answer: (i64, String) = m::messages
            .find(bob_turn.answer_id)
            .select((m::conversation_id, m::status))
            .first(conn)
            .expect("answer");
        assert_eq!(answer, (bob_turn.conversation_id, "writing".into()));
        let owner: i64 = o::open_asks
            .filter(o::id.nullable().eq(dees.open))
            .select(o::user_id)
            .first(conn)
            .expect("dee's open ask");
        assert_eq!(owner, dee);

        // A conversation deleted meanwhile breaks its foreign key: nothing
        // of the group is written.
        diesel::delete(c::conversations.find(eves))
            .execute(conn)
            .expect("delete");
        let before = count(conn);
        let refused = together(
            conn,
            &[
                reserve(bob, Some(5), Some(None), None),
                reserve(eve, None, Some(Some(eves)), None),
            ],
        );
        assert!(
            matches!(refused, Err(diesel::result::Error::DatabaseError(..))),
            "{refused:?}"
        );
        assert_eq!(count(conn), before);
        // One user twice is refused before anything is sent.
        let twice = together(
            conn,
            &[
                reserve(bob, None, None, None),
                reserve(bob, None, None, None),
            ],
        );
        assert!(twice.is_err());
        assert_eq!(count(conn), before);
    });
}
