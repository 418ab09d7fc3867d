//! The usage meter: questions used of this month's quota, a warning from
//! 80 %, and an upgrade prompt once used up.

use mentor_extension::words::{MeterLevel, meter_level};
use shared_types::QuotaStatus;
use yew::prelude::*;

/// Properties of [`Meter`].
#[derive(Properties, PartialEq)]
pub struct MeterProps {
    /// The quota to show.
    pub quota: QuotaStatus,
    /// Called when the user asks to upgrade.
    pub on_upgrade: Callback<()>,
}

/// A bar with "used of limit" and what to do when it fills.
#[function_component(Meter)]
pub fn meter(props: &MeterProps) -> Html {
    let QuotaStatus {
        used,
        limit,
        period_end,
    } = &props.quota;
    let level = meter_level(*used, *limit);
    let (class, note) = match level {
        MeterLevel::Normal => ("meter", None),
        MeterLevel::Warning => ("meter warning", Some("You're close to this month's limit.")),
        MeterLevel::Exhausted => (
            "meter exhausted",
            Some("You've used all your questions this month."),
        ),
    };
    let percent = limit.map_or(0, |l| {
        (u64::from(*used) * 100)
            .checked_div(u64::from(l))
            .map_or(100, |p| p.min(100))
    });
    let resets = mentor_browser::local_date(period_end);
    let upgrade = props.on_upgrade.reform(|_: MouseEvent| ());
    html! {
        <section class={class} aria-label="Usage this month">
            <div class="meter-label">
                <span data-testid="usage">{ match limit {
                    Some(limit) => format!("{used} of {limit} questions"),
                    None => format!("{used} questions (unlimited)"),
                } }</span>
                <span class="muted">{ format!("resets {resets}") }</span>
            </div>
            if limit.is_some() {
                <div class="bar" role="progressbar" aria-label="Questions used this month" aria-valuenow={percent.to_string()}
                     aria-valuemin="0" aria-valuemax="100">
                    <div class="fill" style={format!("width: {percent}%")}></div>
                </div>
            }
            if let Some(note) = note {
                <p class="meter-note">{ note }
                    if level == MeterLevel::Exhausted {
                        { " " }<button class="link" onclick={upgrade}>{ "Upgrade for more" }</button>
                    }
                </p>
            }
        </section>
    }
}
