//! Queries on `mail_queue`: mail waiting to be sent.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::schema::mail_queue::dsl as mq;

/// A message to queue.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::mail_queue)]
pub struct NewMail {
    /// The address it goes to.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text_body: String,
    /// The HTML body.
    pub html_body: String,
    /// Which template made it (for the log and the metrics).
    pub kind: String,
    /// First try: now.
    pub next_attempt_at: NaiveDateTime,
    /// Not sent by then (a link that has expired): dropped.
    pub expires_at: Option<NaiveDateTime>,
    /// When it was queued.
    pub created_at: NaiveDateTime,
}

/// A queued message due for a try.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::mail_queue)]
pub struct QueuedMail {
    /// Primary key.
    pub id: i64,
    /// The address it goes to.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text_body: String,
    /// The HTML body.
    pub html_body: String,
    /// Which template made it.
    pub kind: String,
    /// Tries so far.
    pub attempts: i32,
    /// When it became due (the lease compares it).
    pub next_attempt_at: NaiveDateTime,
    /// Not sent by then: dropped.
    pub expires_at: Option<NaiveDateTime>,
}

/// Queues a message; returns its id.
pub fn insert(conn: &mut Db, mail: &NewMail) -> QueryResult<i64> {
    diesel::insert_into(mq::mail_queue)
        .values(mail)
        .returning(mq::id)
        .get_result(conn)
}

/// Up to `limit` messages due at `now`, oldest first.
pub fn due(conn: &mut Db, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<QueuedMail>> {
    mq::mail_queue
        .filter(mq::sent_at.is_null())
        .filter(mq::failed_at.is_null())
        .filter(mq::next_attempt_at.le(now))
        .order(mq::id)
        .limit(limit)
        .select(QueuedMail::as_select())
        .load(conn)
}

/// Takes the message for one try until `lease_until`, if no other sender
/// took it since it was read as due; true when this call took it.
pub fn claim(conn: &mut Db, mail: &QueuedMail, lease_until: NaiveDateTime) -> QueryResult<bool> {
    let taken = diesel::update(
        mq::mail_queue
            .filter(mq::id.eq(mail.id))
            .filter(mq::next_attempt_at.eq(mail.next_attempt_at))
            .filter(mq::sent_at.is_null())
            .filter(mq::failed_at.is_null()),
    )
    .set((
        mq::attempts.eq(mq::attempts + 1),
        mq::next_attempt_at.eq(lease_until),
    ))
    .execute(conn)?;
    Ok(taken == 1)
}

/// Records a delivery, and empties the bodies (links and personal text do
/// not stay at rest).
pub fn mark_sent(conn: &mut Db, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(mq::mail_queue.filter(mq::id.eq(id)))
        .set((
            mq::sent_at.eq(Some(now)),
            mq::text_body.eq(""),
            mq::html_body.eq(""),
            mq::last_error.eq(None::<String>),
        ))
        .execute(conn)
}

/// Records a failed try and when to try again.
pub fn retry_at(conn: &mut Db, id: i64, error: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(mq::mail_queue.filter(mq::id.eq(id)))
        .set((mq::next_attempt_at.eq(at), mq::last_error.eq(Some(error))))
        .execute(conn)
}

/// Gives the message up (a permanent refusal, too many tries, or expired),
/// and empties its bodies.
pub fn give_up(conn: &mut Db, id: i64, error: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(mq::mail_queue.filter(mq::id.eq(id)))
        .set((
            mq::failed_at.eq(Some(now)),
            mq::last_error.eq(Some(error)),
            mq::text_body.eq(""),
            mq::html_body.eq(""),
        ))
        .execute(conn)
}

/// Mail queued to `recipient` since `since`, and the time of the earliest.
pub fn sent_to_since(
    conn: &mut Db,
    recipient: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    mq::mail_queue
        .filter(mq::recipient.eq(recipient))
        .filter(mq::created_at.ge(since))
        .select((diesel::dsl::count_star(), diesel::dsl::min(mq::created_at)))
        .first(conn)
}

/// Deletes the record of mail sent or given up before `before`.
pub fn delete_done(conn: &mut Db, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(mq::mail_queue.filter(mq::sent_at.lt(before).or(mq::failed_at.lt(before))))
        .execute(conn)
}
