//! Attachments of demands over HTTP on both engines: a PNG is listed and
//! served as PNG with nosniff; a renamed executable and an oversized file are
//! refused with nothing stored (no row, no blob, no file); users of another
//! enterprise or department get 404 for the list, the upload and the bytes.

use crate::harness::{engines, TestApp, PASSWORD};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

/// A minimal PNG: signature and IHDR chunk (1×1, RGBA); `extra` bytes after
/// it make distinct files.
pub fn png_with(extra: &[u8]) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]);
    b.extend_from_slice(extra);
    b
}

pub fn png() -> Vec<u8> {
    png_with(&[])
}

/// A multipart body with one `file` field: (content type, body).
pub fn multipart(file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    multipart_form(None, file_name, bytes)
}

/// A page's upload form: the `_csrf` field first, then `file`.
pub fn multipart_with_csrf(csrf: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    multipart_form(Some(csrf), file_name, bytes)
}

fn multipart_form(csrf: Option<&str>, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "zhuqiattachmentboundary";
    let csrf = csrf.map_or(String::new(), |c| {
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{c}\r\n")
    });
    let mut body = format!(
        "{csrf}--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads the raw bytes over the API; returns (status, body).
async fn post_raw(t: &TestApp, token: &str, demand: i64, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let req = Request::post(format!("/api/v1/demands/{demand}/attachments"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, bytes.len())
        .header("x-file-name", name)
        .body(Body::from(bytes))
        .unwrap();
    let (s, _, b) = t.send(req).await;
    (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

/// Uploads a multipart form over the API; returns (status, body).
async fn post_multipart(t: &TestApp, token: &str, demand: i64, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let (ct, body) = multipart(name, bytes);
    let req = Request::post(format!("/api/v1/demands/{demand}/attachments"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    let (s, _, b) = t.send(req).await;
    (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

/// Uploads the small PNG to a demand and returns the attachment's id.
pub async fn upload(t: &TestApp, token: &str, demand: i64) -> i64 {
    let (s, v) = post_raw(t, token, demand, "photo.png", png()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

/// GET /attachments/{id} with a bearer token.
async fn download(t: &TestApp, token: &str, id: i64) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::get(format!("/attachments/{id}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    t.send(req).await
}

/// A demand of enterprise A1 submitted by officer A and dispatched to the transport department.
async fn demand_a(t: &TestApp) -> i64 {
    let officer = t.token("officer-a").await;
    let (s, d) = t
        .json(
            Method::POST,
            "/api/v1/demands",
            Some(&officer),
            Some(json!({"enterprise_id": t.ids.ent_a1, "category": "0102", "title": "物流受限", "description": "车辆无法进入园区"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_i64().unwrap();
    let coord = t.token("coordinator").await;
    let (s, d) = t
        .json(
            Method::POST,
            &format!("/api/v1/demands/{id}/actions/dispatch"),
            Some(&coord),
            Some(json!({"department_id": t.ids.dept_t})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    id
}

/// Regular files under the attachment directory (0 when the bytes live in the database).
async fn files(t: &TestApp) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        let Ok(rd) = std::fs::read_dir(p) else { return 0 };
        rd.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum()
    }
    match t.app.attachment_dir().await.unwrap() {
        Some(d) => walk(&d),
        None => 0,
    }
}

/// Rows of attachments plus stored blobs plus files: everything an upload could leave.
async fn stored(t: &TestApp) -> (i64, i64, usize) {
    (t.count("attachments").await, t.count("attachment_blobs").await, files(t).await)
}

fn field_error(v: &Value) -> (String, String) {
    (
        v["error"]["field"].as_str().unwrap_or_default().to_string(),
        v["error"]["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn a_png_is_listed_and_served_as_png_with_nosniff() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let id = demand_a(&t).await;
        let ent = t.token("ent-a1").await;
        let bytes = png();
        // A Chinese name travels percent-encoded in X-File-Name.
        let (s, v) = post_raw(&t, &ent, id, "%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.png", bytes.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        assert_eq!(v["content_type"], "image/png");
        assert_eq!(v["file_name"], "现场照片.png");
        assert_eq!(v["size"], bytes.len());
        assert_eq!(v["demand_id"], id);
        assert_eq!(v["sha256"], zhuqi_app::attachments::sha256_hex(&bytes));
        let aid = v["id"].as_i64().unwrap();
        assert_eq!(v["url"], format!("/attachments/{aid}"));

        // Listed for every reader of the demand: the handling department, the district admin, the auditor.
        for who in ["handler-t", "district-a", "auditor", "officer-a"] {
            let tok = t.token(who).await;
            let (s, l) = t.json(Method::GET, &format!("/api/v1/demands/{id}/attachments"), Some(&tok), None).await;
            assert_eq!(s, StatusCode::OK, "{e} {who}: {l}");
            assert_eq!(l["total"], 1, "{e} {who}: {l}");
            assert_eq!(l["items"][0]["id"], aid);
            assert_eq!(l["items"][0]["uploaded_by_name"], "ent-a1");
        }

        // Served as the detected type, not sniffable, private, with the UTF-8 name.
        let handler = t.token("handler-t").await;
        let (s, h, body) = download(&t, &handler, aid).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert_eq!(body, bytes);
        assert_eq!(h[header::CONTENT_TYPE], "image/png");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h[header::CACHE_CONTROL], "private");
        let cd = h[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(cd.starts_with("inline;"), "{cd}");
        assert!(cd.contains("filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.png"), "{cd}");

        // The page form (multipart, the CSRF token its first field) goes back to the demand page.
        let (tok, csrf) = t.page_session("handler-t").await;
        let (ct, mp) = multipart_with_csrf(&csrf, "回复附件.png", &png_with(b"reply"));
        let req = Request::post(format!("/demands/{id}/attachments"))
            .header(header::COOKIE, format!("zhuqi_session={tok}"))
            .header(header::CONTENT_TYPE, ct.clone())
            .body(Body::from(mp.clone()))
            .unwrap();
        let (s, h, _) = t.send(req).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}");
        assert!(h[header::LOCATION].to_str().unwrap().starts_with(&format!("/demands/{id}?flash=")));
        // Without the CSRF token, with a wrong one, or with it only in the URL, nothing is stored.
        let (ct, bare) = multipart("回复附件2.png", &png_with(b"reply2"));
        let (_, wrong) = multipart_with_csrf(&"0".repeat(32), "回复附件2.png", &png_with(b"reply2"));
        for (uri, body) in [
            (format!("/demands/{id}/attachments"), bare.clone()),
            (format!("/demands/{id}/attachments"), wrong),
            (format!("/demands/{id}/attachments?_csrf={csrf}"), bare),
        ] {
            let req = Request::post(uri)
                .header(header::COOKIE, format!("zhuqi_session={tok}"))
                .header(header::CONTENT_TYPE, ct.clone())
                .body(Body::from(body))
                .unwrap();
            let (s, _, _) = t.send(req).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        }
        assert_eq!(t.count("attachments").await, 2, "{e}");

        // The demand page lists both with links and offers the upload form; the cookie also downloads.
        let req = Request::get(format!("/demands/{id}"))
            .header(header::COOKIE, format!("zhuqi_session={tok}"))
            .body(Body::empty())
            .unwrap();
        let (s, _, page) = t.send(req).await;
        let page = String::from_utf8(page).unwrap();
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains(&format!("href=\"/attachments/{aid}\"")), "{page}");
        assert!(page.contains("现场照片.png") && page.contains("回复附件.png"));
        // The token is a field of the form, never in its URL.
        assert!(page.contains(&format!("action=\"/demands/{id}/attachments\"")), "{page}");
        assert!(!page.contains(&format!("?_csrf={csrf}")), "no page puts the token in a URL");
        let req = Request::get(format!("/attachments/{aid}"))
            .header(header::COOKIE, format!("zhuqi_session={tok}"))
            .body(Body::empty())
            .unwrap();
        let (s, _, body) = t.send(req).await;
        assert_eq!((s, body), (StatusCode::OK, bytes.clone()));

        // Readers who are not parties see the list but get no upload form, and the API refuses them.
        let (tok, _) = t.page_session("auditor").await;
        let req = Request::get(format!("/demands/{id}"))
            .header(header::COOKIE, format!("zhuqi_session={tok}"))
            .body(Body::empty())
            .unwrap();
        let page = String::from_utf8(t.send(req).await.2).unwrap();
        assert!(page.contains("现场照片.png") && !page.contains("attach-form"), "{e}");
        let (s, _) = post_raw(&t, &tok, id, "x.png", png()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");

        // The same bytes again: a second row, but stored once.
        let (s, again) = post_raw(&t, &ent, id, "copy.png", bytes.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {again}");
        assert_ne!(again["id"], aid);
        let (rows, blobs, files) = stored(&t).await;
        assert_eq!(rows, 3, "{e}");
        assert_eq!(blobs + i64::try_from(files).unwrap(), 2, "{e}: two distinct contents, each stored once");
        match e {
            "sqlite" => assert_eq!((blobs, files), (0, 2), "SQLite keeps files next to the database"),
            _ => assert_eq!((blobs, files), (2, 0), "PostgreSQL keeps the bytes in the database"),
        }
        let audit = t.count("audit_log").await;
        assert!(audit > 0);
        let (_, log) = t.json(Method::GET, "/api/v1/audit?action=attach", Some(&t.token("auditor").await), None).await;
        assert_eq!(log["total"], 3 + 1, "{e}: three uploads and one denial: {log}");
    }
}

#[tokio::test]
async fn a_renamed_executable_is_refused_and_nothing_is_stored() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let id = demand_a(&t).await;
        let ent = t.token("ent-a1").await;
        let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
        elf.resize(4096, 0);
        let (s, v) = post_raw(&t, &ent, id, "photo.jpg", elf).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        let (field, msg) = field_error(&v);
        assert_eq!(field, "file");
        assert!(msg.contains("ELF executable"), "{msg}");
        let mut pe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
        pe.resize(2048, 0);
        let (s, v) = post_multipart(&t, &ent, id, "scan.jpg", &pe).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        let (field, msg) = field_error(&v);
        assert_eq!(field, "file");
        assert!(msg.contains("Windows executable"), "{msg}");
        // An HTML page named .png would be script on our origin if sniffed: refused too.
        let (s, v) = post_raw(&t, &ent, id, "x.png", b"<!DOCTYPE html><script>alert(1)</script>".to_vec()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert_eq!(stored(&t).await, (0, 0, 0), "{e}: no row, no blob, no file");
    }
}

#[tokio::test]
async fn an_oversized_upload_is_refused_naming_the_limit_and_nothing_is_stored() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let id = demand_a(&t).await;
        let ent = t.token("ent-a1").await;
        let big = png_with(&vec![0u8; 11 * 1024 * 1024]);
        let (s, v) = post_raw(&t, &ent, id, "big.png", big.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        let (field, msg) = field_error(&v);
        assert_eq!(field, "file");
        assert!(msg.contains("10 MB"), "{msg}");
        let (s, v) = post_multipart(&t, &ent, id, "big.png", &big).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert!(field_error(&v).1.contains("10 MB"), "{v}");
        // Without a Content-Length the body is cut off at the limit all the same.
        let req = Request::post(format!("/api/v1/demands/{id}/attachments"))
            .header(header::AUTHORIZATION, format!("Bearer {ent}"))
            .header("x-file-name", "big.png")
            .body(Body::from(big))
            .unwrap();
        let (s, _, b) = t.send(req).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {}", String::from_utf8_lossy(&b));
        assert_eq!(stored(&t).await, (0, 0, 0), "{e}: no row, no blob, no file");
    }
}

#[tokio::test]
async fn the_per_demand_limit_counts_every_file() {
    for e in engines() {
        let mut cfg = zhuqi_app::AppConfig::default();
        cfg.attachments.max_file_mb = 1;
        cfg.attachments.max_demand_mb = 2;
        let t = TestApp::with_config(e, cfg).await;
        let id = demand_a(&t).await;
        let officer = t.token("officer-a").await;
        for i in 0..2u8 {
            let (s, v) = post_raw(&t, &officer, id, "p.png", png_with(&vec![i; 900 * 1024])).await;
            assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        }
        let before = stored(&t).await;
        let (s, v) = post_raw(&t, &officer, id, "p.png", png_with(&vec![9; 900 * 1024])).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        let (field, msg) = field_error(&v);
        assert_eq!(field, "file");
        assert!(msg.contains("2 MB"), "{msg}");
        assert_eq!(stored(&t).await, before, "{e}: the refused file left nothing");
        // Over the (lowered) per-file limit, named as such.
        let (s, v) = post_raw(&t, &officer, id, "p.png", png_with(&vec![1; 1024 * 1024])).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert!(field_error(&v).1.contains("1 MB"), "{v}");

        // Two uploads racing for the last room of another demand: both pass the
        // first check, one is recorded, the other refused leaving nothing behind.
        let other = demand_a(&t).await;
        let (s, v) = post_raw(&t, &officer, other, "p.png", png_with(&vec![5; 900 * 1024])).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        let ((s1, v1), (s2, v2)) = tokio::join!(
            post_raw(&t, &officer, other, "a.png", png_with(&vec![3; 700 * 1024])),
            post_raw(&t, &officer, other, "b.png", png_with(&vec![4; 700 * 1024])),
        );
        let mut statuses = [s1, s2];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY], "{e}: {v1} {v2}");
        let (rows, blobs, files) = stored(&t).await;
        let contents = blobs + i64::try_from(files).unwrap();
        assert_eq!((rows, contents), (before.0 + 2, before.1 + i64::try_from(before.2).unwrap() + 2), "{e}");
    }
}

#[tokio::test]
async fn other_enterprises_and_departments_get_404() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let id = demand_a(&t).await;
        let aid = upload(&t, &t.token("ent-a1").await, id).await;
        // A user of enterprise B1 and a handler of a department the demand is not routed to.
        {
            let hash = zhuqi_app::auth::hash_password(PASSWORD).await.unwrap();
            let now = t.app.now_ms();
            let mut tx = t.app.store.begin().await.unwrap();
            let water = zhuqi_store::departments::insert(&mut tx, "water", "丽水市水利局", "丽水市人民政府", now)
                .await
                .unwrap();
            for (username, role, dept, ent) in [
                ("ent-b1", "enterprise_user", None, Some(t.ids.ent_b1)),
                ("handler-w", "dept_handler", Some(water), None),
            ] {
                let u = zhuqi_store::users::NewUser {
                    username,
                    display_name: username,
                    role,
                    district_id: None,
                    department_id: dept,
                    enterprise_id: ent,
                    // A mobile number is bound to one enterprise user only.
                    phone: if role == "enterprise_user" { "13912345679" } else { "13912345678" },
                    password_hash: &hash,
                    created_at: now,
                };
                zhuqi_store::users::insert(&mut tx, &u).await.unwrap();
            }
            tx.commit().await.unwrap();
        }
        for who in ["ent-b1", "handler-w", "officer-a2", "district-b"] {
            let tok = t.token(who).await;
            let (s, v) = t.json(Method::GET, &format!("/api/v1/demands/{id}/attachments"), Some(&tok), None).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{e} {who}: {v}");
            let (s, _, _) = download(&t, &tok, aid).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{e} {who}");
            let (s, v) = post_raw(&t, &tok, id, "x.png", png_with(who.as_bytes())).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{e} {who}: {v}");
            // An attachment that does not exist answers the same.
            let (s, _, _) = download(&t, &tok, aid + 1000).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{e} {who}");
        }
        assert_eq!(t.count("attachments").await, 1, "{e}");
    }
}

/// The submit form as multipart: fields plus `files`.
fn demand_form(csrf: &str, enterprise_id: i64, key: &str, files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "zhuqidemandformboundary";
    let mut body = Vec::new();
    let ent = enterprise_id.to_string();
    let fields = [
        ("_csrf", csrf),
        ("key", key),
        ("enterprise_id", ent.as_str()),
        ("category", "0102"),
        ("title", "物流受限"),
        ("description", "原料运输车辆无法进入园区"),
        ("urgency", "normal"),
    ];
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn a_demand_is_submitted_with_its_files_and_a_refused_file_submits_nothing() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let (tok, csrf) = t.page_session("ent-a1").await;
        let post = |key: &str, files: &[(&str, &[u8])]| {
            let (ct, body) = demand_form(&csrf, t.ids.ent_a1, key, files);
            Request::post("/demands")
                .header(header::COOKIE, format!("zhuqi_session={tok}"))
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(body))
                .unwrap()
        };
        // A renamed executable among the files: nothing is submitted or stored.
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
        let photo = png_with(b"gate");
        let (s, _, html) = t.send(post("k1", &[("大门.png", &photo), ("通行证.jpg", &exe)])).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(String::from_utf8_lossy(&html).contains("通行证.jpg"), "{e}: the file is named");
        assert_eq!((t.count("demands").await, t.count("attachments").await), (0, 0), "{e}");
        // Good files: one demand with both, in order.
        let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF".to_vec();
        let (s, h, _) = t.send(post("k2", &[("大门.png", &photo), ("说明.pdf", &pdf)])).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}");
        let to = h[header::LOCATION].to_str().unwrap().to_string();
        let id: i64 = to.trim_start_matches("/demands/").split('?').next().unwrap().parse().unwrap();
        let (_, l) = t.json(Method::GET, &format!("/api/v1/demands/{id}/attachments"), Some(&tok), None).await;
        let names: Vec<&str> =
            l["items"].as_array().unwrap().iter().map(|a| a["file_name"].as_str().unwrap()).collect();
        assert_eq!(names, ["大门.png", "说明.pdf"], "{e}: {l}");
        assert_eq!(l["items"][1]["content_type"], "application/pdf");
        // The same form again (a double submit): the same demand, no second copies.
        let (s, h, _) = t.send(post("k2", &[("大门.png", &photo), ("说明.pdf", &pdf)])).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}");
        assert_eq!(h[header::LOCATION].to_str().unwrap().split('?').next(), to.split('?').next(), "{e}");
        assert_eq!((t.count("demands").await, t.count("attachments").await), (1, 2), "{e}");
    }
}
