//! The first page of the resume's PDF as an image, in the chosen template:
//! made again when the template changes or the structure is saved.

use shared_types::ErrorBody;
use shared_types::extension::{DocumentRequest, DownloadedFile};
use yew::prelude::*;

use crate::request;

/// Properties of [`Preview`].
#[derive(Properties, PartialEq)]
pub struct PreviewProps {
    /// The resume.
    pub id: i64,
    /// `classic` or `modern`.
    pub template: AttrValue,
    /// Counts the saves, so that each one brings a new preview.
    pub saves: u32,
}

/// What the preview shows.
#[derive(Clone, PartialEq)]
enum Shown {
    Making,
    Image(String),
    Failed(String),
}

#[function_component(Preview)]
pub fn preview(props: &PreviewProps) -> Html {
    let shown = use_state(|| Shown::Making);
    {
        let shown = shown.clone();
        use_effect_with(
            (props.id, props.template.clone(), props.saves),
            move |(id, template, _)| {
                shown.set(Shown::Making);
                request(
                    DocumentRequest::ResumeFile {
                        id: *id,
                        format: "svg".into(),
                        template: template.to_string(),
                    },
                    move |r: Result<DownloadedFile, ErrorBody>| {
                        shown.set(match r {
                            Ok(file) => Shown::Image(file.data_url),
                            Err(e) => Shown::Failed(e.message),
                        })
                    },
                );
            },
        );
    }
    let alt = format!(
        "The first page of the PDF in the {} template",
        props.template
    );
    html! {
        <figure class="preview" aria-busy={(*shown == Shown::Making).to_string()}>
            { match &*shown {
                Shown::Making => html! { <p class="muted">{ "Making the preview…" }</p> },
                Shown::Image(src) => html! { <img src={src.clone()} {alt} data-testid="preview" /> },
                Shown::Failed(why) => html! { <p class="muted">{ format!("No preview: {why}") }</p> },
            } }
            <figcaption class="hint">{ "The saved structure's first page, as the PDF sets it." }</figcaption>
        </figure>
    }
}
