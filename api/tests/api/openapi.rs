use crate::helpers::spawn_app;

#[tokio::test]
async fn committed_openapi_json_is_current() {
    let app = spawn_app().await;
    let served = app.get("/api/openapi.json").await.text().await.unwrap();
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .unwrap_or_default();
    assert!(
        served == committed,
        "openapi/openapi.json is stale: regenerate it with `cargo xtask openapi` and commit it"
    );
}

#[tokio::test]
async fn every_operation_is_documented() {
    let doc: serde_json::Value = serde_json::from_str(&api::openapi::document_json()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 4, "{:?}", paths.keys());
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(
                operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name} has a summary"
            );
            assert!(
                operation["description"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "{name} has a description"
            );
            assert!(
                operation["security"].is_array(),
                "{name} states its auth requirement"
            );
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{name} documents success"
            );
            for (status, response) in responses.iter().filter(|(status, _)| *status != "204") {
                // JSON, or a file such as an import template (text/csv).
                let content = response["content"].as_object();
                assert!(
                    content.is_some_and(
                        |c| !c.is_empty() && c.values().all(|m| m["schema"].is_object())
                    ),
                    "{name} {status} has a schema"
                );
            }
        }
    }
    for schema in ["ApiError", "ErrorCode", "Health"] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} is in the document"
        );
    }
}

#[tokio::test]
async fn docs_page_works_offline() {
    let app = spawn_app().await;

    let redirect = app.get("/docs").await;
    let page = app.get("/docs/").await;

    assert_eq!(redirect.status().as_u16(), 308);
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "Swagger UI page");
    for asset in ["swagger-ui-bundle.js", "swagger-initializer.js"] {
        assert!(html.contains(asset), "{asset} referenced");
        let response = app.get(&format!("/docs/{asset}")).await;
        assert_eq!(response.status().as_u16(), 200, "{asset} served locally");
        if asset == "swagger-initializer.js" {
            assert!(response.text().await.unwrap().contains("/api/openapi.json"));
        }
    }
    assert!(!html.contains("://"), "no asset from another host");
}
