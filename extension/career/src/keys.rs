//! The Keys view, opened from the popup's Account view: the user's own AI
//! provider keys (add, check, remove, and whether AI Mentor's key may answer
//! when theirs is refused) and their personal API keys (create, shown once
//! with a copy button, revoke).

use shared_types::extension::CareerRequest;
use shared_types::{
    ApiKeyInfo, ApiKeyScope, BYOK_PROVIDERS, CreateApiKeyRequest, CreatedApiKey, ErrorBody,
    ErrorCode, ProviderKeyInfo, ProviderKeySettings, ProviderKeyStatus, ProviderKeys,
};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::{ErrorNote, services};

#[function_component(Keys)]
pub fn keys() -> Html {
    html! {
        <section class="keys">
            <ProviderKeysView />
            <ApiKeysView />
        </section>
    }
}

fn provider_name(provider: &str) -> &'static str {
    match provider {
        "openai" => "OpenAI",
        "anthropic" => "Anthropic",
        "gemini" => "Google Gemini",
        "deepseek" => "DeepSeek",
        "groq" => "Groq",
        _ => "xAI",
    }
}

fn status_label(status: ProviderKeyStatus) -> &'static str {
    match status {
        ProviderKeyStatus::Verified => "Verified",
        ProviderKeyStatus::Unverified => "Not checked yet",
        ProviderKeyStatus::Invalid => "Refused",
    }
}

#[function_component(ProviderKeysView)]
fn provider_keys_view() -> Html {
    let keys = use_state(|| None::<Result<ProviderKeys, ErrorBody>>);
    let error = use_state(|| None::<ErrorBody>);
    let busy = use_state(|| None::<String>);
    let reload = {
        let keys = keys.clone();
        Callback::from(move |_: ()| {
            let keys = keys.clone();
            services::request(CareerRequest::ProviderKeys, move |r| keys.set(Some(r)));
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    // Every action ends the same way: stop the spinner, show any error, reload.
    let done = {
        let (error, busy, reload) = (error.clone(), busy.clone(), reload.clone());
        Callback::from(move |r: Result<(), ErrorBody>| {
            busy.set(None);
            error.set(r.err());
            reload.emit(());
        })
    };
    let act = {
        let busy = busy.clone();
        move |provider: &str, request: CareerRequest| {
            busy.set(Some(provider.to_string()));
            let done = done.clone();
            services::request(
                request,
                move |r: Result<serde::de::IgnoredAny, ErrorBody>| done.emit(r.map(drop)),
            );
        }
    };

    let list = match &*keys {
        None => return html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) if e.error == ErrorCode::ByokNotConfigured => {
            return html! {
                <>
                    <h2>{ "Your AI provider keys" }</h2>
                    <p class="muted" data-testid="byok-off">{ "This server doesn't store your own provider keys." }</p>
                </>
            };
        }
        Some(Err(e)) => return html! { <ErrorNote error={Some(e.clone())} /> },
        Some(Ok(list)) => list.clone(),
    };
    let fallback = {
        let act = act.clone();
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            act(
                "",
                CareerRequest::SetKeyFallback(ProviderKeySettings {
                    fallback_to_platform: on,
                }),
            );
        })
    };
    html! {
        <>
            <h2>{ "Your AI provider keys" }</h2>
            <p class="hint">{ "Ask with your own provider account: questions answered with your key are billed by the provider and don't count against your plan." }</p>
            if !list.allowed {
                <p class="muted" data-testid="byok-plan">{ "Your plan doesn't include your own keys. Upgrade to Pro to use them." }</p>
            }
            <ErrorNote error={(*error).clone()} />
            <ul class="provider-keys">
                { for BYOK_PROVIDERS.iter().map(|&provider| {
                    let key = list.keys.iter().find(|k| k.provider == provider).cloned();
                    html! {
                        <ProviderRow provider={provider} key_info={key} disabled={!list.allowed}
                            busy={busy.as_deref() == Some(provider)} act={Callback::from({
                                let act = act.clone();
                                move |(p, r): (String, CareerRequest)| act(&p, r)
                            })} />
                    }
                }) }
            </ul>
            <label class="check">
                <input type="checkbox" checked={list.fallback_to_platform} disabled={!list.allowed}
                       onchange={fallback} data-testid="fallback" />
                { " If a key of mine is refused, answer with AI Mentor's key (the question then counts)." }
            </label>
        </>
    }
}

/// Properties of [`ProviderRow`].
#[derive(Properties, PartialEq)]
struct ProviderRowProps {
    provider: &'static str,
    key_info: Option<ProviderKeyInfo>,
    disabled: bool,
    busy: bool,
    act: Callback<(String, CareerRequest)>,
}

#[function_component(ProviderRow)]
fn provider_row(props: &ProviderRowProps) -> Html {
    let input = use_node_ref();
    let provider = props.provider;
    let send = |request: CareerRequest| {
        let act = props.act.clone();
        Callback::from(move |_: MouseEvent| act.emit((provider.to_string(), request.clone())))
    };
    let save = {
        let (act, input) = (props.act.clone(), input.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(field) = input.cast::<HtmlInputElement>() else {
                return;
            };
            let api_key = field.value().trim().to_string();
            if api_key.is_empty() {
                return;
            }
            field.set_value("");
            act.emit((
                provider.to_string(),
                CareerRequest::SaveProviderKey {
                    provider: provider.to_string(),
                    api_key,
                },
            ));
        })
    };
    html! {
        <li class="provider-key" data-provider={provider}>
            <div class="row">
                <strong>{ provider_name(provider) }</strong>
                if let Some(key) = &props.key_info {
                    <span class={classes!("badge", key.status.as_str())} data-testid="key-status">{ status_label(key.status) }</span>
                    <span class="muted small">{ format!("…{}", key.last4) }</span>
                    <button class="link" disabled={props.busy}
                        onclick={send(CareerRequest::VerifyProviderKey { provider: provider.into() })}>{ "Check" }</button>
                    <button class="link" disabled={props.busy}
                        onclick={send(CareerRequest::DeleteProviderKey { provider: provider.into() })}>{ "Remove" }</button>
                } else {
                    <span class="muted small">{ "No key" }</span>
                }
            </div>
            if let Some(error) = props.key_info.as_ref().and_then(|k| k.last_error.clone()) {
                <p class="small muted">{ error }</p>
            }
            <form class="row" onsubmit={save}>
                <input ref={input} type="password" autocomplete="off" spellcheck="false" disabled={props.disabled || props.busy}
                       aria-label={format!("{} API key", provider_name(provider))}
                       placeholder={if props.key_info.is_some() { "Replace with a new key" } else { "Paste your API key" }} />
                <button type="submit" disabled={props.disabled || props.busy}>
                    { if props.busy { "Checking…" } else { "Save" } }
                </button>
            </form>
        </li>
    }
}

#[function_component(ApiKeysView)]
fn api_keys_view() -> Html {
    let keys = use_state(|| None::<Result<Vec<ApiKeyInfo>, ErrorBody>>);
    let created = use_state(|| None::<CreatedApiKey>);
    let error = use_state(|| None::<ErrorBody>);
    let copied = use_state(|| false);
    let (name, expiry) = (use_node_ref(), use_node_ref());
    let (with_resume, with_conversations) = (use_node_ref(), use_node_ref());
    let reload = {
        let keys = keys.clone();
        Callback::from(move |_: ()| {
            let keys = keys.clone();
            services::request(CareerRequest::ApiKeys, move |r| keys.set(Some(r)));
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    let create = {
        let (created, error, reload, copied) = (
            created.clone(),
            error.clone(),
            reload.clone(),
            copied.clone(),
        );
        let (name, expiry) = (name.clone(), expiry.clone());
        let opted = [
            (with_resume.clone(), ApiKeyScope::Resume),
            (with_conversations.clone(), ApiKeyScope::Conversations),
        ];
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(field) = name.cast::<HtmlInputElement>() else {
                return;
            };
            let days = expiry
                .cast::<HtmlSelectElement>()
                .and_then(|s| s.value().parse::<u32>().ok());
            let scopes = opted
                .iter()
                .filter(|(box_, _)| box_.cast::<HtmlInputElement>().is_some_and(|b| b.checked()))
                .map(|(_, scope)| *scope)
                .collect();
            let request = CreateApiKeyRequest {
                name: field.value().trim().to_string(),
                expires_in_days: days,
                scopes,
            };
            let (created, error, reload, copied) = (
                created.clone(),
                error.clone(),
                reload.clone(),
                copied.clone(),
            );
            services::request(
                CareerRequest::CreateApiKey(request),
                move |r: Result<CreatedApiKey, ErrorBody>| {
                    copied.set(false);
                    match r {
                        Ok(key) => {
                            field.set_value("");
                            created.set(Some(key));
                            error.set(None);
                        }
                        Err(e) => error.set(Some(e)),
                    }
                    reload.emit(());
                },
            );
        })
    };
    let revoke = |id: i64| {
        let (error, reload) = (error.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let (error, reload) = (error.clone(), reload.clone());
            services::request(
                CareerRequest::DeleteApiKey { id },
                move |r: Result<serde::de::IgnoredAny, ErrorBody>| {
                    error.set(r.err());
                    reload.emit(());
                },
            );
        })
    };
    let list = match &*keys {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <ErrorNote error={Some(e.clone())} /> },
        Some(Ok(list)) if list.is_empty() => html! { <p class="muted">{ "No API keys yet." }</p> },
        Some(Ok(list)) => html! {
            <ul class="api-keys">
                { for list.iter().map(|k| html! {
                    <li class="api-key" data-testid="api-key">
                        <div class="row">
                            <strong class="grow">{ &k.name }</strong>
                            <button class="link" onclick={revoke(k.id)}>{ "Revoke" }</button>
                        </div>
                        <p class="small muted">
                            <code>{ format!("{}…{}", k.prefix, k.last4) }</code>
                            { format!(" · created {} · {}{}", day(&k.created_at),
                                k.last_used_at.as_deref().map_or("never used".into(), |at| format!("used {}", day(at))),
                                k.expires_at.as_deref().map_or(String::new(), |at| format!(" · expires {}", day(at)))) }
                        </p>
                        <p class="small muted" data-testid="api-key-scopes">{ reach(&k.scopes) }</p>
                    </li>
                }) }
            </ul>
        },
    };
    let shown = (*created).clone().map(|c| {
        let copy = {
            let (key, copied) = (c.key.clone(), copied.clone());
            Callback::from(move |_: MouseEvent| {
                mentor_browser::copy_to_clipboard(&key);
                copied.set(true);
            })
        };
        html! {
            <div class="new-key" role="status">
                <p><strong>{ "Copy your new key now: it won't be shown again." }</strong></p>
                <div class="row">
                    <code data-testid="new-api-key">{ c.key }</code>
                    <button onclick={copy}>{ if *copied { "Copied" } else { "Copy" } }</button>
                </div>
                <p class="small muted">{ "Use it with any OpenAI SDK: set the base URL to this server's address followed by /v1, and the API key to this key." }</p>
            </div>
        }
    });
    html! {
        <>
            <h2>{ "Personal API keys" }</h2>
            <p class="hint">{ "Call AI Mentor from your own scripts and tools. Keys use your plan's questions." }</p>
            <ErrorNote error={(*error).clone()} />
            { shown.unwrap_or_default() }
            { list }
            <form class="create-key" onsubmit={create}>
                <input ref={name} type="text" required=true maxlength="100" placeholder="Name, e.g. laptop script" aria-label="Key name" />
                <select ref={expiry} aria-label="Expires">
                    <option value="never" selected=true>{ "Never expires" }</option>
                    <option value="30">{ "30 days" }</option>
                    <option value="90">{ "90 days" }</option>
                    <option value="365">{ "1 year" }</option>
                </select>
                <fieldset class="scopes">
                    <legend class="small">{ "Besides asking, it may:" }</legend>
                    <label class="small"><input ref={with_resume} type="checkbox" />{ " use my resume in its questions" }</label>
                    <label class="small"><input ref={with_conversations} type="checkbox" />{ " continue my saved conversations (and read them back)" }</label>
                </fieldset>
                <button type="submit" class="primary">{ "Create key" }</button>
            </form>
        </>
    }
}

/// What a key may reach, in words.
fn reach(scopes: &[ApiKeyScope]) -> String {
    let extra: Vec<&str> = scopes
        .iter()
        .filter_map(|s| match s {
            ApiKeyScope::Ask => None,
            ApiKeyScope::Resume => Some("your resume"),
            ApiKeyScope::Conversations => Some("your conversations"),
        })
        .collect();
    if extra.is_empty() {
        "Asks only".into()
    } else {
        format!("Asks, with {}", extra.join(" and "))
    }
}

/// An RFC 3339 time as a date in the user's locale and time zone.
fn day(at: &str) -> String {
    mentor_browser::local_date(at)
}
