//! Panel contexts waiting for their panel, by single-use random ticket. They
//! sit in `storage.session` so a worker restarted between the content
//! script's request and the panel's load still has them.

use mentor_browser::random_uuid;
use mentor_browser::storage::Area;
use shared_types::extension::{PanelContext, PanelTicket};

fn key(ticket: &str) -> String {
    format!("panel:{ticket}")
}

fn area() -> Area {
    Area::session_or_local()
}

/// Keeps `context` and returns its ticket.
pub async fn issue(context: &PanelContext) -> Result<PanelTicket, wasm_bindgen::JsValue> {
    let ticket = random_uuid();
    area().set(&key(&ticket), context).await?;
    Ok(PanelTicket { ticket })
}

/// The context for `ticket`, which is then forgotten.
pub async fn redeem(ticket: &str) -> Option<PanelContext> {
    let context = area().get(&key(ticket)).await;
    let _ = area().remove(&key(ticket)).await;
    context
}
