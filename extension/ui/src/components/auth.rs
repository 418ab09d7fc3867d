//! Sign in and create an account, checked with the backend's own rules
//! before anything is sent.

use shared_types::extension::{Status, WorkerRequest};
use shared_types::validation::{check_email, validate_password};
use shared_types::{ErrorBody, ErrorCode};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::ErrorNote;
use crate::services;

/// Properties of [`Auth`].
#[derive(Properties, PartialEq)]
pub struct AuthProps {
    /// Called with the new status once signed in.
    pub on_signed_in: Callback<Status>,
}

/// The sign-in and sign-up form.
#[function_component(Auth)]
pub fn auth(props: &AuthProps) -> Html {
    // A new user lands on sign-up; someone who signed in here before, on
    // sign-in.
    let creating = use_state(|| true);
    {
        let creating = creating.clone();
        use_effect_with((), move |_| {
            services::returning(move |returning| creating.set(!returning))
        });
    }
    let email = use_state(String::new);
    let password = use_state(String::new);
    let error = use_state(|| None::<ErrorBody>);
    let busy = use_state(|| false);
    let reset_sent = use_state(|| false);

    let onsubmit = {
        let (creating, email, password) = (*creating, email.clone(), password.clone());
        let (error, busy, on_signed_in) = (error.clone(), busy.clone(), props.on_signed_in.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = match check(creating, &email, &password) {
                Ok(request) => request,
                Err(problem) => return error.set(Some(problem)),
            };
            busy.set(true);
            error.set(None);
            let (error, busy, on_signed_in) = (error.clone(), busy.clone(), on_signed_in.clone());
            services::request(request, move |result: Result<Status, ErrorBody>| {
                busy.set(false);
                match result {
                    Ok(status) => {
                        services::note_returning();
                        on_signed_in.emit(status)
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let toggle = {
        let (creating, error) = (creating.clone(), error.clone());
        Callback::from(move |_| {
            creating.set(!*creating);
            error.set(None);
        })
    };
    let forgot = {
        let (email, error, reset_sent) = (email.clone(), error.clone(), reset_sent.clone());
        Callback::from(move |_: MouseEvent| {
            let email = match email_of(&email) {
                Ok(email) => email,
                Err(problem) => return error.set(Some(problem)),
            };
            let (error, reset_sent) = (error.clone(), reset_sent.clone());
            services::request(
                WorkerRequest::ForgotPassword { email },
                move |result: Result<serde::de::IgnoredAny, ErrorBody>| {
                    reset_sent.set(result.is_ok());
                    error.set(result.err());
                },
            );
        })
    };
    let bind = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            state.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let (title, action, switch) = if *creating {
        (
            "Create your account",
            "Create account",
            "I already have an account",
        )
    } else {
        ("Sign in to AI Mentor", "Sign in", "Create an account")
    };
    // The error names the field it is about, for screen readers.
    let code = (*error).as_ref().map(|e| e.error);
    let email_wrong = matches!(code, Some(ErrorCode::InvalidEmail | ErrorCode::EmailTaken));
    let password_wrong = matches!(code, Some(ErrorCode::WeakPassword));
    let both_wrong = matches!(code, Some(ErrorCode::InvalidCredentials));
    let described = |wrong: bool, hint: Option<&'static str>| {
        let ids: Vec<&str> = hint
            .into_iter()
            .chain((wrong || both_wrong).then_some("auth-error"))
            .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    html! {
        <form class="auth" {onsubmit} novalidate=true>
            <h1>{ title }</h1>
            <label>{ "Email" }
                <input type="email" name="email" autocomplete="email" required=true
                       aria-invalid={(email_wrong || both_wrong).then_some("true")}
                       aria-describedby={described(email_wrong, None)}
                       value={(*email).clone()} oninput={bind(&email)} />
            </label>
            <label>{ "Password" }
                <input type="password" name="password" required=true
                       aria-invalid={(password_wrong || both_wrong).then_some("true")}
                       aria-describedby={described(password_wrong, creating.then_some("password-rules"))}
                       autocomplete={if *creating { "new-password" } else { "current-password" }}
                       value={(*password).clone()} oninput={bind(&password)} />
            </label>
            if *creating {
                <p class="hint" id="password-rules">{ "At least 12 characters, not a common password." }</p>
            }
            <ErrorNote error={(*error).clone()} id="auth-error" />
            if *reset_sent && !*creating {
                <p class="hint" role="status">{ "If an account uses this address, a link to choose a new password is on its way." }</p>
            }
            <button type="submit" class="primary" disabled={*busy}>
                { if *busy { "Please wait…" } else { action } }
            </button>
            <button type="button" class="link" onclick={toggle}>{ switch }</button>
            if !*creating {
                <button type="button" class="link" onclick={forgot}>{ "Forgot password?" }</button>
            }
        </form>
    }
}

/// The request for the form's fields, or why they cannot be sent.
fn check(creating: bool, email: &str, password: &str) -> Result<WorkerRequest, ErrorBody> {
    let email = email_of(email)?;
    let password = password.to_string();
    if !creating {
        return Ok(WorkerRequest::Login { email, password });
    }
    validate_password(&password, &email).map_err(|problem| ErrorBody {
        error: ErrorCode::WeakPassword,
        message: problem.message(),
    })?;
    Ok(WorkerRequest::Register { email, password })
}

/// The address as typed (the backend lower-cases it), or why it is not one.
fn email_of(email: &str) -> Result<String, ErrorBody> {
    check_email(email)
        .map(str::to_string)
        .map_err(|message| ErrorBody {
            error: ErrorCode::InvalidEmail,
            message,
        })
}
