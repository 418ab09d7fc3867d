//! Google Gemini: `POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse`
//! with the key in `x-goog-api-key`, answered by `data:` chunks of
//! `GenerateContentResponse` (text in candidates, `usageMetadata`, and a
//! `finishReason` on the last).

use serde_json::json;

use super::http::{WireFormat, json};
use super::{ChatEvent, ChatRequest, ChatRole};
use shared_types::sse::SseEvent;

/// The Gemini wire format.
pub struct GeminiWire;

impl WireFormat for GeminiWire {
    fn request(
        &self,
        client: &reqwest::Client,
        base_url: &str,
        api_key: &str,
        req: &ChatRequest,
    ) -> reqwest::RequestBuilder {
        let contents: Vec<_> = req
            .messages
            .iter()
            .map(|m| {
                let role = match m.role {
                    ChatRole::User => "user",
                    ChatRole::Assistant => "model",
                };
                json!({"role": role, "parts": [{"text": m.content}]})
            })
            .collect();
        client
            .post(format!(
                "{base_url}/v1beta/models/{}:streamGenerateContent?alt=sse",
                req.model
            ))
            .header("x-goog-api-key", api_key)
            .json(&json!({
                "systemInstruction": {"parts": [{"text": req.system}]},
                "contents": contents,
                "generationConfig": {"maxOutputTokens": req.max_output_tokens},
            }))
    }

    fn check_key(
        &self,
        client: &reqwest::Client,
        base_url: &str,
        api_key: &str,
    ) -> reqwest::RequestBuilder {
        client
            .get(format!("{base_url}/v1beta/models?pageSize=1"))
            .header("x-goog-api-key", api_key)
    }

    fn parse(&self, event: &SseEvent, out: &mut Vec<ChatEvent>) -> Result<(), String> {
        let chunk = json(event)?;
        if let Some(error) = chunk.get("error") {
            return Err(error["message"]
                .as_str()
                .unwrap_or("the provider reported an error")
                .to_string());
        }
        let mut finished = false;
        for candidate in chunk["candidates"].as_array().into_iter().flatten() {
            for part in candidate["content"]["parts"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if let Some(text) = part["text"].as_str().filter(|t| !t.is_empty()) {
                    out.push(ChatEvent::Text(text.to_string()));
                }
            }
            finished |= candidate["finishReason"].is_string();
        }
        if let Some(usage) = chunk.get("usageMetadata") {
            out.push(ChatEvent::Usage {
                input: usage["promptTokenCount"].as_u64(),
                output: usage["candidatesTokenCount"].as_u64(),
            });
        }
        if finished {
            out.push(ChatEvent::Finished);
        }
        Ok(())
    }
}
