//! HTTP/1.1 on hyper: `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>` and a JSON
//! body (AWS JSON 1.0), `GET /metrics` (Prometheus text). Request signatures are accepted,
//! not verified: the service is for local use and binds 127.0.0.1 by default.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response};
use serde_json::Value;
use tokio::net::TcpListener;

use crate::error::ApiError;
use crate::service::Service;

/// AWS quota: at most 1 MB per request.
const MAX_REQUEST: usize = 1024 * 1024;

/// Serves connections until the process ends.
pub async fn serve(listener: TcpListener, svc: Arc<Service>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                eprintln!("nexus serve: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let svc = svc.clone();
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let service = hyper::service::service_fn(move |req| {
                let svc = svc.clone();
                async move { Ok::<_, Infallible>(handle(&svc, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

fn respond(status: u16, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    let id = nexus_engine::uuid_of(&format!("{:?}", std::time::Instant::now()));
    if let Ok(v) = hyper::header::HeaderValue::from_str(&id) {
        r.headers_mut().insert("x-amzn-requestid", v);
    }
    r
}

fn error(e: &ApiError) -> Response<Full<Bytes>> {
    respond(e.status, "application/x-amz-json-1.0", e.body())
}

async fn handle(svc: &Arc<Service>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    if req.method() == Method::GET && req.uri().path() == "/metrics" {
        let (callbacks, running) = svc.gauges();
        return respond(
            200,
            "text/plain; version=0.0.4",
            svc.metrics.render(callbacks, running),
        );
    }
    if req.method() != Method::POST {
        return error(&ApiError {
            code: "UnknownOperationException",
            message: format!(
                "{} {}: the Step Functions API takes POST / with an X-Amz-Target header",
                req.method(),
                req.uri().path()
            ),
            status: 404,
        });
    }
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body = match Limited::new(req.into_body(), MAX_REQUEST).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => {
            return error(&ApiError {
                code: "RequestEntityTooLargeException",
                message: format!("the request is larger than {MAX_REQUEST} bytes"),
                status: 413,
            });
        }
    };
    let Some(op) = target
        .as_deref()
        .and_then(|t| t.strip_prefix("AWSStepFunctions."))
    else {
        return error(&ApiError::new(
            "UnknownOperationException",
            format!(
                "missing or unknown X-Amz-Target {:?} (expected AWSStepFunctions.<Operation>)",
                target.unwrap_or_default()
            ),
        ));
    };
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(serde_json::Map::new())
    } else {
        match serde_json::from_slice(&body) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => {
                return error(&ApiError::new(
                    "SerializationException",
                    "the request body must be a JSON object",
                ));
            }
            Err(e) => {
                return error(&ApiError::new(
                    "SerializationException",
                    format!("the request body is not JSON: {e}"),
                ));
            }
        }
    };
    match crate::api::call(svc, op, &value).await {
        Ok(v) => respond(200, "application/x-amz-json-1.0", v.to_string()),
        Err(e) => error(&e),
    }
}
