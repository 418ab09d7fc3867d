//! The Skills view: a bar chart of the skills the saved jobs ask for most,
//! each bar marked as shown by the active resume or missing from it.

use shared_types::extension::CareerRequest;
use shared_types::{ErrorBody, SkillDemand, SkillsAnalysis};
use yew::prelude::*;

use crate::{ErrorNote, services};

/// Bars in the chart.
const BARS: usize = 15;
const ROW: f64 = 22.0;
const LABEL: f64 = 130.0;
const WIDTH: f64 = 350.0;

#[function_component(Skills)]
pub fn skills() -> Html {
    let analysis = use_state(|| None::<Result<SkillsAnalysis, ErrorBody>>);
    {
        let analysis = analysis.clone();
        use_effect_with((), move |_| {
            services::request(CareerRequest::SkillsAnalysis, move |r| {
                analysis.set(Some(r))
            });
        });
    }
    let body = match &*analysis {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <ErrorNote error={Some(e.clone())} /> },
        Some(Ok(a)) if a.jobs_considered == 0 => html! {
            <p class="muted">{ "Save jobs from their pages to see which skills they ask for." }</p>
        },
        Some(Ok(a)) => view(a),
    };
    html! { <section class="skills">{ body }</section> }
}

fn view(a: &SkillsAnalysis) -> Html {
    let top: Vec<&SkillDemand> = a.skills.iter().take(BARS).collect();
    let height = ROW * top.len() as f64 + 4.0;
    let have = a.resume_id.is_some();
    html! {
        <>
            <p class="hint">{ format!("The skills your {} saved jobs ask for most.", a.jobs_considered) }</p>
            <p class="legend small">
                <span class="key have" />{ "In your resume " }
                <span class="key missing" />{ if have { "Missing" } else { "No active resume" } }
            </p>
            <svg class="chart" role="img" data-testid="skills-chart" viewBox={format!("0 0 {WIDTH} {height}")}
                 aria-label={format!("Top {} skills across saved jobs", top.len())}>
                { for top.iter().enumerate().map(|(i, s)| bar(i, s)) }
            </svg>
            if have && !a.top_missing.is_empty() {
                <p class="small"><strong>{ "Worth building: " }</strong>{ a.top_missing.join(", ") }</p>
            }
        </>
    }
}

fn bar(i: usize, skill: &SkillDemand) -> Html {
    let y = ROW * i as f64;
    let room = WIDTH - LABEL - 50.0;
    let length = (room * skill.share).max(2.0);
    let class = if skill.in_resume { "have" } else { "missing" };
    let name: String = skill.name.chars().take(20).collect();
    html! {
        <g class={classes!("bar", class)} data-skill={skill.name.clone()}>
            <title>{ format!("{}: {} of the jobs ({} require it){}", skill.name, skill.jobs, skill.required_in,
                if skill.in_resume { ", in your resume" } else { "" }) }</title>
            <text x={(LABEL - 6.0).to_string()} y={(y + 15.0).to_string()} text-anchor="end">{ name }</text>
            <rect x={LABEL.to_string()} y={(y + 4.0).to_string()} width={length.to_string()} height="14" rx="3" />
            <text x={(LABEL + length + 4.0).to_string()} y={(y + 15.0).to_string()} class="count">
                { format!("{}%", (skill.share * 100.0).round()) }
            </text>
        </g>
    }
}
