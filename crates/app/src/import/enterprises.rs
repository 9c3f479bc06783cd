//! Importing enterprises: plan every row, then write them in one transaction.

use super::*;

#[derive(Debug)]
pub(super) struct EnterprisePlan {
    code: String,
    name: String,
    district_id: i64,
    /// `None`: no township column (keep); `Some(None)`: clear.
    township: Option<Option<i64>>,
    industry: String,
    size: &'static str,
    address: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    existing: Option<EnterpriseKey>,
}

impl App {
    // -- enterprises --------------------------------------------------------

    pub(super) async fn plan_enterprises(
        &self,
        cols: &Columns,
        data: &[Row],
        restrict: Option<i64>,
        errs: &mut Errors,
        progress: Progress<'_>,
    ) -> Result<Vec<EnterprisePlan>> {
        let places = {
            let mut c = self.store.read().await?;
            Places::load(&mut c).await?
        };
        let total = data.len() * 2;
        let mut seen = FirstRows::default();
        let mut plans = Vec::with_capacity(data.len());
        for (i, (row, cells)) in data.iter().enumerate() {
            tick(progress, i, total);
            let r = Cells { cols, cells, row: *row };
            let code = r.parsed(errs, "credit_code", CreditCode::parse).map(|c| c.as_str().to_string());
            if let Some(code) = &code {
                seen.check(&r, errs, "credit_code", code, None);
            }
            let name = r.required(errs, "name", 200);
            let district_id = r.district(errs, &places, restrict);
            let township = match r.optional(errs, "township", 64) {
                None => None,
                Some(v) if v.is_empty() => Some(None),
                Some(v) => district_id.and_then(|d| match places.township(d, &v) {
                    Ok(t) => Some(Some(t)),
                    Err(m) => {
                        r.err(errs, "township", m);
                        None
                    }
                }),
            };
            let industry = r.parsed(errs, "industry_code", IndustryCode::parse).map(|c| c.as_str().to_string());
            let size = r.parsed(errs, "size", EnterpriseSize::parse).map(EnterpriseSize::as_str);
            let address = r.optional(errs, "address", 500);
            let contact_name = r.optional(errs, "contact_name", 64);
            let contact_phone = r.phone(errs, "contact_phone");
            if let (Some(code), Some(name), Some(district_id), Some(industry), Some(size)) =
                (code, name, district_id, industry, size)
            {
                plans.push((
                    *row,
                    EnterprisePlan {
                        code,
                        name,
                        district_id,
                        township,
                        industry,
                        size,
                        address,
                        contact_name,
                        contact_phone,
                        existing: None,
                    },
                ));
            }
        }
        let codes: Vec<String> = plans.iter().map(|(_, p)| p.code.clone()).collect();
        let mut existing: HashMap<String, EnterpriseKey> = {
            let mut c = self.store.read().await?;
            support::enterprises_by_codes(&mut c, &codes).await?
        }
        .into_iter()
        .map(|k| (k.credit_code.clone(), k))
        .collect();
        for (row, p) in &mut plans {
            p.existing = existing.remove(&p.code);
            if let (Some(own), Some(k)) = (restrict, &p.existing) {
                if k.district_id != own {
                    let other = places.district_name(k.district_id);
                    errs.add(
                        *row,
                        cols.name("credit_code"),
                        format!(
                            "该企业已登记在{other}，本片区管理员不能修改 \
                             (this enterprise is registered in district {other}; a district admin may not change it)"
                        ),
                    );
                }
            }
        }
        progress(data.len(), total);
        Ok(plans.into_iter().map(|(_, p)| p).collect())
    }

    pub(super) async fn write_enterprises(
        &self,
        plans: &[EnterprisePlan],
        now: i64,
        progress: Progress<'_>,
        total: usize,
    ) -> Result<(usize, usize)> {
        let base = total / 2;
        let (mut created, mut updated) = (0, 0);
        let mut tx = self.store.begin().await?;
        for (i, p) in plans.iter().enumerate() {
            tick(progress, base + i, total);
            match &p.existing {
                Some(k) => {
                    support::update_enterprise(
                        &mut tx,
                        &support::EnterpriseUpdate {
                            id: k.id,
                            name: &p.name,
                            district_id: p.district_id,
                            township_id: p.township,
                            industry_code: &p.industry,
                            size: p.size,
                            address: p.address.as_deref(),
                            contact_name: p.contact_name.as_deref(),
                            contact_phone: p.contact_phone.as_deref(),
                            at: now,
                        },
                    )
                    .await?;
                    if k.district_id != p.district_id {
                        support::end_cross_district_for_enterprise(&mut tx, k.id, p.district_id, now).await?;
                    }
                    updated += 1;
                }
                None => {
                    zhuqi_store::enterprises::insert(
                        &mut tx,
                        &zhuqi_store::enterprises::NewEnterprise {
                            credit_code: &p.code,
                            name: &p.name,
                            district_id: p.district_id,
                            township_id: p.township.flatten(),
                            industry_code: &p.industry,
                            size: p.size,
                            address: p.address.as_deref().unwrap_or(""),
                            contact_name: p.contact_name.as_deref().unwrap_or(""),
                            contact_phone: p.contact_phone.as_deref().unwrap_or(""),
                            at: now,
                        },
                    )
                    .await?;
                    created += 1;
                }
            }
        }
        tx.commit().await?;
        Ok((created, updated))
    }
}
