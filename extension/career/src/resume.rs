//! The Resume view: upload a file (or a JSON Resume) or paste text, see the
//! extracted text and what extraction warns about, correct it or its
//! structure, download it, choose the active resume.

use shared_types::extension::CareerRequest;
use shared_types::{
    CreateResume, ErrorBody, RESUME_FILE_MAX_BYTES, Resume, ResumeSummary, UpdateResume,
};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::{ErrorNote, services};

fn local_error(message: &str) -> ErrorBody {
    ErrorBody {
        error: shared_types::ErrorCode::InvalidRequest,
        message: message.into(),
    }
}

#[function_component(Resumes)]
pub fn resumes() -> Html {
    let list = use_state(|| None::<Vec<ResumeSummary>>);
    let open = use_state(|| None::<Resume>);
    let error = use_state(|| None::<ErrorBody>);
    let busy = use_state(|| false);
    let pasting = use_state(|| false);
    let (title_ref, text_ref, paste_ref) = (use_node_ref(), use_node_ref(), use_node_ref());

    let reload = {
        let (list, error) = (list.clone(), error.clone());
        Callback::from(move |_: ()| {
            let (list, error) = (list.clone(), error.clone());
            services::request(
                CareerRequest::Resumes,
                move |r: Result<Vec<ResumeSummary>, ErrorBody>| match r {
                    Ok(items) => list.set(Some(items)),
                    Err(e) => error.set(Some(e)),
                },
            );
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    // Every change answers the resume as it now is: show it, refresh the list.
    let shown = {
        let (open, error, busy, reload) =
            (open.clone(), error.clone(), busy.clone(), reload.clone());
        Callback::from(move |r: Result<Resume, ErrorBody>| {
            busy.set(false);
            match r {
                Ok(resume) => {
                    open.set(Some(resume));
                    error.set(None);
                    reload.emit(());
                }
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let send = {
        let (busy, shown) = (busy.clone(), shown.clone());
        move |request: CareerRequest| {
            busy.set(true);
            let shown = shown.clone();
            services::request(request, move |r| shown.emit(r));
        }
    };

    let on_file = {
        let (send, error) = (send.clone(), error.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            if file.size() > RESUME_FILE_MAX_BYTES as f64 {
                error.set(Some(local_error("That file is larger than 5 MB.")));
                return;
            }
            let (send, error, file_name) = (send.clone(), error.clone(), file.name());
            services::read_data_url(&file, move |read| match read {
                Ok(data_url) => send(CareerRequest::UploadResume {
                    file_name,
                    data_url,
                }),
                Err(message) => error.set(Some(local_error(&message))),
            });
        })
    };
    let save_paste = {
        let (send, paste_ref) = (send.clone(), paste_ref.clone());
        let pasting = pasting.clone();
        Callback::from(move |_: MouseEvent| {
            let text = paste_ref
                .cast::<HtmlTextAreaElement>()
                .map(|t| t.value())
                .unwrap_or_default();
            pasting.set(false);
            send(CareerRequest::PasteResume(CreateResume {
                title: None,
                text,
            }));
        })
    };
    let save_edit = {
        let (send, open) = (send.clone(), open.clone());
        let (title_ref, text_ref) = (title_ref.clone(), text_ref.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(resume) = &*open else { return };
            let change = UpdateResume {
                title: title_ref.cast::<HtmlInputElement>().map(|t| t.value()),
                text: text_ref.cast::<HtmlTextAreaElement>().map(|t| t.value()),
            };
            send(CareerRequest::UpdateResume {
                id: resume.id,
                change,
            });
        })
    };

    let row = |item: &ResumeSummary| {
        let id = item.id;
        let (open_it, activate, delete) = {
            let (send, open, reload, error) =
                (send.clone(), open.clone(), reload.clone(), error.clone());
            let open_it = {
                let send = send.clone();
                Callback::from(move |_: MouseEvent| send(CareerRequest::Resume { id }))
            };
            let activate =
                Callback::from(move |_: MouseEvent| send(CareerRequest::ActivateResume { id }));
            let delete = Callback::from(move |_: MouseEvent| {
                let (open, reload, error) = (open.clone(), reload.clone(), error.clone());
                services::request(
                    CareerRequest::DeleteResume { id },
                    move |r: Result<serde::de::IgnoredAny, ErrorBody>| {
                        if open.as_ref().is_some_and(|o| o.id == id) {
                            open.set(None);
                        }
                        error.set(r.err());
                        reload.emit(());
                    },
                );
            });
            (open_it, activate, delete)
        };
        html! {
            <li class="row" key={id}>
                <button class="link title" onclick={open_it}>{ &item.title }</button>
                <span class="muted small">{ format!("{} words · {}", item.word_count, item.format.as_str()) }</span>
                if item.is_active {
                    <span class="badge" data-testid="active">{ "Active" }</span>
                } else {
                    <button class="small" onclick={activate}>{ "Use this one" }</button>
                }
                <button class="small danger" aria-label={format!("Delete {}", item.title)} onclick={delete}>{ "Delete" }</button>
            </li>
        }
    };

    html! {
        <section class="resumes">
            <p class="hint">{ "Your active resume goes with every question, so answers fit you." }</p>
            <div class="actions">
                <label class="upload">
                    { if *busy { "Reading…" } else { "Upload a resume" } }
                    <input type="file" accept=".pdf,.docx,.txt,.md,.markdown,.json" disabled={*busy}
                           aria-label="Resume file (PDF, DOCX, TXT, Markdown or JSON Resume)" onchange={on_file} />
                </label>
                <button class="link" onclick={{ let pasting = pasting.clone(); move |_| pasting.set(!*pasting) }}>{ "Paste text instead" }</button>
            </div>
            <p class="small-print">{ "PDF, DOCX, TXT, Markdown or a JSON Resume file (.json), up to 5 MB." }</p>
            if *pasting {
                <label>{ "Resume text" }<textarea ref={paste_ref} rows="8" /></label>
                <button class="primary" onclick={save_paste}>{ "Save resume" }</button>
            }
            <ErrorNote error={(*error).clone()} />
            { match &*list {
                None => html! { <p class="muted">{ "Loading…" }</p> },
                Some(items) if items.is_empty() => html! { <p class="muted">{ "No resume yet." }</p> },
                Some(items) => html! { <ul class="list">{ for items.iter().map(row) }</ul> },
            } }
            if let Some(resume) = &*open {
                <article class="resume" key={resume.id} data-testid="resume">
                    <label>{ "Title" }<input ref={title_ref} type="text" value={resume.title.clone()} /></label>
                    if !resume.warnings.is_empty() {
                        <ul class="warnings" role="status">{ for resume.warnings.iter().map(|w| html! { <li>{ w }</li> }) }</ul>
                    }
                    <label>{ "Text (correct anything extraction got wrong)" }
                        <textarea ref={text_ref} rows="12" value={resume.text.clone()} data-testid="resume-text" />
                    </label>
                    <div class="actions">
                        <button class="primary" onclick={save_edit} disabled={*busy}>{ "Save changes" }</button>
                        <span class="muted small">{ format!("{} words, {} skills found", resume.word_count, resume.skills.len()) }</span>
                    </div>
                    <p><a href={format!("document.html#{}", resume.id)} data-testid="structure-link">
                        { "Check its structure, download PDF or Word" }</a></p>
                </article>
            }
        </section>
    }
}
