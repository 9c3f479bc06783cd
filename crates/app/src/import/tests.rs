use super::*;
use crate::AppConfig;
use chrono::TimeZone;
use std::sync::Arc;
use zhuqi_domain::FixedClock;
use zhuqi_store::enterprises::EnterpriseFilter;
use zhuqi_store::{Page, Store};

const HEADER: &str = "统一社会信用代码,企业名称,片区,乡镇街道,行业代码,规模,地址,联系人,联系电话";

/// A migrated SQLite file in the temp dir with two districts, a
/// department, a city admin and a district admin of 莲都区.
struct Fx {
    app: App,
    admin: Actor,
    liandu_admin: Actor,
    path: std::path::PathBuf,
}

impl Drop for Fx {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

fn actor(user_id: i64, username: &str, role: Role, district_id: Option<i64>) -> Actor {
    Actor {
        user_id,
        username: username.into(),
        display_name: username.into(),
        role,
        district_id,
        department_id: None,
        enterprise_id: None,
    }
}

async fn fixture() -> Fx {
    let path =
        std::env::temp_dir().join(format!("zhuqi-import-{}-{:016x}.db", std::process::id(), rand::random::<u64>()));
    let store = Store::open(path.to_str().unwrap()).await.unwrap();
    let at = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
    let app = App::new(store, Arc::new(FixedClock::new(at)), AppConfig::default());
    let now = app.now_ms();
    let mut tx = app.store.begin().await.unwrap();
    use zhuqi_store::regions::insert as region;
    let city = region(&mut tx, None, "city", "331100", "丽水市", "", 0).await.unwrap();
    let liandu = region(&mut tx, Some(city), "district", "331102", "莲都区", "", 1).await.unwrap();
    region(&mut tx, Some(liandu), "township", "331102001", "紫金街道", "街道", 1).await.unwrap();
    let qingtian = region(&mut tx, Some(city), "district", "331121", "青田县", "", 2).await.unwrap();
    region(&mut tx, Some(qingtian), "township", "331121001", "鹤城街道", "街道", 1).await.unwrap();
    zhuqi_store::departments::insert(&mut tx, "D01", "丽水市经信局", "丽水市人民政府", now).await.unwrap();
    let user = |username: &'static str, role: Role, district_id: Option<i64>| zhuqi_store::users::NewUser {
        username,
        display_name: username,
        role: role.as_str(),
        district_id,
        department_id: None,
        enterprise_id: None,
        phone: "",
        password_hash: "!",
        created_at: now,
    };
    let admin = zhuqi_store::users::insert(&mut tx, &user("admin", Role::CityAdmin, None)).await.unwrap();
    let lda =
        zhuqi_store::users::insert(&mut tx, &user("liandu-admin", Role::DistrictAdmin, Some(liandu))).await.unwrap();
    tx.commit().await.unwrap();
    Fx {
        app,
        admin: actor(admin, "admin", Role::CityAdmin, None),
        liandu_admin: actor(lda, "liandu-admin", Role::DistrictAdmin, Some(liandu)),
        path,
    }
}

/// A valid credit code of 莲都区 numbered `i`.
fn code(i: u32) -> String {
    CreditCode::complete(&format!("91331102MA2A{i:05}")).unwrap().as_str().to_string()
}

fn good_csv() -> String {
    format!(
        "{HEADER}\n{},丽水甲机械有限公司,莲都区,紫金街道,C3511,规上,莲都区括苍路1号,张三,138 1234 5678\n\
         {},青田乙贸易有限公司,331121,鹤城街道,F51,规下,,,\n",
        code(1),
        code(2)
    )
}

fn no_progress(_: usize, _: usize) {}

async fn import(fx: &Fx, who: &Actor, kind: ImportKind, name: &str, bytes: &[u8]) -> Result<ImportReport> {
    fx.app.import(who, kind, name, bytes, &RequestMeta::default(), &no_progress).await
}

async fn enterprise_count(fx: &Fx) -> i64 {
    let mut c = fx.app.store.read().await.unwrap();
    zhuqi_store::enterprises::list(&mut c, zhuqi_domain::Scope::All, &EnterpriseFilter::default(), Page::default())
        .await
        .unwrap()
        .total
}

fn row_errors(r: Result<ImportReport>) -> Vec<RowError> {
    match r {
        Err(AppError::InvalidRows(errs)) => errs,
        other => panic!("expected InvalidRows, got {other:?}"),
    }
}

#[tokio::test]
async fn import_a_utf8_csv_creates_then_updates_enterprises() {
    let fx = fixture().await;
    let calls = std::sync::Mutex::new(Vec::new());
    let progress = |d: usize, t: usize| calls.lock().unwrap().push((d, t));
    let bom = format!("\u{feff}{}", good_csv());
    let r = fx
        .app
        .import(&fx.admin, ImportKind::Enterprises, "e.csv", bom.as_bytes(), &RequestMeta::default(), &progress)
        .await
        .unwrap();
    assert_eq!((r.rows, r.created, r.updated), (2, 2, 0));
    assert_eq!(calls.lock().unwrap().last(), Some(&(4, 4)));

    let mut c = fx.app.store.read().await.unwrap();
    let all =
        zhuqi_store::enterprises::all(&mut c, zhuqi_domain::Scope::All, &EnterpriseFilter::default()).await.unwrap();
    drop(c);
    let first = all.iter().find(|e| e.credit_code == code(1)).unwrap();
    assert_eq!(first.district_name, "莲都区");
    assert_eq!(first.township_name.as_deref(), Some("紫金街道"));
    assert_eq!((first.size.as_str(), first.contact_phone.as_str()), ("above", "13812345678"));
    let second = all.iter().find(|e| e.credit_code == code(2)).unwrap();
    assert_eq!((second.district_name.as_str(), second.size.as_str()), ("青田县", "below"));

    // The same file again updates; a file without the address column keeps addresses.
    let r = import(&fx, &fx.admin, ImportKind::Enterprises, "e.csv", good_csv().as_bytes()).await.unwrap();
    assert_eq!((r.created, r.updated), (0, 2));
    let renamed =
        format!("统一社会信用代码,企业名称,片区,行业代码,规模\n{},丽水甲机械股份公司,莲都区,C3511,规上\n", code(1));
    let r = import(&fx, &fx.admin, ImportKind::Enterprises, "e.csv", renamed.as_bytes()).await.unwrap();
    assert_eq!((r.created, r.updated), (0, 1));
    let mut c = fx.app.store.read().await.unwrap();
    let e = zhuqi_store::enterprises::get(&mut c, zhuqi_domain::Scope::All, first.id).await.unwrap().unwrap();
    assert_eq!(e.name, "丽水甲机械股份公司");
    assert_eq!(e.address, "莲都区括苍路1号");
    assert_eq!(e.township_name.as_deref(), Some("紫金街道"));
    assert_eq!(enterprise_count(&fx).await, 2);
}

#[tokio::test]
async fn import_a_gb18030_csv() {
    let fx = fixture().await;
    let csv = good_csv();
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&csv);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "the test file must not be valid UTF-8");
    let r = import(&fx, &fx.admin, ImportKind::Enterprises, "企业.csv", &bytes).await.unwrap();
    assert_eq!((r.rows, r.created), (2, 2));
    let mut c = fx.app.store.read().await.unwrap();
    let (id, _) = zhuqi_store::enterprises::id_by_credit_code(&mut c, &code(1)).await.unwrap().unwrap();
    let e = zhuqi_store::enterprises::get(&mut c, zhuqi_domain::Scope::All, id).await.unwrap().unwrap();
    assert_eq!(e.name, "丽水甲机械有限公司");
}

#[tokio::test]
async fn import_an_xlsx_with_english_headers_decided_by_content() {
    let fx = fixture().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    let rows = [
        vec![
            "Credit_Code".to_string(),
            " NAME ".into(),
            "district".into(),
            "Industry_Code".into(),
            "size".into(),
            "contact_phone".into(),
        ],
        vec![code(7), "丽水丙科技有限公司".into(), "莲都区".into(), "I65".into(), "规模以下".into(), String::new()],
        vec![String::new(); 6],
        vec![
            code(8),
            "丽水丁食品有限公司".into(),
            "331102".into(),
            "C14".into(),
            "above".into(),
            "0578-2123456".into(),
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, v).unwrap();
            }
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    // The name says CSV; the content says spreadsheet.
    let r = import(&fx, &fx.admin, ImportKind::Enterprises, "upload.csv", &bytes).await.unwrap();
    assert_eq!((r.rows, r.created, r.updated), (2, 2, 0));
    assert_eq!(enterprise_count(&fx).await, 2);
}

#[tokio::test]
async fn bad_rows_are_all_reported_and_nothing_is_written() {
    let fx = fixture().await;
    let seed = format!("{HEADER}\n{},已有企业,莲都区,,C35,规上,,,\n", code(50));
    import(&fx, &fx.admin, ImportKind::Enterprises, "seed.csv", seed.as_bytes()).await.unwrap();
    let before = enterprise_count(&fx).await;

    let good = code(3);
    let mut bad_check = code(4);
    let last = bad_check.pop().unwrap();
    bad_check.push(if last == '0' { '1' } else { '0' });
    let csv = format!(
        "{HEADER}\n{good},好企业,莲都区,,C35,规上,,,\n{bad_check},坏代码企业,莲都区,,C35,规上,,,\n{},未知片区企业,火星区,,C35,规上,,,\n",
        code(5)
    );
    let errs = row_errors(import(&fx, &fx.admin, ImportKind::Enterprises, "bad.csv", csv.as_bytes()).await);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!((errs[0].row, errs[0].column.as_str()), (3, "统一社会信用代码"));
    assert!(errs[0].message.contains("check character"), "{}", errs[0].message);
    assert_eq!((errs[1].row, errs[1].column.as_str()), (4, "片区"));
    assert!(errs[1].message.contains("unknown district"), "{}", errs[1].message);
    assert_eq!(enterprise_count(&fx).await, before);

    // Missing headers, duplicates and bad values are all listed at once.
    let csv = "企业名称,片区,规模\n甲,莲都区,规上\n";
    let errs = row_errors(import(&fx, &fx.admin, ImportKind::Enterprises, "h.csv", csv.as_bytes()).await);
    let missing: Vec<&str> = errs.iter().map(|e| e.column.as_str()).collect();
    assert_eq!(missing, ["统一社会信用代码", "行业代码"]);
    assert!(errs.iter().all(|e| e.row == 1));
    let csv = format!("{HEADER}\n{good},甲,莲都区,鹤城街道,X1,大,,,12345\n\n{good},乙,莲都区,,C35,规上,,,\n");
    let errs = row_errors(import(&fx, &fx.admin, ImportKind::Enterprises, "d.csv", csv.as_bytes()).await);
    let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(got, [(2, "乡镇街道"), (2, "行业代码"), (2, "规模"), (2, "联系电话"), (4, "统一社会信用代码")]);
    assert!(errs[0].message.contains("is in district 青田县"), "{}", errs[0].message);
    assert!(errs[4].message.contains("duplicate of row 2"), "{}", errs[4].message);
    assert_eq!(enterprise_count(&fx).await, before);

    let mut c = fx.app.store.read().await.unwrap();
    let log = zhuqi_store::audit::list(&mut c, Some("import"), Page::default()).await.unwrap();
    assert_eq!(log.items.iter().filter(|e| e.outcome == "rejected").count(), 3);
    assert_eq!(log.items.iter().filter(|e| e.outcome == "success").count(), 1);
}

#[tokio::test]
async fn officers_then_assignments_keep_history() {
    let fx = fixture().await;
    let officers = "用户名,姓名,片区,派出单位,手机,初始密码\n\
                    zhang.san,张三,莲都区,丽水市经信局,13900000001,Secret-pass1\n\
                    li_si,李四,莲都区,D01,,Secret-pass1\n\
                    wang-5,王五,青田县,丽水市经信局,,\n";
    let r = import(&fx, &fx.admin, ImportKind::Officers, "o.csv", officers.as_bytes()).await.unwrap();
    assert_eq!((r.rows, r.created, r.updated), (3, 3, 0));
    let mut c = fx.app.store.read().await.unwrap();
    let zs = zhuqi_store::users::credentials(&mut c, "zhang.san").await.unwrap().unwrap();
    let ls = zhuqi_store::users::credentials(&mut c, "li_si").await.unwrap().unwrap();
    let w5 = zhuqi_store::users::credentials(&mut c, "wang-5").await.unwrap().unwrap();
    drop(c);
    assert!(zs.password_hash.starts_with("$argon2id$"));
    assert_eq!(zs.password_hash, ls.password_hash, "one hash per distinct password");
    assert_eq!(w5.password_hash, "!");
    assert!(crate::auth::verify_password("Secret-pass1", &zs.password_hash).await);

    // Re-import updates; an admin's username and a weak password are row errors.
    let again = "用户名,姓名,片区,派出单位\nzhang.san,张三丰,莲都区,D01\n";
    let r = import(&fx, &fx.admin, ImportKind::Officers, "o.csv", again.as_bytes()).await.unwrap();
    assert_eq!((r.created, r.updated), (0, 1));
    let bad = "username,display_name,district,department,password\nadmin,冒名,莲都区,D01,\nnew.one,新人,莲都区,D01,short\nx,短,莲都区,D01,\n";
    let errs = row_errors(import(&fx, &fx.admin, ImportKind::Officers, "o.csv", bad.as_bytes()).await);
    let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(got, [(2, "username"), (3, "password"), (4, "username")]);

    let ent = format!("{HEADER}\n{},丽水甲机械有限公司,莲都区,,C35,规上,,,\n", code(1));
    import(&fx, &fx.admin, ImportKind::Enterprises, "e.csv", ent.as_bytes()).await.unwrap();
    let first = format!("统一社会信用代码,服务员用户名,原因\n{},zhang.san,首次分配\n", code(1));
    let r = import(&fx, &fx.admin, ImportKind::Assignments, "a.csv", first.as_bytes()).await.unwrap();
    assert_eq!((r.created, r.updated), (1, 0));
    let same = import(&fx, &fx.admin, ImportKind::Assignments, "a.csv", first.as_bytes()).await.unwrap();
    assert_eq!((same.created, same.updated), (0, 0));
    let second = format!("统一社会信用代码,服务员用户名,原因\n{},li_si,工作调整\n", code(1));
    let r = import(&fx, &fx.admin, ImportKind::Assignments, "a.csv", second.as_bytes()).await.unwrap();
    assert_eq!((r.created, r.updated), (0, 1));

    let mut c = fx.app.store.read().await.unwrap();
    let (eid, _) = zhuqi_store::enterprises::id_by_credit_code(&mut c, &code(1)).await.unwrap().unwrap();
    let history = zhuqi_store::assignments::for_enterprise(&mut c, eid).await.unwrap();
    drop(c);
    assert_eq!(history.len(), 2);
    assert_eq!((history[0].officer_name.as_str(), history[0].valid_to), ("李四", None));
    assert_eq!(history[1].officer_name, "张三丰");
    assert!(history[1].valid_to.is_some());
    assert_eq!(history[0].reason, "工作调整");

    // An officer of another district, an unknown officer, an unknown enterprise.
    let bad = format!("统一社会信用代码,服务员用户名\n{},wang-5\n{},nobody\n{},li_si\n", code(1), code(1), code(99));
    let errs = row_errors(import(&fx, &fx.admin, ImportKind::Assignments, "a.csv", bad.as_bytes()).await);
    let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(got, [(2, "服务员用户名"), (3, "统一社会信用代码"), (3, "服务员用户名"), (4, "统一社会信用代码")]);
    assert!(errs[0].message.contains("same district"), "{}", errs[0].message);
    assert!(errs[1].message.contains("duplicate of row 2"), "{}", errs[1].message);
    assert!(errs[2].message.contains("no user named 'nobody'"), "{}", errs[2].message);
    assert!(errs[3].message.contains("import the enterprises first"), "{}", errs[3].message);
}

#[tokio::test]
async fn a_district_admin_imports_only_their_district() {
    let fx = fixture().await;
    let r = import(&fx, &fx.liandu_admin, ImportKind::Enterprises, "e.csv", good_csv().as_bytes()).await;
    let errs = row_errors(r);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!((errs[0].row, errs[0].column.as_str()), (3, "片区"));
    assert!(errs[0].message.contains("own district"), "{}", errs[0].message);
    assert_eq!(enterprise_count(&fx).await, 0);

    let own = format!("{HEADER}\n{},丽水甲机械有限公司,莲都区,紫金街道,C35,规上,,,\n", code(1));
    let r = import(&fx, &fx.liandu_admin, ImportKind::Enterprises, "e.csv", own.as_bytes()).await.unwrap();
    assert_eq!(r.created, 1);

    let coordinator = actor(999, "coord", Role::Coordinator, None);
    let r = import(&fx, &coordinator, ImportKind::Enterprises, "e.csv", own.as_bytes()).await;
    assert!(matches!(r, Err(AppError::Forbidden(_))), "{r:?}");
}

#[tokio::test]
async fn unreadable_and_oversized_files_are_refused() {
    let fx = fixture().await;
    let r = import(&fx, &fx.admin, ImportKind::Enterprises, "e.xlsx", b"not a spreadsheet").await;
    assert!(matches!(&r, Err(AppError::Invalid(e)) if e.field == "file"), "{r:?}");
    let r = import(&fx, &fx.admin, ImportKind::Enterprises, "e.csv", b"").await;
    assert_eq!(row_errors(r)[0].row, 1);
    let mut big = String::from("用户名,姓名,片区,派出单位\n");
    for i in 0..=MAX_ROWS {
        big.push_str(&format!("u{i},n,莲都区,D01\n"));
    }
    let errs = row_errors(import(&fx, &fx.admin, ImportKind::Officers, "big.csv", big.as_bytes()).await);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].row, MAX_ROWS + 2);
}

#[tokio::test]
async fn the_import_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let fx = fixture().await;
    let meta = RequestMeta::default();
    let fut = fx.app.import(&fx.admin, ImportKind::Officers, "x.csv", b"", &meta, &no_progress);
    assert_send(&fut);
    let _ = fut.await;
}

#[tokio::test]
async fn an_enterprise_export_reads_back_and_imports_back() {
    use calamine::Reader;
    let fx = fixture().await;
    import(&fx, &fx.admin, ImportKind::Enterprises, "e.csv", good_csv().as_bytes()).await.unwrap();
    let meta = RequestMeta::default();
    let bytes = fx.app.export_enterprises_xlsx(&fx.admin, &EnterpriseFilter::default(), &meta).await.unwrap();
    assert!(bytes.starts_with(b"PK"));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(range.height(), 1 + 2);
    let header: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header[..9], HEADER.split(',').collect::<Vec<_>>()[..]);

    let r = import(&fx, &fx.admin, ImportKind::Enterprises, "export.xlsx", &bytes).await.unwrap();
    assert_eq!((r.rows, r.created, r.updated), (2, 0, 2));

    // An auditor's export masks phones; a district admin sees their district only.
    let auditor = actor(998, "auditor", Role::Auditor, None);
    let bytes = fx.app.export_enterprises_xlsx(&auditor, &EnterpriseFilter::default(), &meta).await.unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let phones: Vec<String> = range.rows().skip(1).map(|r| r[8].to_string()).collect();
    assert!(phones.contains(&"138****5678".to_string()), "{phones:?}");
    let bytes = fx.app.export_enterprises_xlsx(&fx.liandu_admin, &EnterpriseFilter::default(), &meta).await.unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.worksheet_range_at(0).unwrap().unwrap().height(), 1 + 1);

    let coverage = fx.app.export_coverage_xlsx(&fx.liandu_admin, &meta).await.unwrap();
    assert!(coverage.starts_with(b"PK"));
    let officers = fx.app.export_officers_xlsx(&fx.admin, &Default::default(), &meta).await.unwrap();
    assert!(officers.starts_with(b"PK"));
    let handler = actor(997, "h", Role::DeptHandler, None);
    let r = fx.app.export_enterprises_xlsx(&handler, &EnterpriseFilter::default(), &meta).await;
    assert!(matches!(r, Err(AppError::Forbidden(_))));

    let mut c = fx.app.store.read().await.unwrap();
    let log = zhuqi_store::audit::list(&mut c, Some("export"), Page::default()).await.unwrap();
    let details: Vec<(&str, &str, &str)> =
        log.items.iter().map(|e| (e.target.as_str(), e.outcome.as_str(), e.detail.as_str())).collect();
    assert!(details.contains(&("enterprises", "success", "2")), "{details:?}");
    assert!(details.contains(&("coverage", "success", "1")), "{details:?}");
    assert!(details.contains(&("enterprises", "denied", "dept_handler")), "{details:?}");
}

/// The file-level refusal of an import, as the 422 carries it.
fn file_refusal(r: Result<ImportReport>) -> String {
    match r {
        Err(AppError::Invalid(e)) if e.field == "file" => e.message,
        other => panic!("expected a file-level refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_sheet_with_a_cell_in_the_far_corner_is_refused_without_allocating_the_grid() {
    let fx = fixture().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "统一社会信用代码").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    assert!(bytes.len() < 10_000, "{}", bytes.len());
    let msg = file_refusal(import(&fx, &fx.admin, ImportKind::Enterprises, "corner.xlsx", &bytes).await);
    assert!(msg.contains("64") && msg.contains("1048576") && msg.contains("16384"), "{msg}");
    // Far down but within the columns: read cell by cell, the lone far row is just a row.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    ws.write_string(1_048_575, 0, "x").unwrap();
    let errs =
        row_errors(import(&fx, &fx.admin, ImportKind::Enterprises, "far.xlsx", &book.save_to_buffer().unwrap()).await);
    assert!(errs.iter().all(|e| e.row == 1_048_576), "{errs:?}");
    assert_eq!(enterprise_count(&fx).await, 0);
}

#[tokio::test]
async fn a_zip_bomb_workbook_is_refused_naming_the_limit() {
    use std::io::Write;
    let fx = fixture().await;
    // A real workbook whose shared strings inflate past the limit.
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "统一社会信用代码").unwrap();
    let good = book.save_to_buffer().unwrap();
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(good)).unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().to_string();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut data).unwrap();
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(&data).unwrap();
        if name == "xl/sharedStrings.xml" {
            // Padding after the document: inflated, it is 129 MiB of spaces.
            let chunk = vec![b' '; 1024 * 1024];
            for _ in 0..129 {
                w.write_all(&chunk).unwrap();
            }
        }
    }
    let bomb = w.finish().unwrap().into_inner();
    assert!(bomb.len() < 2 * 1024 * 1024, "{}", bomb.len());
    let msg = file_refusal(import(&fx, &fx.admin, ImportKind::Enterprises, "bomb.xlsx", &bomb).await);
    assert!(msg.contains("128 MB") && msg.contains("sharedStrings"), "{msg}");
    assert_eq!(enterprise_count(&fx).await, 0);
}

#[tokio::test]
async fn an_old_binary_xls_is_refused_with_what_to_do() {
    let fx = fixture().await;
    let mut ole = crate::import::read::OLE_MAGIC.to_vec();
    ole.extend_from_slice(&[0u8; 504]);
    let msg = file_refusal(import(&fx, &fx.admin, ImportKind::Enterprises, "old.xls", &ole).await);
    assert!(msg.contains(".xlsx") && msg.contains(".csv"), "{msg}");
}

#[tokio::test]
async fn rows_naming_a_retired_district_township_or_department_are_refused() {
    let fx = fixture().await;
    let meta = RequestMeta::default();
    let regions = fx.app.regions(false).await.unwrap();
    let id_of = |name: &str| regions.iter().find(|r| r.name == name).unwrap().id;
    // An empty township and district retired; the department too.
    let (zijin, qingtian) = (id_of("紫金街道"), id_of("青田县"));
    let retire = crate::org::RegionPatch { retired: Some(true), ..Default::default() };
    for id in [zijin, qingtian] {
        fx.app.update_region(&fx.admin, id, &retire, &meta).await.unwrap();
    }
    let dept = fx.app.departments().await.unwrap()[0].id;
    let retire = crate::org::DepartmentPatch { retired: Some(true), ..Default::default() };
    fx.app.update_department(&fx.admin, dept, &retire, &meta).await.unwrap();

    let errs = row_errors(import(&fx, &fx.admin, ImportKind::Enterprises, "e.csv", good_csv().as_bytes()).await);
    let cols: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert!(cols.contains(&(2, "乡镇街道")) && cols.contains(&(3, "片区")), "{errs:?}");
    assert!(errs.iter().all(|e| e.message.contains("已撤销") && e.message.contains("retired")), "{errs:?}");
    assert_eq!(enterprise_count(&fx).await, 0);

    let officers = "用户名,姓名,片区,派出单位\nzhang.san,张三,莲都区,D01\n";
    let errs = row_errors(import(&fx, &fx.admin, ImportKind::Officers, "o.csv", officers.as_bytes()).await);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].message.contains("retired"), "{errs:?}");
}
