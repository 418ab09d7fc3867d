//! The resume's structure as a form: the person, the summary, each job with
//! its highlights, education, and the skills (the other sections are kept
//! as they are, and said so); saved whole (the server checks it and
//! writes the resume's text anew). Beside it: rebuilding the structure with AI
//! (grounded in the text; what was dropped is listed), and downloads as
//! PDF, Word or JSON Resume in a chosen template.

use std::rc::Rc;

use shared_types::ErrorBody;
use shared_types::extension::{DocumentRequest, DownloadedFile};
use shared_types::resume_document::{Education, ParsedResume, ResumeDocument, Skill, Work};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use mentor_ui::components::ErrorNote;

use crate::preview::Preview;
use crate::request;

/// Properties of [`ResumeEditor`].
#[derive(Properties, PartialEq)]
pub struct EditorProps {
    /// The resume.
    pub id: i64,
}

/// One change to the document, made by a button of the form.
type Edit = Rc<dyn Fn(&mut ResumeDocument)>;
/// Sets one value of the document from what a field holds.
type Setter = Rc<dyn Fn(&mut ResumeDocument, String)>;

/// Removes entry `n` of `section` with its ids, which stay aligned.
fn remove_entry(doc: &mut ResumeDocument, section: &str, n: usize) {
    if let Some(ids) = doc.meta.ids.get_mut(section)
        && n < ids.len()
    {
        ids.remove(n);
    }
}

/// A field's value: none when it is left blank.
fn filled(v: String) -> Option<String> {
    (!v.trim().is_empty()).then_some(v)
}

/// Sets one value of entry `i` of a section (`work`, `education`) from a field.
fn entry_setter<T: 'static>(
    section: fn(&mut ResumeDocument) -> &mut Vec<T>,
    i: usize,
    set: fn(&mut T, Option<String>),
) -> Setter {
    Rc::new(move |d: &mut ResumeDocument, v: String| {
        if let Some(entry) = section(d).get_mut(i) {
            set(entry, filled(v));
        }
    })
}

/// How many entries the form does not show.
fn others(doc: &ResumeDocument) -> usize {
    doc.projects.len()
        + doc.certificates.len()
        + doc.languages.len()
        + doc.awards.len()
        + doc.publications.len()
        + doc.volunteer.len()
}

/// Puts `file` where the browser saves downloads.
fn save(file: &DownloadedFile) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(link) = document.create_element("a") else {
        return;
    };
    let _ = link.set_attribute("href", &file.data_url);
    let _ = link.set_attribute("download", &file.file_name);
    if let Ok(link) = link.dyn_into::<web_sys::HtmlElement>() {
        link.click();
    }
}

#[function_component(ResumeEditor)]
pub fn resume_editor(props: &EditorProps) -> Html {
    let doc = use_state(|| None::<ResumeDocument>);
    let error = use_state(|| None::<ErrorBody>);
    let note = use_state(|| None::<String>);
    let dropped = use_state(Vec::<String>::new);
    let busy = use_state(|| false);
    let template = use_state(|| "classic".to_string());
    let saves = use_state(|| 0u32);
    {
        let (doc, error, id) = (doc.clone(), error.clone(), props.id);
        use_effect_with(id, move |_| {
            request(
                DocumentRequest::ResumeDocument { id },
                move |r: Result<ResumeDocument, ErrorBody>| match r {
                    Ok(d) => doc.set(Some(d)),
                    Err(e) => error.set(Some(e)),
                },
            );
        });
    }
    let Some(current) = (*doc).clone() else {
        return html! { <><ErrorNote error={(*error).clone()} /><p class="muted">{ "Loading the structure…" }</p></> };
    };
    // Applies an edit to the document on screen.
    let edit = {
        let doc = doc.clone();
        move |change: Edit| {
            let doc = doc.clone();
            Callback::from(move |_: ()| {
                if let Some(mut d) = (*doc).clone() {
                    change(&mut d);
                    doc.set(Some(d));
                }
            })
        }
    };
    // A text field that sets one value of the document as it is typed.
    let field = |label: &str, value: Option<&String>, set: Setter| {
        let doc = doc.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Some(mut d) = (*doc).clone() {
                set(&mut d, value);
                doc.set(Some(d));
            }
        });
        html! { <label>{ label }<input type="text" value={value.cloned().unwrap_or_default()} {oninput} /></label> }
    };

    let basics = &current.basics;
    let person = html! {
        <fieldset class="entry">
            <legend>{ "You" }</legend>
            { field("Name", basics.name.as_ref(), Rc::new(move |d, v| d.basics.name = filled(v))) }
            { field("Title", basics.label.as_ref(), Rc::new(move |d, v| d.basics.label = filled(v))) }
            { field("Email", basics.email.as_ref(), Rc::new(move |d, v| d.basics.email = filled(v))) }
            { field("Phone", basics.phone.as_ref(), Rc::new(move |d, v| d.basics.phone = filled(v))) }
            <label>{ "Summary" }
                <textarea rows="3" value={basics.summary.clone().unwrap_or_default()}
                    oninput={{
                        let doc = doc.clone();
                        Callback::from(move |e: InputEvent| {
                            let v = e.target_unchecked_into::<HtmlTextAreaElement>().value();
                            if let Some(mut d) = (*doc).clone() {
                                d.basics.summary = filled(v);
                                doc.set(Some(d));
                            }
                        })
                    }} />
            </label>
        </fieldset>
    };

    let job = |(i, w): (usize, &Work)| {
        let highlight = |(j, h): (usize, &String)| {
            let doc_for_input = doc.clone();
            let oninput = Callback::from(move |e: InputEvent| {
                let v = e.target_unchecked_into::<HtmlTextAreaElement>().value();
                if let Some(mut d) = (*doc_for_input).clone() {
                    if let Some(slot) = d.work.get_mut(i).and_then(|w| w.highlights.get_mut(j)) {
                        *slot = v;
                    }
                    doc_for_input.set(Some(d));
                }
            });
            let remove = edit(Rc::new(move |d: &mut ResumeDocument| {
                if let Some(w) = d.work.get_mut(i)
                    && j < w.highlights.len()
                {
                    w.highlights.remove(j);
                    if let Some(ids) = d.meta.ids.get_mut("work").and_then(|ids| ids.get_mut(i))
                        && j < ids.highlights.len()
                    {
                        ids.highlights.remove(j);
                    }
                }
            }));
            html! {
                <div class="highlight" key={j}>
                    <textarea rows="2" aria-label={format!("Highlight {} of job {}", j + 1, i + 1)} value={h.clone()} {oninput} data-testid="highlight" />
                    <button class="small" aria-label={format!("Remove highlight {} of job {}", j + 1, i + 1)} onclick={remove.reform(|_| ())}>{ "Remove" }</button>
                </div>
            }
        };
        let add = edit(Rc::new(move |d: &mut ResumeDocument| {
            if let Some(w) = d.work.get_mut(i) {
                w.highlights.push(String::new());
            }
        }));
        let remove_job = edit(Rc::new(move |d: &mut ResumeDocument| {
            if i < d.work.len() {
                d.work.remove(i);
                remove_entry(d, "work", i);
            }
        }));
        let set = |f: fn(&mut Work, Option<String>)| entry_setter(|d| &mut d.work, i, f);
        html! {
            <fieldset class="entry" key={i} data-testid="work-entry">
                <legend>{ format!("Job {}", i + 1) }</legend>
                { field("Position", w.position.as_ref(), set(|w, v| w.position = v)) }
                { field("Employer", w.name.as_ref(), set(|w, v| w.name = v)) }
                { field("From (YYYY-MM)", w.start_date.as_ref(), set(|w, v| w.start_date = v)) }
                { field("To (empty while it goes on)", w.end_date.as_ref(), set(|w, v| w.end_date = v)) }
                { for w.highlights.iter().enumerate().map(highlight) }
                <div class="actions">
                    <button class="small" onclick={add.reform(|_| ())}>{ "Add a highlight" }</button>
                    <button class="small danger" onclick={remove_job.reform(|_| ())}>{ "Remove this job" }</button>
                </div>
            </fieldset>
        }
    };
    let add_job = edit(Rc::new(|d: &mut ResumeDocument| {
        d.work.push(Work::default())
    }));

    let school = |(i, e): (usize, &Education)| {
        let set = |f: fn(&mut Education, Option<String>)| entry_setter(|d| &mut d.education, i, f);
        let remove = edit(Rc::new(move |d: &mut ResumeDocument| {
            if i < d.education.len() {
                d.education.remove(i);
                remove_entry(d, "education", i);
            }
        }));
        html! {
            <fieldset class="entry" key={i} data-testid="education-entry">
                <legend>{ format!("Education {}", i + 1) }</legend>
                { field("School", e.institution.as_ref(), set(|e, v| e.institution = v)) }
                { field("Degree", e.study_type.as_ref(), set(|e, v| e.study_type = v)) }
                { field("Field of study", e.area.as_ref(), set(|e, v| e.area = v)) }
                { field("From (YYYY or YYYY-MM)", e.start_date.as_ref(), set(|e, v| e.start_date = v)) }
                { field("To", e.end_date.as_ref(), set(|e, v| e.end_date = v)) }
                <button class="small danger" onclick={remove.reform(|_| ())}>{ "Remove this entry" }</button>
            </fieldset>
        }
    };
    let add_school = edit(Rc::new(|d: &mut ResumeDocument| {
        d.education.push(Education::default())
    }));

    let skill = |(i, s): (usize, &Skill)| {
        let set_name: Setter = Rc::new(move |d, v| {
            if let Some(s) = d.skills.get_mut(i) {
                s.name = filled(v);
            }
        });
        let set_keywords: Setter = Rc::new(move |d, v| {
            if let Some(s) = d.skills.get_mut(i) {
                s.keywords = v
                    .split(',')
                    .map(|k| k.trim().to_string())
                    .filter(|k| !k.is_empty())
                    .collect();
            }
        });
        let remove = edit(Rc::new(move |d: &mut ResumeDocument| {
            if i < d.skills.len() {
                d.skills.remove(i);
                remove_entry(d, "skills", i);
            }
        }));
        let keywords = s.keywords.join(", ");
        html! {
            <div class="skill-row" key={i}>
                { field("Skill or group", s.name.as_ref(), set_name) }
                { field("Keywords (comma-separated)", (!keywords.is_empty()).then_some(&keywords), set_keywords) }
                <button class="small" aria-label={format!("Remove skill {}", i + 1)} onclick={remove.reform(|_| ())}>{ "Remove" }</button>
            </div>
        }
    };
    let add_skill = edit(Rc::new(|d: &mut ResumeDocument| {
        d.skills.push(Skill::default())
    }));

    let save_document = {
        let (doc, error, note, busy, saves, id) = (
            doc.clone(),
            error.clone(),
            note.clone(),
            busy.clone(),
            saves.clone(),
            props.id,
        );
        Callback::from(move |_: MouseEvent| {
            let Some(document) = (*doc).clone() else {
                return;
            };
            busy.set(true);
            let (doc, error, note, busy, saves) = (
                doc.clone(),
                error.clone(),
                note.clone(),
                busy.clone(),
                saves.clone(),
            );
            request(
                DocumentRequest::SaveResumeDocument {
                    id,
                    document: Box::new(document),
                },
                move |r: Result<ResumeDocument, ErrorBody>| {
                    busy.set(false);
                    match r {
                        Ok(saved) => {
                            doc.set(Some(saved));
                            saves.set(*saves + 1);
                            error.set(None);
                            note.set(Some(
                                "Saved. The resume's text follows the structure.".into(),
                            ));
                        }
                        Err(e) => error.set(Some(e)),
                    }
                },
            );
        })
    };
    let rebuild = {
        let (doc, error, note, busy, dropped, saves, id) = (
            doc.clone(),
            error.clone(),
            note.clone(),
            busy.clone(),
            dropped.clone(),
            saves.clone(),
            props.id,
        );
        Callback::from(move |_: MouseEvent| {
            busy.set(true);
            note.set(Some("Building the structure…".into()));
            let (doc, error, note, busy, dropped, saves) = (
                doc.clone(),
                error.clone(),
                note.clone(),
                busy.clone(),
                dropped.clone(),
                saves.clone(),
            );
            request(
                DocumentRequest::ParseResume { id },
                move |r: Result<ParsedResume, ErrorBody>| {
                    busy.set(false);
                    match r {
                        Ok(parsed) => {
                            doc.set(Some(parsed.document));
                            saves.set(*saves + 1);
                            dropped.set(parsed.warnings);
                            error.set(None);
                            note.set(None);
                        }
                        Err(e) => {
                            note.set(None);
                            error.set(Some(e));
                        }
                    }
                },
            );
        })
    };
    let download = {
        let (error, template, id) = (error.clone(), template.clone(), props.id);
        move |format: &'static str| {
            let (error, template) = (error.clone(), template.clone());
            Callback::from(move |_: MouseEvent| {
                let error = error.clone();
                request(
                    DocumentRequest::ResumeFile {
                        id,
                        format: format.into(),
                        template: (*template).clone(),
                    },
                    move |r: Result<DownloadedFile, ErrorBody>| match r {
                        Ok(file) => save(&file),
                        Err(e) => error.set(Some(e)),
                    },
                );
            })
        }
    };
    let on_template = {
        let template = template.clone();
        Callback::from(move |e: Event| {
            template.set(e.target_unchecked_into::<HtmlSelectElement>().value());
        })
    };

    html! {
        <section class="structure" data-testid="structure">
            <h3>{ "Structure" }</h3>
            <p class="hint">{ "Correct anything read wrongly; the resume's text and skills follow what you save." }</p>
            if !dropped.is_empty() {
                <ul class="warnings" role="status" data-testid="dropped">{ for dropped.iter().map(|w| html! { <li>{ w }</li> }) }</ul>
            }
            { person }
            { for current.work.iter().enumerate().map(job) }
            <button class="small" onclick={add_job.reform(|_| ())}>{ "Add a job" }</button>
            { for current.education.iter().enumerate().map(school) }
            <button class="small" onclick={add_school.reform(|_| ())}>{ "Add education" }</button>
            <fieldset class="entry">
                <legend>{ "Skills" }</legend>
                { for current.skills.iter().enumerate().map(skill) }
                <button class="small" onclick={add_skill.reform(|_| ())}>{ "Add a skill" }</button>
            </fieldset>
            if others(&current) > 0 {
                <p class="hint">{ format!(
                    "Kept as saved, outside this form: {} in projects, certificates, languages, awards, publications or volunteering. Edit them in the JSON Resume file and import it.",
                    match others(&current) { 1 => "1 entry".to_string(), n => format!("{n} entries") }
                ) }</p>
            }
            <ErrorNote error={(*error).clone()} />
            if let Some(note) = &*note {
                <p class="muted" role="status">{ note }</p>
            }
            <div class="actions">
                <button class="primary" onclick={save_document} disabled={*busy}>{ "Save structure" }</button>
                <button onclick={rebuild} disabled={*busy}>{ "Rebuild with AI" }</button>
            </div>
            <div class="actions downloads">
                <label>{ "Template" }
                    <select onchange={on_template} aria-label="Template">
                        <option value="classic" selected={*template == "classic"}>{ "Classic (plain, for applicant tracking systems)" }</option>
                        <option value="modern" selected={*template == "modern"}>{ "Modern" }</option>
                    </select>
                </label>
                <button onclick={download("pdf")}>{ "Download PDF" }</button>
                <button onclick={download("docx")}>{ "Download Word" }</button>
                <button onclick={download("json")}>{ "Download JSON Resume" }</button>
            </div>
            <Preview id={props.id} template={AttrValue::from((*template).clone())} saves={*saves} />
        </section>
    }
}
