//! The demo's enterprise codes (企业码): every enterprise gets a code (tokens
//! from the OS CSPRNG even in the demo: a printed demo poster must not be
//! guessable from the source), the 40 demo enterprise users are recorded as
//! bound with a one-time code, and two people of enterprise0001's enterprise
//! wait for officer0001's approval so the approval flow has something to show.

use zhuqi_app::{App, Result};
use zhuqi_domain::Scope;
use zhuqi_store::enterprise_codes::{self as codes, NewBinding};
use zhuqi_store::enterprises::EnterpriseFilter;

/// (name, phone) of the demo's pending binding requests.
pub const DEMO_PENDING: [(&str, &str); 2] = [("叶晓燕", "19900000001"), ("蓝志强", "19900000002")];

/// [`Demo::build_demo_codes`](crate::Demo::build_demo_codes).
pub(crate) async fn build(app: &App, progress: &(dyn Fn(&str) + Send + Sync)) -> Result<usize> {
    let now = app.now_ms();
    let (ents, users) = {
        let mut c = app.store.read().await?;
        let ents = zhuqi_store::enterprises::all(&mut c, Scope::All, &EnterpriseFilter::default()).await?;
        let page = zhuqi_store::Page { page: 1, per_page: 100_000 };
        let users = zhuqi_store::users::list(&mut c, Some("enterprise_user"), None, page).await?.items;
        (ents, users)
    };
    let pending_hash = zhuqi_app::auth::hash_password("zhuqi-demo").await?;
    let mut tx = app.store.begin().await?;
    for e in &ents {
        let mut b = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
        codes::insert_if_missing(&mut tx, e.id, &hex::encode(b), now).await?;
    }
    for u in &users {
        let Some(eid) = u.enterprise_id else { continue };
        codes::insert_binding(
            &mut tx,
            &NewBinding {
                enterprise_id: eid,
                display_name: &u.display_name,
                phone: &u.phone,
                password_hash: "",
                method: "code",
                status: "approved",
                at: u.created_at,
                user_id: Some(u.id),
            },
        )
        .await?;
    }
    if let Some(first) = users.iter().find(|u| u.username == "enterprise0001").and_then(|u| u.enterprise_id) {
        for (name, phone) in DEMO_PENDING {
            codes::insert_binding(
                &mut tx,
                &NewBinding {
                    enterprise_id: first,
                    display_name: name,
                    phone,
                    password_hash: &pending_hash,
                    method: "approval",
                    status: "pending",
                    at: now,
                    user_id: None,
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    progress(&format!("企业码 (enterprise codes): {}, 已绑定企业用户 {}", ents.len(), users.len()));
    Ok(ents.len())
}
