//! Posters of enterprise codes, one or a district's, and the district's zip of QR codes.

use super::{random_token, CodeView};
use crate::{App, AppError, RequestMeta, Result};
use zhuqi_domain::{Actor, Scope};
use zhuqi_store::enterprise_codes as store;
use zhuqi_store::enterprises::EnterpriseRow;

/// What a poster shows.
#[derive(Debug, Clone)]
pub struct Poster {
    pub enterprise: EnterpriseRow,
    pub officer_name: Option<String>,
    pub officer_phone: Option<String>,
    pub code: CodeView,
    /// The QR code as inline SVG markup (trusted: generated here).
    pub svg: String,
}

impl App {
    async fn poster_of(&self, e: EnterpriseRow) -> Result<Poster> {
        let code = self.code_view(&self.ensure_code(e.id).await?);
        let officer_phone = match e.officer_id {
            Some(o) => {
                let mut c = self.store.read().await?;
                zhuqi_store::users::get(&mut c, o).await?.map(|u| u.phone)
            }
            None => None,
        };
        let svg = crate::qr::svg(&code.url)?;
        // The inline copy drops the XML declaration (not allowed inside HTML).
        let svg = svg.find("<svg").map_or(svg.clone(), |i| svg[i..].to_string());
        Ok(Poster { officer_name: e.officer_name.clone(), officer_phone, code, svg, enterprise: e })
    }

    /// The printable poster of one enterprise.
    pub async fn enterprise_poster(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<Poster> {
        let e = self.managed_enterprise(actor, id, "print_enterprise_poster", meta).await?;
        self.poster_of(e).await
    }

    /// Every poster of a district (city admin, or the district's admin).
    pub async fn district_posters(&self, actor: &Actor, district_id: i64, meta: &RequestMeta) -> Result<Vec<Poster>> {
        if !actor.may_assign_in(district_id) {
            return Err(self.deny(actor, "print_district_posters", &format!("district:{district_id}"), meta).await);
        }
        let rows = {
            let mut c = self.store.read().await?;
            let f = zhuqi_store::enterprises::EnterpriseFilter { district_id: Some(district_id), ..Default::default() };
            zhuqi_store::enterprises::all(&mut c, Scope::District(district_id), &f).await?
        };
        {
            let missing = {
                let mut c = self.store.read().await?;
                store::missing_in_district(&mut c, district_id).await?
            };
            if !missing.is_empty() {
                let now = self.now_ms();
                let mut tx = self.store.begin().await?;
                for id in missing {
                    store::insert_if_missing(&mut tx, id, &random_token(), now).await?;
                }
                tx.commit().await?;
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        for e in rows {
            out.push(self.poster_of(e).await?);
        }
        self.audit(Some(actor), "print_district_posters", &format!("district:{district_id}"), "success", "", meta)
            .await;
        Ok(out)
    }
}

impl App {
    /// A zip of the QR PNG of every enterprise of a district, named by
    /// credit code and name (for print shops), with an index in CSV.
    pub async fn district_codes_zip(&self, actor: &Actor, district_id: i64, meta: &RequestMeta) -> Result<Vec<u8>> {
        let posters = self.district_posters(actor, district_id, meta).await?;
        let items: Vec<(String, String, String)> =
            posters.into_iter().map(|p| (p.enterprise.credit_code, p.enterprise.name, p.code.url)).collect();
        tokio::task::spawn_blocking(move || zip_of(&items)).await.map_err(|e| AppError::Internal(e.to_string()))?
    }
}

fn zip_of(items: &[(String, String, String)]) -> Result<Vec<u8>> {
    use std::io::Write;
    let err = |e: zip::result::ZipError| AppError::Internal(format!("zip: {e}"));
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // PNGs are compressed already: store them.
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut index = String::from("统一社会信用代码,企业名称,文件,网址\n");
    for (credit, name, url) in items {
        let file = format!("{credit}.png");
        w.start_file(file.as_str(), opts).map_err(err)?;
        w.write_all(&crate::qr::png(url, 10)?).map_err(|e| AppError::Internal(e.to_string()))?;
        index.push_str(&format!("{credit},\"{}\",{file},{url}\n", name.replace('"', "\"\"")));
    }
    w.start_file("index.csv", opts).map_err(err)?;
    w.write_all("\u{feff}".as_bytes()).map_err(|e| AppError::Internal(e.to_string()))?;
    w.write_all(index.as_bytes()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(w.finish().map_err(err)?.into_inner())
}
