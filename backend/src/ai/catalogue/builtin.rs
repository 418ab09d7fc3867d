//! The models AI Mentor knows without a config file, and the providers a
//! model may name.

use shared_types::Tier;

const ALL: &[Tier] = &Tier::ALL;
const PAID: &[Tier] = &[Tier::Pro, Tier::Enterprise];

/// A built-in model, with prices as decimal dollars per 1,000 tokens.
pub(super) struct Builtin {
    pub(super) id: &'static str,
    pub(super) provider: &'static str,
    pub(super) name: &'static str,
    pub(super) input: &'static str,
    pub(super) output: &'static str,
    pub(super) context: u32,
    pub(super) tiers: &'static [Tier],
}

/// Built-in models (list prices when written; the config file overrides them).
pub(super) const BUILTIN: &[Builtin] = &[
    Builtin {
        id: "gpt-4o-mini",
        provider: "openai",
        name: "GPT-4o mini",
        input: "0.00015",
        output: "0.0006",
        context: 128_000,
        tiers: ALL,
    },
    Builtin {
        id: "gpt-4o",
        provider: "openai",
        name: "GPT-4o",
        input: "0.0025",
        output: "0.01",
        context: 128_000,
        tiers: PAID,
    },
    Builtin {
        id: "claude-3-5-haiku-latest",
        provider: "anthropic",
        name: "Claude 3.5 Haiku",
        input: "0.0008",
        output: "0.004",
        context: 200_000,
        tiers: ALL,
    },
    Builtin {
        id: "claude-sonnet-4-0",
        provider: "anthropic",
        name: "Claude Sonnet 4",
        input: "0.003",
        output: "0.015",
        context: 200_000,
        tiers: PAID,
    },
    Builtin {
        id: "gemini-2.0-flash",
        provider: "gemini",
        name: "Gemini 2.0 Flash",
        input: "0.0001",
        output: "0.0004",
        context: 1_048_576,
        tiers: ALL,
    },
    Builtin {
        id: "gemini-2.5-pro",
        provider: "gemini",
        name: "Gemini 2.5 Pro",
        input: "0.00125",
        output: "0.01",
        context: 1_048_576,
        tiers: PAID,
    },
    Builtin {
        id: "deepseek-chat",
        provider: "deepseek",
        name: "DeepSeek V3",
        input: "0.00027",
        output: "0.0011",
        context: 64_000,
        tiers: ALL,
    },
    Builtin {
        id: "llama-3.3-70b-versatile",
        provider: "groq",
        name: "Llama 3.3 70B (Groq)",
        input: "0.00059",
        output: "0.00079",
        context: 128_000,
        tiers: ALL,
    },
    Builtin {
        id: "grok-3-mini",
        provider: "xai",
        name: "Grok 3 mini",
        input: "0.0003",
        output: "0.0005",
        context: 131_072,
        tiers: ALL,
    },
    Builtin {
        id: "demo",
        provider: "demo",
        name: "Demo (no AI provider configured)",
        input: "0",
        output: "0",
        context: 8_192,
        tiers: ALL,
    },
];

/// The providers a model may name.
pub const PROVIDERS: &[&str] = &[
    "openai",
    "anthropic",
    "gemini",
    "deepseek",
    "groq",
    "xai",
    "demo",
];
