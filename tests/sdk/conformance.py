"""The official `openai` Python package (pinned in requirements.txt) against
the backend's OpenAI-compatible endpoint. Started by conformance.test.mjs
with the backend's address and two API keys in the environment."""

import json
import os
import urllib.request

import openai

ANSWER = "Hello from the **stand-in**."
BASE = os.environ["MENTOR_SDK_BASE_URL"]
HI = dict(
    model="gpt-4o-mini",
    messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
)


def upstream_calls():
    with urllib.request.urlopen(os.environ["MENTOR_SDK_STAND_IN"] + "/_stand-in/requests") as r:
        return sum(1 for request in json.load(r) if request["body"] is not None)


def check(name, fn):
    fn()
    print(f"python: {name}: ok")


client = openai.OpenAI(base_url=BASE, api_key=os.environ["MENTOR_SDK_KEY"])


def plain():
    c = client.chat.completions.create(**HI)
    assert c.choices[0].message.content == ANSWER, c
    assert c.choices[0].finish_reason == "stop"
    assert (c.usage.prompt_tokens, c.usage.completion_tokens, c.usage.total_tokens) == (12, 5, 17)


def streaming():
    chunks = list(client.chat.completions.create(**HI, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == ANSWER
    assert all(c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"
    chunks = list(
        client.chat.completions.create(**HI, stream=True, stream_options={"include_usage": True})
    )
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 17, chunks[-1]
    assert "".join(c.choices[0].delta.content or "" for c in chunks[:-1]) == ANSWER


def models():
    ids = [m.id for m in client.models.list()]
    assert "gpt-4o-mini" in ids, ids


def bad_key():
    bad = openai.OpenAI(base_url=BASE, api_key="aim_" + "0" * 16 + "_" + "0" * 64)
    try:
        bad.chat.completions.create(**HI)
    except openai.AuthenticationError as e:
        assert e.code == "invalid_api_key", e
    else:
        raise AssertionError("no AuthenticationError")


def exhausted_quota():
    requests = []
    # The SDK's own HTTP client class, counting what it sends.
    http = openai.DefaultHttpxClient(event_hooks={"request": [requests.append]})
    spent = openai.OpenAI(
        base_url=BASE, api_key=os.environ["MENTOR_SDK_SPENT_KEY"], max_retries=2, http_client=http
    )
    before = upstream_calls()
    try:
        spent.chat.completions.create(**HI)
    except openai.RateLimitError as e:
        assert e.code == "insufficient_quota", e
    else:
        raise AssertionError("no RateLimitError")
    assert len(requests) == 1, f"the SDK made {len(requests)} requests"
    assert upstream_calls() == before, "the provider was called"


def unknown_model():
    try:
        client.chat.completions.create(**{**HI, "model": "gpt-nope"})
    except openai.NotFoundError as e:
        assert e.code == "model_not_found", e
    else:
        raise AssertionError("no NotFoundError")


for name, fn in [
    ("a plain completion", plain),
    ("streaming, without and with include_usage", streaming),
    ("models.list", models),
    ("a bad key raises AuthenticationError", bad_key),
    ("an exhausted quota raises RateLimitError at once, with no retry", exhausted_quota),
    ("an unknown model raises NotFoundError", unknown_model),
]:
    check(name, fn)
print(f"python: openai {openai.__version__}: all checks passed")
