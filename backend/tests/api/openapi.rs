use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = spawn_app().await;
    let reply = app.request("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(reply.status, 200);
    let doc = &reply.body;
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    for (path, method) in [
        ("/health", "get"),
        ("/ready", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/users/me", "get"),
        ("/api/v1/users/me", "patch"),
        ("/api/v1/users/me", "delete"),
        ("/api/v1/ask", "post"),
        ("/api/v1/models", "get"),
        ("/api/v1/usage", "get"),
        ("/api/v1/conversations", "get"),
        ("/api/v1/conversations/{id}", "get"),
        ("/api/v1/conversations/{id}", "delete"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is missing"
        );
    }
    for schema in [
        "RegisterRequest",
        "TokenResponse",
        "ErrorBody",
        "ErrorCode",
        "User",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "schema {schema} is missing"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

/// Resolves a `$ref` to `#/components/schemas/X`.
fn resolve<'a>(doc: &'a serde_json::Value, schema: &'a serde_json::Value) -> &'a serde_json::Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// The JSON pointers under `schema` whose schema is an object with
/// properties (directly, through a `$ref`, or as one of `oneOf`/`anyOf`/`allOf`).
fn object_pointers(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    at: &str,
    out: &mut Vec<String>,
) {
    let schema = resolve(doc, schema);
    for key in ["oneOf", "anyOf", "allOf"] {
        for option in schema[key].as_array().into_iter().flatten() {
            object_pointers(doc, option, at, out);
        }
    }
    if let Some(properties) = schema["properties"].as_object() {
        if !at.is_empty() && !out.iter().any(|p| p == at) {
            out.push(at.to_string());
        }
        for (name, property) in properties {
            object_pointers(doc, property, &format!("{at}/{name}"), out);
        }
    }
}

/// Every object inside a request body, by route and JSON pointer, with a
/// body that is valid apart from it.
fn nested_objects() -> Vec<(&'static str, &'static str, &'static str, serde_json::Value)> {
    let posting = json!({"title": "Data engineer", "description": "Python and SQL"});
    vec![
        (
            "post",
            "/api/v1/ask",
            "/context",
            json!({"question": "What is this?", "context": {"title": "A page"}}),
        ),
        (
            "post",
            "/api/v1/ask",
            "/context/job_posting",
            json!({"question": "What is this?", "context": {"job_posting": posting}}),
        ),
        (
            "post",
            "/api/v1/match",
            "/job_posting",
            json!({"job_posting": posting}),
        ),
    ]
}

#[tokio::test]
async fn an_array_is_refused_wherever_the_document_says_object() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    let doc = app
        .request("GET", "/api/v1/openapi.json", None, None)
        .await
        .body;
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            if schema.is_null() {
                continue;
            }
            // The body itself.
            let url = path.replace("{id}", "1").replace("{provider}", "openai");
            let reply = app
                .request(
                    &method.to_uppercase(),
                    &url,
                    Some(&root.access),
                    Some(json!([])),
                )
                .await;
            assert_eq!(
                (reply.status, reply.error()),
                (400, "invalid_request"),
                "{method} {path}: {}",
                reply.body
            );
            let mut pointers = Vec::new();
            object_pointers(&doc, schema, "", &mut pointers);
            found.extend(
                pointers
                    .into_iter()
                    .map(|p| (method.clone(), path.clone(), p)),
            );
        }
    }
    let cases = nested_objects();
    let listed: Vec<_> = cases
        .iter()
        .map(|(m, p, at, _)| (m.to_string(), p.to_string(), at.to_string()))
        .collect();
    found.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(
        found, sorted,
        "every object inside a request body has a case in nested_objects()"
    );

    let resume = b"Ada Lovelace\nData engineer with Python and SQL since 2015.".to_vec();
    let uploaded = app
        .upload_resume(&root.access, "cv.txt", resume, None)
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    for (method, path, pointer, mut body) in cases {
        // The same body is accepted as it is...
        let reply = app
            .request(
                &method.to_uppercase(),
                path,
                Some(&root.access),
                Some(body.clone()),
            )
            .await;
        assert_eq!(reply.status, 200, "{method} {path}: {}", reply.body);
        // ...and refused with the object replaced by an array of its values.
        let object = body.pointer_mut(pointer).expect("pointer");
        let values: Vec<serde_json::Value> = object
            .as_object()
            .expect("object")
            .values()
            .cloned()
            .collect();
        *object = serde_json::Value::Array(values);
        let reply = app
            .request(&method.to_uppercase(), path, Some(&root.access), Some(body))
            .await;
        reply.assert_error(400, "invalid_request");
        assert!(
            reply.body["message"]
                .as_str()
                .is_some_and(|m| m.contains(&format!("{pointer} must be an object"))),
            "{method} {path} {pointer}: {}",
            reply.body
        );
    }
}
