//! The web adapter: server-rendered pages (askama, mobile-first, zh-CN by
//! default with English) and the JSON API under `/api/v1`. Handlers are thin:
//! they parse the request, call one application use case with the acting
//! user, and render. Every URL is in [`router`].

pub mod api;
pub mod assets;
pub mod client_ip;
pub mod ctx;
pub mod error;
pub mod flash;
pub mod i18n;
pub mod openapi;
pub mod pages;
pub mod router;

pub use router::{build_router, route_list, RouteDef};

use zhuqi_app::App;

/// Settings of the web adapter.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
    /// The reverse proxies whose `X-Forwarded-For` is believed (see [`client_ip`]).
    pub trusted_proxies: client_ip::TrustedProxies,
}

/// Shared state of every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    pub app: App,
    pub web: std::sync::Arc<WebConfig>,
}

impl AppState {
    pub fn new(app: App, web: WebConfig) -> Self {
        Self { app, web: std::sync::Arc::new(web) }
    }
}
