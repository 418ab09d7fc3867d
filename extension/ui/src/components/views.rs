//! The tabs across the top of the popup. Its views live on three pages
//! that open in the popup's window (`popup.html`, `career.html`,
//! `account.html`), so the tabs read as one bar: a view on this page is a
//! button, a view on another page a link to it (`page#view`). Tabs have
//! roving `tabindex`; Left, Right, Home and End move between them.

use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Every view: its name, its label, and its address (`page#name`).
pub const VIEWS: [(&str, &str, &str); 6] = [
    ("ask", "Ask", "popup.html#ask"),
    ("history", "History", "popup.html#history"),
    ("resume", "Resume", "career.html#resume"),
    ("jobs", "Jobs", "career.html#jobs"),
    ("skills", "Skills", "career.html#skills"),
    ("account", "Account", "account.html#account"),
];

/// The tab bar on `page` (`"popup.html#"`, say), with `selected` marked;
/// choosing a view of this page calls `on_select` with its name.
pub fn views_nav(page: &str, selected: &str, on_select: &Callback<&'static str>) -> Html {
    let tabs = VIEWS.iter().map(|&(view, label, href)| {
        let is_selected = view == selected;
        let aria = if is_selected { "true" } else { "false" };
        let tabindex = if is_selected { "0" } else { "-1" };
        let class = classes!("tab", is_selected.then_some("selected"));
        if href.starts_with(page) {
            let onclick = on_select.reform(move |_: MouseEvent| view);
            html! { <button role="tab" aria-selected={aria} {tabindex} {class} {onclick}>{ label }</button> }
        } else {
            html! { <a role="tab" aria-selected={aria} {tabindex} {class} {href}>{ label }</a> }
        }
    });
    html! {
        <nav role="tablist" aria-label="Views" onkeydown={Callback::from(arrow_keys)}>
            { for tabs }
        </nav>
    }
}

/// Left and right arrows (and Home, End) move between the tabs.
fn arrow_keys(e: KeyboardEvent) {
    let step: i32 = match e.key().as_str() {
        "ArrowRight" => 1,
        "ArrowLeft" => -1,
        "Home" => i32::MIN,
        "End" => i32::MAX,
        _ => return,
    };
    // Yew delegates events, so the list is the focused tab's parent.
    let Some(list) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|tab| tab.parent_element())
    else {
        return;
    };
    let tabs = list.children();
    let count = tabs.length() as i32;
    let focused = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    let at = (0..count)
        .find(|&i| tabs.item(i as u32) == focused)
        .unwrap_or(0);
    let next = match step {
        i32::MIN => 0,
        i32::MAX => count - 1,
        step => (at + step).rem_euclid(count),
    };
    if let Some(tab) = tabs
        .item(next as u32)
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
    {
        e.prevent_default();
        let _ = tab.focus();
    }
}
