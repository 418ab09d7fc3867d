//! Notices mailed about an account: the month's questions at 80% and at
//! 100%, a failed payment, a subscription started or ended. Each goes at
//! most once per period (a month, an invoice, a subscription), queued in
//! the transaction of what caused it. A user may turn off the optional ones
//! (all but the failed payment, which can cost them their plan).

use minijinja::Value;
use shared_types::{SubscriptionStatus, Tier};

use crate::db::models::UserRow;
use crate::db::{self, Db, DbError, Pool, Scope, notices, users};
use crate::mail::{Kind, Mailer};
use crate::quota::Period;

/// Why a notice could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// Its mail template did not render.
    #[error("notice template: {0}")]
    Template(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for NoticeError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// `used` of `allowance` questions this month (80% or more).
    QuotaWarning {
        /// Questions counted.
        used: i32,
        /// The plan's questions plus any granted.
        allowance: i32,
    },
    /// All `allowance` questions of the month are used.
    QuotaReached {
        /// The plan's questions plus any granted.
        allowance: i32,
    },
    /// A subscription's payment failed.
    PaymentFailed(Tier),
    /// A subscription started.
    SubscriptionStarted(Tier),
    /// A subscription ended.
    SubscriptionEnded(Tier),
}

impl Notice {
    fn kind(self) -> Kind {
        match self {
            Self::QuotaWarning { .. } => Kind::QuotaWarning,
            Self::QuotaReached { .. } => Kind::QuotaReached,
            Self::PaymentFailed(_) => Kind::PaymentFailed,
            Self::SubscriptionStarted(_) => Kind::SubscriptionStarted,
            Self::SubscriptionEnded(_) => Kind::SubscriptionEnded,
        }
    }

    /// Whether the user may turn it off.
    fn optional(self) -> bool {
        !matches!(self, Self::PaymentFailed(_))
    }

    /// The notice due when a question brings the month's count to `used`
    /// of `allowance`: each threshold is passed by exactly one question.
    pub fn for_count(used: i32, allowance: i32) -> Option<Self> {
        if allowance <= 0 {
            return None;
        }
        let warning = (allowance * 4 + 4) / 5;
        if used == allowance {
            Some(Self::QuotaReached { allowance })
        } else if used == warning {
            Some(Self::QuotaWarning { used, allowance })
        } else {
            None
        }
    }
}

/// Whether a subscription going from `before` to `after` started or ended.
pub fn subscription_notice(
    before: Option<SubscriptionStatus>,
    after: SubscriptionStatus,
    tier: Tier,
) -> Option<Notice> {
    use SubscriptionStatus as S;
    let running = |s: Option<S>| matches!(s, Some(S::Active | S::Trialing | S::PastDue));
    match after {
        S::Active | S::Trialing if !running(before) => Some(Notice::SubscriptionStarted(tier)),
        S::Canceled | S::Unpaid | S::IncompleteExpired if running(before) => {
            Some(Notice::SubscriptionEnded(tier))
        }
        _ => None,
    }
}

/// Queues notices (cheap to clone).
#[derive(Clone)]
pub struct Notices {
    pool: Pool,
    mailer: Mailer,
}

impl Notices {
    /// Notices through `mailer`.
    pub fn new(pool: Pool, mailer: Mailer) -> Self {
        Self { pool, mailer }
    }

    /// Queues `notice` to the user, inside the caller's transaction, unless
    /// it went for `period` already, it is optional and the user turned
    /// those off, or the account is gone. Call [`Notices::wake`] after the
    /// commit. Returns whether it was queued.
    pub fn queue(
        &self,
        conn: &mut Db,
        user_id: i64,
        notice: Notice,
        period: &str,
    ) -> Result<bool, NoticeError> {
        let Some(user) = users::find(conn, user_id)? else {
            return Ok(false);
        };
        if notice.optional() && !user.email_notices {
            return Ok(false);
        }
        let kind = notice.kind();
        if !notices::claim(conn, user_id, kind.name(), period, db::now())? {
            return Ok(false);
        }
        let mail = self
            .mailer
            .templates()
            .render(kind, &self.fields(&user, notice))
            .map_err(NoticeError::Template)?;
        self.mailer.queue(conn, &user.email, kind, mail, None)?;
        tracing::info!(user_id, notice = kind.name(), period, "notice queued");
        Ok(true)
    }

    /// After an ask counted a question: the 80% or 100% notice when this
    /// question reached it, queued in the background (the ask goes on).
    pub fn question_counted(&self, user_id: i64, period: &Period, used: i32, allowance: i32) {
        let Some(notice) = Notice::for_count(used, allowance) else {
            return;
        };
        let (this, key) = (self.clone(), period.key.clone());
        tokio::spawn(async move {
            let queueing = this.clone();
            let queued = this
                .pool
                .write(Scope::System, move |conn| {
                    queueing.queue(conn, user_id, notice, &key)
                })
                .await;
            match queued {
                Ok(true) => this.wake(),
                Ok(false) => {}
                Err(e) => tracing::warn!(user_id, error = %e, "could not queue a quota notice"),
            }
        });
    }

    /// Tells the sender that mail is waiting.
    pub fn wake(&self) {
        self.mailer.wake();
    }

    fn fields(&self, user: &UserRow, notice: Notice) -> Vec<(&'static str, Value)> {
        // A subscription's notice names its own plan; the others, the user's.
        let plan = match notice {
            Notice::PaymentFailed(tier)
            | Notice::SubscriptionStarted(tier)
            | Notice::SubscriptionEnded(tier) => tier,
            Notice::QuotaWarning { .. } | Notice::QuotaReached { .. } => user.tier(),
        };
        let mut fields = crate::mail::account_fields(user);
        fields.extend([
            ("plan", Value::from(plan_name(plan))),
            ("link", Value::from(self.mailer.templates().link("/plans"))),
        ]);
        let resets = Value::from(Period::current().end.format("%-d %B %Y").to_string());
        match notice {
            Notice::QuotaWarning { used, allowance } => fields.extend([
                ("used", Value::from(used)),
                ("allowance", Value::from(allowance)),
                ("resets", resets),
            ]),
            Notice::QuotaReached { allowance } => {
                fields.extend([("allowance", Value::from(allowance)), ("resets", resets)])
            }
            _ => {}
        }
        fields
    }
}

/// A tier as mail names it.
fn plan_name(tier: Tier) -> &'static str {
    match tier {
        Tier::Free => "Free",
        Tier::Pro => "Pro",
        Tier::Enterprise => "Enterprise",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_threshold_is_reached_by_one_count() {
        let due: Vec<_> = (1..=12)
            .filter_map(|used| Notice::for_count(used, 10))
            .collect();
        assert_eq!(
            due,
            [
                Notice::QuotaWarning {
                    used: 8,
                    allowance: 10
                },
                Notice::QuotaReached { allowance: 10 }
            ]
        );
        // 80% of 3 rounds up to 3: only the 100% notice.
        assert_eq!((1..=3).filter_map(|u| Notice::for_count(u, 3)).count(), 1);
        assert_eq!(Notice::for_count(1, 0), None);
    }

    #[test]
    fn subscriptions_start_and_end_once() {
        use SubscriptionStatus as S;
        let pro = Tier::Pro;
        assert_eq!(
            subscription_notice(None, S::Active, pro),
            Some(Notice::SubscriptionStarted(pro))
        );
        assert_eq!(
            subscription_notice(Some(S::Incomplete), S::Active, pro),
            Some(Notice::SubscriptionStarted(pro))
        );
        assert_eq!(subscription_notice(Some(S::PastDue), S::Active, pro), None);
        assert_eq!(subscription_notice(Some(S::Active), S::Active, pro), None);
        assert_eq!(
            subscription_notice(Some(S::PastDue), S::Canceled, pro),
            Some(Notice::SubscriptionEnded(pro))
        );
        assert_eq!(
            subscription_notice(Some(S::Canceled), S::Canceled, pro),
            None
        );
        assert_eq!(subscription_notice(None, S::Incomplete, pro), None);
    }
}
