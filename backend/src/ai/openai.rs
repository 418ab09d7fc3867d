//! OpenAI Chat Completions, as also spoken by DeepSeek, Groq, xAI and
//! self-hosted servers: `POST {base}/chat/completions` with `stream: true`
//! and `stream_options.include_usage`, answered by `data:` chunks ending in
//! `data: [DONE]`.

use serde_json::json;

use super::http::{WireFormat, json};
use super::{ChatEvent, ChatRequest};
use shared_types::sse::SseEvent;

/// The OpenAI wire format.
pub struct OpenAiWire;

impl WireFormat for OpenAiWire {
    fn request(
        &self,
        client: &reqwest::Client,
        base_url: &str,
        api_key: &str,
        req: &ChatRequest,
    ) -> reqwest::RequestBuilder {
        let mut messages = vec![json!({"role": "system", "content": req.system})];
        messages.extend(
            req.messages
                .iter()
                .map(|m| json!({"role": m.role.name(), "content": m.content})),
        );
        client
            .post(format!("{base_url}/chat/completions"))
            .bearer_auth(api_key)
            .json(&json!({
                "model": req.model,
                "messages": messages,
                "max_tokens": req.max_output_tokens,
                "stream": true,
                "stream_options": {"include_usage": true},
            }))
    }

    fn check_key(
        &self,
        client: &reqwest::Client,
        base_url: &str,
        api_key: &str,
    ) -> reqwest::RequestBuilder {
        client
            .get(format!("{base_url}/models"))
            .bearer_auth(api_key)
    }

    fn parse(&self, event: &SseEvent, out: &mut Vec<ChatEvent>) -> Result<(), String> {
        if event.data.trim() == "[DONE]" {
            out.push(ChatEvent::Finished);
            return Ok(());
        }
        let chunk = json(event)?;
        if let Some(error) = chunk.get("error") {
            return Err(error["message"]
                .as_str()
                .unwrap_or("the provider reported an error")
                .to_string());
        }
        for choice in chunk["choices"].as_array().into_iter().flatten() {
            if let Some(text) = choice["delta"]["content"]
                .as_str()
                .filter(|t| !t.is_empty())
            {
                out.push(ChatEvent::Text(text.to_string()));
            }
        }
        if let Some(usage) = chunk.get("usage").filter(|u| u.is_object()) {
            out.push(ChatEvent::Usage {
                input: usage["prompt_tokens"].as_u64(),
                output: usage["completion_tokens"].as_u64(),
            });
        }
        Ok(())
    }
}
