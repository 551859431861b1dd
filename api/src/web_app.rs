//! Serving the web app and answering what no route matched: static files from the built web app,
//! `index.html` for client-side routes (deep links and reloads), and JSON 404/405 for the API.

use actix_files::{Files, NamedFile};
use actix_web::{
    HttpRequest, HttpResponse,
    dev::{ResourceDef, ServiceRequest, ServiceResponse, fn_service},
    guard,
    http::{Method, header},
    web,
};
use shared::{ApiError, ErrorCode};
use std::path::{Path, PathBuf};
use utoipa::openapi::OpenApi;

/// The API's routes and their methods, read from the OpenAPI document, to tell a wrong method
/// (405 with `Allow`) from an unknown URL (404).
pub struct KnownRoutes(Vec<(ResourceDef, Vec<Method>)>);

impl KnownRoutes {
    pub fn from_document(doc: &OpenApi) -> KnownRoutes {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    (Method::GET, item.get.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, present)| present.then_some(method))
                .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        KnownRoutes(routes)
    }

    fn methods_for(&self, path: &str) -> Option<&[Method]> {
        self.0
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.as_slice())
    }
}

/// What answers when no route matched: 405 for a known URL with another method, else 404.
pub async fn no_route(req: HttpRequest, routes: web::Data<KnownRoutes>) -> HttpResponse {
    match routes.methods_for(req.path()) {
        Some(methods) => {
            let allow = methods
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, allow.clone()))
                .json(ApiError::new(
                    ErrorCode::MethodNotAllowed,
                    format!(
                        "{} is not allowed on {}; use {allow}",
                        req.method(),
                        req.path()
                    ),
                ))
        }
        None => HttpResponse::NotFound().json(ApiError::new(
            ErrorCode::RouteNotFound,
            format!("no route for {} {}", req.method(), req.path()),
        )),
    }
}

/// The brotli-compressed copy (`<file>.br`, written by `cargo xtask build-web`) of a web app
/// asset, for browsers that accept brotli: about 30 % smaller than gzip on the WASM. Other
/// requests fall through to [`files`] (gzip on the fly).
pub fn precompressed(dist: &Path) -> actix_web::Resource {
    let guard_dist = dist.to_owned();
    let dist = dist.to_owned();
    web::resource("/{file:.+}")
        .guard(guard::Any(guard::Get()).or(guard::Head()))
        .guard(guard::fn_guard(move |ctx| {
            let head = ctx.head();
            let accepts = head
                .headers()
                .get(header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("br")));
            accepts && brotli_copy(&guard_dist, head.uri.path()).is_some()
        }))
        .to(move |req: HttpRequest| {
            let dist = dist.clone();
            async move {
                let Some((file, mime)) = brotli_copy(&dist, req.path()) else {
                    return HttpResponse::NotFound().finish();
                };
                match NamedFile::open_async(&file).await {
                    Ok(file) => {
                        let mut response = file
                            .set_content_type(mime)
                            .set_content_encoding(header::ContentEncoding::Brotli)
                            .use_etag(true)
                            .into_response(&req);
                        response.headers_mut().insert(
                            header::VARY,
                            header::HeaderValue::from_static("accept-encoding"),
                        );
                        response
                    }
                    Err(_) => HttpResponse::NotFound().finish(),
                }
            }
        })
}

/// `dist/<path>.br` and the asset's media type, for the compressible assets that have one.
fn brotli_copy(dist: &Path, path: &str) -> Option<(PathBuf, mime::Mime)> {
    let relative = path.trim_start_matches('/');
    if relative
        .split('/')
        .any(|part| part == ".." || part.is_empty())
    {
        return None;
    }
    let mime = match relative.rsplit_once('.')?.1 {
        "wasm" => "application/wasm".parse().ok()?,
        "js" => mime::APPLICATION_JAVASCRIPT_UTF_8,
        "css" => mime::TEXT_CSS_UTF_8,
        _ => return None,
    };
    let file = dist.join(format!("{relative}.br"));
    file.is_file().then_some((file, mime))
}

/// Static files of the web app at `/`, falling back to `index.html` for client-side routes;
/// and the service worker, which must be looked at anew on every visit.
pub fn files(dist: &Path) -> impl actix_web::dev::HttpServiceFactory + 'static {
    (service_worker(dist), static_files(dist))
}

/// `GET /sw.js` (web/sw.js as `cargo xtask build-web` filled it in): never cached, so that a
/// new build's worker replaces the old one at the next visit, and allowed to control the whole
/// origin.
fn service_worker(dist: &Path) -> actix_web::Resource {
    let file = dist.join("sw.js");
    web::resource("/sw.js")
        .guard(guard::Any(guard::Get()).or(guard::Head()))
        .to(move |req: HttpRequest| {
            let file = file.clone();
            async move {
                match NamedFile::open_async(&file).await {
                    Ok(named) => {
                        let mut response = named
                            .set_content_type(mime::TEXT_JAVASCRIPT)
                            .use_etag(true)
                            .into_response(&req);
                        let headers = response.headers_mut();
                        headers.insert(
                            header::CACHE_CONTROL,
                            header::HeaderValue::from_static("no-cache"),
                        );
                        headers.insert(
                            header::HeaderName::from_static("service-worker-allowed"),
                            header::HeaderValue::from_static("/"),
                        );
                        response
                    }
                    Err(_) => HttpResponse::NotFound().finish(),
                }
            }
        })
}

fn static_files(dist: &Path) -> Files {
    let index = dist.join("index.html");
    // No `index_file`: `/` reaches the default handler too, which adds the no-cache header.
    Files::new("/", dist)
        .guard(guard::Any(guard::Get()).or(guard::Head()))
        .default_handler(fn_service(move |req: ServiceRequest| {
            let index = index.clone();
            async move {
                let (req, _) = req.into_parts();
                let response = app_shell(&req, index).await;
                Ok(ServiceResponse::new(req, response))
            }
        }))
}

/// `GET /`: the app shell.
pub async fn root(req: HttpRequest, state: web::Data<crate::AppState>) -> HttpResponse {
    app_shell(&req, state.settings.server.web_dist.join("index.html")).await
}

/// What the app shell may load: scripts, styles, data and the WASM module from its own origin
/// only (`wasm-unsafe-eval` compiles WebAssembly, not strings); inline style attributes, which
/// the views set (a bar's width, a tree's depth); images also as `data:`/`blob:` URLs (QR
/// codes, downloads). No plugin, no `<base>` elsewhere, forms to this origin, and no page of
/// another origin may frame it.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
     connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// `index.html` with no caching, so a new build is picked up at once, under the
/// [`CONTENT_SECURITY_POLICY`].
async fn app_shell(req: &HttpRequest, index: PathBuf) -> HttpResponse {
    if req.path().starts_with("/api/") || req.path() == "/api" {
        return HttpResponse::NotFound().json(ApiError::new(
            ErrorCode::RouteNotFound,
            format!("no route for {} {}", req.method(), req.path()),
        ));
    }
    match NamedFile::open_async(&index).await {
        Ok(file) => {
            let mut response = file.use_etag(true).into_response(req);
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-cache"),
            );
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                header::HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            );
            response
        }
        Err(_) => HttpResponse::ServiceUnavailable()
            .content_type("text/html; charset=utf-8")
            .body(
                "<!doctype html><meta charset=utf-8><title>第二课堂成绩单</title>\
             <p>The web app has not been built. Run <code>cargo xtask demo</code>, or set WEB_DIST \
             to the folder holding index.html. The API is at <a href=/docs/>/docs/</a>.",
            ),
    }
}
