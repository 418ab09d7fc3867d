//! The ledger never loses or doubles a row: an answer whose conversation is
//! deleted while it streams is still settled and recorded (without the
//! link); deleting an account keeps its rows; a question counted by an ask
//! whose process died is given back by the sweep, once.

use std::time::Duration;

use diesel::prelude::*;
use mentor::db::schema::{
    conversations::dsl as c, open_asks::dsl as o, quota_usage::dsl as q, usage_events::dsl as l,
};
use mentor_stand_ins::{Scenario, Wire};
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, spawn_app};

fn slow(chunks: &[&str]) -> Scenario {
    Scenario::Answer {
        chunks: chunks.iter().map(|c| c.to_string()).collect(),
        input_tokens: 12,
        output_tokens: 5,
        delay: Duration::from_millis(150),
    }
}

/// Waits until `f` finds something in the database.
async fn until<T>(app: &TestApp, f: impl Fn(&mut mentor::db::Db) -> Option<T>) -> T {
    for _ in 0..200 {
        if let Some(found) = app.with_db(&f) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never found");
}

fn used(app: &TestApp) -> i32 {
    app.with_db(|conn| q::quota_usage.select(q::used).first(conn).unwrap_or(0))
}

#[tokio::test]
async fn an_answer_whose_conversation_is_deleted_meanwhile_is_settled_and_recorded() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    app.fake
        .queue(Wire::OpenAi, [slow(&["One", " two", " three."])]);

    let ask = app.ask_stream(
        &ada.access,
        json!({"question": "Hi", "model": "gpt-4o-mini"}),
    );
    let delete = async {
        let id: i64 = until(&app, |conn| {
            c::conversations
                .select(c::id)
                .first(conn)
                .optional()
                .ok()
                .flatten()
        })
        .await;
        let deleted = app
            .request(
                "DELETE",
                &format!("/api/v1/conversations/{id}"),
                Some(&ada.access),
                None,
            )
            .await;
        assert_eq!(deleted.status, 204, "{}", deleted.body);
    };
    let ((reply, events), ()) = tokio::join!(ask, delete);
    assert_eq!(reply.status, 200);
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.last(), Some(&"done"), "{events:?}");
    assert!(
        names.contains(&"usage"),
        "the answer was not settled: {events:?}"
    );

    let rows: Vec<(Option<i64>, Option<i64>, String, bool)> = app.with_db(|conn| {
        l::usage_events
            .select((l::user_id, l::conversation_id, l::outcome, l::charged))
            .load(conn)
            .expect("ledger")
    });
    assert_eq!(rows, [(Some(ada.user_id), None, "ok".to_string(), true)]);
    assert_eq!(used(&app), 1);
    let open: i64 = app.with_db(|conn| o::open_asks.count().get_result(conn).expect("count"));
    assert_eq!(open, 0, "the settle closes its open ask");
}

/// The other race: the conversation goes between the ask's read and its
/// reservation. The reservation writes nothing (not even the count) and
/// says so, on both engines' paths.
#[tokio::test]
async fn a_reservation_for_a_conversation_deleted_meanwhile_writes_nothing() {
    use mentor::db::asks;
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    let reply = app.ask(&ada.access, json!({"question": "Hi"})).await;
    let id = reply.body["conversation_id"].as_i64().expect("id");
    app.with_db(|conn| {
        diesel::delete(c::conversations.find(id))
            .execute(conn)
            .expect("delete");
        let reserve = asks::Reserve {
            user_id: ada.user_id,
            period: mentor::quota::Period::current().key,
            limit: Some(50),
            count: Some(asks::Opening {
                provider: "openai".into(),
                model: "gpt-4o-mini".into(),
                via: "app",
            }),
            store: Some(asks::Turn {
                continuing: Some(id),
                title: "Hi".into(),
                question: "And then?".into(),
            }),
            account: None,
            now: mentor::db::now(),
        };
        let result = asks::reserve(conn, &reserve);
        assert!(
            matches!(result, Err(asks::ReserveError::ConversationGone)),
            "{result:?}"
        );
    });
    assert_eq!(used(&app), 1, "only the first question counts");
    let open: i64 = app.with_db(|conn| o::open_asks.count().get_result(conn).expect("count"));
    assert_eq!(open, 0);
}

#[tokio::test]
async fn deleting_an_account_keeps_its_ledger_rows_without_the_link() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    assert_eq!(
        app.ask(&ada.access, json!({"question": "Hi"})).await.status,
        200
    );
    let deleted = app
        .request(
            "DELETE",
            "/api/v1/users/me",
            Some(&ada.access),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(deleted.status, 204);

    let rows: Vec<(Option<i64>, i64)> = app.with_db(|conn| {
        l::usage_events
            .select((l::user_id, l::cost_pico))
            .load(conn)
            .expect("ledger")
    });
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, None);
    assert!(rows[0].1 > 0);
    // The operator's figures still count it, before and after the fold.
    let analytics = app
        .request("GET", "/api/v1/admin/analytics", Some(&root.access), None)
        .await;
    assert_eq!(analytics.status, 200, "{}", analytics.body);
    let questions = |a: &crate::helpers::Reply| -> i64 {
        a.body["days"]
            .as_array()
            .expect("days")
            .iter()
            .map(|d| d["questions"].as_i64().unwrap_or(0))
            .sum()
    };
    assert_eq!(questions(&analytics), 1, "{}", analytics.body);
    mentor::admin::rollup::fold_pending(
        &app.pool,
        mentor::db::now() + chrono::TimeDelta::minutes(1),
    )
    .await
    .expect("the fold takes rows without a user");
    let analytics = app
        .request("GET", "/api/v1/admin/analytics", Some(&root.access), None)
        .await;
    assert_eq!(questions(&analytics), 1, "{}", analytics.body);
}

#[tokio::test]
async fn the_sweep_gives_back_a_question_whose_ask_never_settled_once() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    // An ask that counted its question, then its process died: the quota
    // says 1 and its open ask is 11 minutes old.
    let period = mentor::quota::Period::current().key;
    app.with_db(|conn| {
        let opened = mentor::db::now() - chrono::TimeDelta::minutes(11);
        let reserve = mentor::db::asks::Reserve {
            user_id: ada.user_id,
            period: period.clone(),
            limit: Some(10),
            count: Some(mentor::db::asks::Opening {
                provider: "openai".into(),
                model: "gpt-4o-mini".into(),
                via: "app",
            }),
            store: None,
            account: None,
            now: opened,
        };
        mentor::db::asks::reserve(conn, &reserve).expect("reserve");
    });
    assert_eq!(used(&app), 1);
    let cutoff = mentor::db::now() - mentor::ask::sweep::ABANDONED_AFTER;
    assert_eq!(
        mentor::ask::sweep::sweep(&app.pool, cutoff)
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(used(&app), 0);
    assert_eq!(
        mentor::ask::sweep::sweep(&app.pool, cutoff)
            .await
            .expect("again"),
        0
    );
    let rows: Vec<(String, bool, String)> = app.with_db(|conn| {
        l::usage_events
            .select((l::outcome, l::charged, l::model))
            .load(conn)
            .expect("ledger")
    });
    assert_eq!(
        rows,
        [("abandoned".to_string(), false, "gpt-4o-mini".to_string())]
    );

    // A live ask is younger than the cutoff and left alone; were it taken
    // (a cutoff in the future), its late settle gives nothing back twice.
    // The provider stalls past the read timeout: the answer fails, and its
    // settle would give the question back.
    app.fake.queue(
        Wire::OpenAi,
        [Scenario::StallAfter(
            vec!["Par".into()],
            Duration::from_secs(6),
        )],
    );
    let ask = app.ask_stream(
        &ada.access,
        json!({"question": "Hi", "model": "gpt-4o-mini"}),
    );
    let sweep = async {
        until(&app, |conn| {
            o::open_asks
                .select(o::id)
                .first::<i64>(conn)
                .optional()
                .ok()
                .flatten()
        })
        .await;
        assert_eq!(
            mentor::ask::sweep::sweep(&app.pool, cutoff)
                .await
                .expect("sweep"),
            0
        );
        let future = mentor::db::now() + chrono::TimeDelta::minutes(1);
        assert_eq!(
            mentor::ask::sweep::sweep(&app.pool, future)
                .await
                .expect("sweep"),
            1
        );
    };
    let ((reply, events), ()) = tokio::join!(ask, sweep);
    assert_eq!(reply.status, 200);
    assert_eq!(
        events.last().map(|(n, _)| n.as_str()),
        Some("done"),
        "{events:?}"
    );
    assert_eq!(used(&app), 0, "given back once, not twice");
}

/// The `synchronous_commit` in force on this connection: what PostgreSQL
/// decides by at a commit.
fn synchronous_commit(conn: &mut mentor::db::Db) -> String {
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        synchronous_commit: String,
    }
    mentor::db::load_sql::<Setting, _>(
        conn,
        diesel::sql_query("SELECT current_setting('synchronous_commit') AS synchronous_commit"),
    )
    .expect("setting")
    .remove(0)
    .synchronous_commit
}

/// Reserves a counted question for `user_id` in `period`, storing a new
/// conversation's turn when `store`.
fn reserve_question(
    conn: &mut mentor::db::Db,
    user_id: i64,
    period: &str,
    store: bool,
) -> mentor::db::asks::Reserved {
    use mentor::db::asks;
    let reserve = asks::Reserve {
        user_id,
        period: period.to_string(),
        limit: None,
        count: Some(asks::Opening {
            provider: "openai".into(),
            model: "gpt-4o-mini".into(),
            via: "app",
        }),
        store: store.then_some(asks::Turn {
            continuing: None,
            title: "Ask".into(),
            question: "What does it ask for?".into(),
        }),
        account: None,
        now: mentor::db::now(),
    };
    asks::reserve(conn, &reserve).expect("reserve")
}

/// A ledger row of `user_id`'s, charged (`ok`) or not (`upstream_error`).
fn ledger_row(user_id: i64, charged: bool) -> mentor::db::models::NewUsageEvent {
    mentor::db::models::NewUsageEvent {
        user_id: Some(user_id),
        conversation_id: None,
        provider: "openai".into(),
        model: "gpt-4o-mini".into(),
        input_tokens: 3,
        output_tokens: 2,
        cost_pico: 1,
        ttft_ms: Some(1),
        total_ms: 2,
        outcome: if charged { "ok" } else { "upstream_error" }.into(),
        charged,
        created_at: mentor::db::now(),
        byok: false,
        via: "app".into(),
    }
}

/// On PostgreSQL a settle that closes its open ask commits without waiting
/// for the flush (its open ask, flushed with the reservation, stands for it
/// until then); one with no open ask waits; and the setting ends with the
/// settle's transaction, so the connection's next reservation waits again.
/// PostgreSQL decides by the setting in force at the commit, which is what
/// this reads.
#[tokio::test]
async fn only_a_settle_that_closes_an_open_ask_skips_the_wait_for_the_flush() {
    use mentor::db::{Db, asks};
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    let period = mentor::quota::Period::current().key;
    app.with_db(|conn| {
        if !matches!(conn, Db::Pg(_)) {
            return; // SQLite's commits never wait for a flush (NORMAL sync)
        }
        let reserve = |conn: &mut Db| reserve_question(conn, ada.user_id, &period, false).open;
        let settle = |conn: &mut Db, open: Option<i64>| {
            let settle = asks::Settle {
                ledger: ledger_row(ada.user_id, true),
                period: period.clone(),
                open,
                answer: None,
            };
            asks::settle(conn, &settle).expect("settle");
        };
        assert_eq!(synchronous_commit(conn), "on");
        let open = reserve(conn);
        assert!(open.is_some());
        conn.transaction(|conn| {
            settle(conn, None);
            assert_eq!(
                synchronous_commit(conn),
                "on",
                "no open ask: the commit waits"
            );
            settle(conn, open);
            assert_eq!(synchronous_commit(conn), "off", "the open ask was closed");
            Ok::<_, diesel::result::Error>(())
        })
        .expect("transaction");
        assert_eq!(synchronous_commit(conn), "on", "for that transaction only");
        let open = reserve(conn);
        settle(conn, open);
        assert_eq!(synchronous_commit(conn), "on", "for that statement only");
    });
}

/// On PostgreSQL, settles that queue together are written by one statement
/// (`asks::settle_together`), each as it would be alone: one ledger row
/// each, linked only to a conversation that still exists; a user's
/// questions not charged are given back together, and only those whose
/// open ask was still open; each hears its user's counts afterwards; and
/// the commit skips the wait for the flush only when every settle closed
/// an open ask.
#[tokio::test]
async fn settles_written_together_each_write_what_they_would_alone() {
    use mentor::db::schema::messages::dsl as m;
    use mentor::db::{Db, asks};
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    let bob = app.register("bob@example.com").await;
    let period = mentor::quota::Period::current().key;
    app.with_db(|conn| {
        if !matches!(conn, Db::Pg(_)) {
            return; // SQLite's writes are grouped by its writer thread instead
        }
        let settle = |user_id: i64,
                      open: Option<i64>,
                      charged: bool,
                      stored: Option<asks::StoredTurn>| asks::Settle {
            ledger: ledger_row(user_id, charged),
            period: period.clone(),
            open,
            answer: stored.map(|s| asks::Answered {
                conversation_id: s.conversation_id,
                message_id: s.answer_id,
                text: format!("answer {}", s.answer_id),
                model: "gpt-4o-mini".into(),
                status: shared_types::MessageStatus::Complete,
            }),
        };
        let together = |conn: &mut Db, settles: &[asks::Settle]| -> (Vec<(i32, i32)>, String) {
            conn.transaction(|conn| {
                let Db::Pg(pg) = &mut *conn else {
                    unreachable!()
                };
                let counts = asks::settle_together(pg, settles)?;
                Ok::<_, diesel::result::Error>((counts, synchronous_commit(conn)))
            })
            .expect("settle together")
        };
        let rows = |conn: &mut Db| {
            l::usage_events
                .count()
                .get_result::<i64>(conn)
                .expect("count")
        };

        // Ada asks three times and Bob once; the sweep took Ada's third.
        let ada1 = reserve_question(conn, ada.user_id, &period, true);
        let ada2 = reserve_question(conn, ada.user_id, &period, true);
        let ada3 = reserve_question(conn, ada.user_id, &period, false);
        let bob1 = reserve_question(conn, bob.user_id, &period, false);
        diesel::delete(o::open_asks.filter(o::id.nullable().eq(ada3.open)))
            .execute(conn)
            .expect("sweep");
        // Ada deletes the first answer's conversation meanwhile.
        let gone = ada1.stored.expect("stored").conversation_id;
        diesel::delete(c::conversations.filter(c::id.eq(gone)))
            .execute(conn)
            .expect("delete");
        let before = rows(conn);
        let (counts, flush) = together(
            conn,
            &[
                settle(ada.user_id, ada1.open, false, ada1.stored),
                settle(ada.user_id, ada2.open, false, ada2.stored),
                settle(ada.user_id, ada3.open, false, None),
                settle(bob.user_id, bob1.open, true, None),
            ],
        );
        // Ada's first two go back, not her third (the sweep gave it back).
        assert_eq!(counts, vec![(1, 0), (1, 0), (1, 0), (1, 0)]);
        assert_eq!(flush, "on", "one open ask was gone: the commit waits");
        assert_eq!(rows(conn), before + 4, "one ledger row each");
        let kept = ada2.stored.expect("stored");
        let links: Vec<Option<i64>> = l::usage_events
            .filter(l::id.gt(0))
            .order(l::id.desc())
            .limit(4)
            .select(l::conversation_id)
            .load(conn)
            .expect("links");
        assert_eq!(links, vec![None, None, Some(kept.conversation_id), None]);
        let answer: String = m::messages
            .find(kept.answer_id)
            .select(m::content)
            .first(conn)
            .expect("answer");
        assert_eq!(answer, format!("answer {}", kept.answer_id));
        assert_eq!(
            o::open_asks.count().get_result::<i64>(conn).expect("open"),
            0
        );

        // Every settle closes its open ask: the commit need not wait.
        let ada4 = reserve_question(conn, ada.user_id, &period, false);
        let bob2 = reserve_question(conn, bob.user_id, &period, false);
        let (counts, flush) = together(
            conn,
            &[
                settle(ada.user_id, ada4.open, true, None),
                settle(bob.user_id, bob2.open, true, None),
            ],
        );
        assert_eq!(counts, vec![(2, 0), (2, 0)]);
        assert_eq!(flush, "off");
    });
}
