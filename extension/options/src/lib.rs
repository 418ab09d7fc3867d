//! The options page: the backend's address, the theme, the button on
//! selected text, the job-page button and the sites it is hidden on.

use shared_types::ErrorBody;
use shared_types::extension::{ExtensionSettings, Theme, WorkerRequest};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use mentor_ui::components::ErrorNote;
use mentor_ui::services;

/// Renders the options page into `<body>`.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn start() {
    mentor_ui::render::<Options>();
}

/// The options page.
#[function_component(Options)]
fn options() -> Html {
    let settings = use_state(|| None::<ExtensionSettings>);
    let error = use_state(|| None::<ErrorBody>);
    let saved = use_state(|| false);
    {
        let (settings, error) = (settings.clone(), error.clone());
        use_effect_with((), move |_| {
            services::mark("first-render");
            services::request(WorkerRequest::Settings, move |r| match r {
                Ok(s) => settings.set(Some(s)),
                Err(e) => error.set(Some(e)),
            });
        });
    }
    let Some(current) = (*settings).clone() else {
        return html! { <main class="options"><ErrorNote error={(*error).clone()} /></main> };
    };
    let edit = |change: fn(&mut ExtensionSettings, &web_sys::Element)| {
        let (settings, saved) = (settings.clone(), saved.clone());
        Callback::from(move |e: Event| {
            if let Some(mut next) = (*settings).clone() {
                change(&mut next, &e.target_unchecked_into());
                settings.set(Some(next));
                saved.set(false);
            }
        })
    };
    let onsubmit = {
        let (settings, error, saved) = (settings.clone(), error.clone(), saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(next) = (*settings).clone() else {
                return;
            };
            let (settings, error, saved) = (settings.clone(), error.clone(), saved.clone());
            services::request(
                WorkerRequest::SaveSettings(next),
                move |r: Result<ExtensionSettings, _>| match r {
                    Ok(s) => {
                        services::apply_theme(s.theme);
                        settings.set(Some(s));
                        error.set(None);
                        saved.set(true);
                    }
                    Err(e) => error.set(Some(e)),
                },
            );
        })
    };
    let theme = match current.theme {
        Theme::System => "system",
        Theme::Light => "light",
        Theme::Dark => "dark",
    };
    html! {
        <main class="options">
            <h1>{ "AI Mentor options" }</h1>
            <form {onsubmit}>
                <label>{ "Server address" }
                    // On each key, not on blur: Save may come before the field loses focus.
                    <input type="url" name="backend_url" value={current.backend_url.clone()}
                           oninput={edit(|s, el| s.backend_url = el.clone().unchecked_into::<HtmlInputElement>().value())
                               .reform(|e: InputEvent| Event::from(e))} />
                </label>
                <p class="hint">{ "Changing the server signs you out: accounts belong to one server." }</p>
                <label>{ "Theme" }
                    <select name="theme" onchange={edit(|s, el| s.theme = match el.clone().unchecked_into::<HtmlSelectElement>().value().as_str() {
                        "light" => Theme::Light,
                        "dark" => Theme::Dark,
                        _ => Theme::System,
                    })}>
                        <option value="system" selected={theme == "system"}>{ "Follow the system" }</option>
                        <option value="light" selected={theme == "light"}>{ "Light" }</option>
                        <option value="dark" selected={theme == "dark"}>{ "Dark" }</option>
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" name="selection_button" checked={current.selection_button}
                           onchange={edit(|s, el| s.selection_button = el.clone().unchecked_into::<HtmlInputElement>().checked())} />
                    { "Show an AI Mentor button next to text I select" }
                </label>
                <label class="check">
                    <input type="checkbox" name="job_button" checked={current.job_button}
                           onchange={edit(|s, el| s.job_button = el.clone().unchecked_into::<HtmlInputElement>().checked())} />
                    { "Show an \u{201c}Ask about this job\u{201d} button on job postings" }
                </label>
                if !current.hidden_sites.is_empty() {
                    <fieldset class="hidden-sites">
                        <legend>{ "The job button is hidden on these sites" }</legend>
                        <ul>{ for current.hidden_sites.iter().map(|site| {
                            let (settings, saved, site_name) = (settings.clone(), saved.clone(), site.clone());
                            let show = Callback::from(move |_: MouseEvent| {
                                if let Some(mut next) = (*settings).clone() {
                                    next.hidden_sites.retain(|s| *s != site_name);
                                    settings.set(Some(next));
                                    saved.set(false);
                                }
                            });
                            html! { <li>{ site }{ " " }<button type="button" class="small" onclick={show}
                                aria-label={format!("Show the job button on {site} again")}>{ "Show again" }</button></li> }
                        }) }</ul>
                    </fieldset>
                }
                <ErrorNote error={(*error).clone()} />
                <button type="submit" class="primary">{ "Save" }</button>
                if *saved { <span class="saved" role="status">{ "Saved." }</span> }
            </form>
        </main>
    }
}
