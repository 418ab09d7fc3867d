//! Anthropic Messages: `POST {base}/v1/messages` with `stream: true`,
//! answered by named events: `message_start` (input tokens),
//! `content_block_delta` (text), `message_delta` (output tokens),
//! `message_stop`, and `error`.

use serde_json::json;

use super::http::{WireFormat, json};
use super::{ChatEvent, ChatRequest};
use shared_types::sse::SseEvent;

/// The API version sent in `anthropic-version`.
pub const API_VERSION: &str = "2023-06-01";

/// The Anthropic wire format.
pub struct AnthropicWire;

impl WireFormat for AnthropicWire {
    fn request(
        &self,
        client: &reqwest::Client,
        base_url: &str,
        api_key: &str,
        req: &ChatRequest,
    ) -> reqwest::RequestBuilder {
        let messages: Vec<_> = req
            .messages
            .iter()
            .map(|m| json!({"role": m.role.name(), "content": m.content}))
            .collect();
        client
            .post(format!("{base_url}/v1/messages"))
            .header("x-api-key", api_key)
            .header("anthropic-version", API_VERSION)
            .json(&json!({
                "model": req.model,
                "system": req.system,
                "messages": messages,
                "max_tokens": req.max_output_tokens,
                "stream": true,
            }))
    }

    fn check_key(
        &self,
        client: &reqwest::Client,
        base_url: &str,
        api_key: &str,
    ) -> reqwest::RequestBuilder {
        client
            .get(format!("{base_url}/v1/models?limit=1"))
            .header("x-api-key", api_key)
            .header("anthropic-version", API_VERSION)
    }

    fn parse(&self, event: &SseEvent, out: &mut Vec<ChatEvent>) -> Result<(), String> {
        let body = json(event)?;
        match body["type"]
            .as_str()
            .or(event.event.as_deref())
            .unwrap_or_default()
        {
            "message_start" => {
                let usage = &body["message"]["usage"];
                out.push(ChatEvent::Usage {
                    input: usage["input_tokens"].as_u64(),
                    output: usage["output_tokens"].as_u64(),
                });
            }
            "content_block_delta" => {
                if let Some(text) = body["delta"]["text"].as_str().filter(|t| !t.is_empty()) {
                    out.push(ChatEvent::Text(text.to_string()));
                }
            }
            "message_delta" => out.push(ChatEvent::Usage {
                input: body["usage"]["input_tokens"].as_u64(),
                output: body["usage"]["output_tokens"].as_u64(),
            }),
            "message_stop" => out.push(ChatEvent::Finished),
            "error" => {
                return Err(body["error"]["message"]
                    .as_str()
                    .unwrap_or("the provider reported an error")
                    .to_string());
            }
            _ => {} // ping, content_block_start/stop
        }
        Ok(())
    }
}
