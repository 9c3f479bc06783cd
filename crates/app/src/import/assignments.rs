//! Importing assignments (包联关系) of enterprises to officers.

use super::*;

#[derive(Debug)]
pub(super) struct AssignmentPlan {
    enterprise_id: i64,
    officer_id: i64,
    current_officer: Option<i64>,
    reason: String,
}

impl App {
    // -- assignments --------------------------------------------------------

    pub(super) async fn plan_assignments(
        &self,
        cols: &Columns,
        data: &[Row],
        restrict: Option<i64>,
        errs: &mut Errors,
        progress: Progress<'_>,
    ) -> Result<Vec<AssignmentPlan>> {
        let places = {
            let mut c = self.store.read().await?;
            Places::load(&mut c).await?
        };
        let total = data.len() * 2;
        let mut seen = FirstRows::default();
        let mut parsed = Vec::with_capacity(data.len());
        for (i, (row, cells)) in data.iter().enumerate() {
            tick(progress, i, total);
            let r = Cells { cols, cells, row: *row };
            let code = r.parsed(errs, "credit_code", CreditCode::parse).map(|c| c.as_str().to_string());
            if let Some(code) = &code {
                let why = ("一家企业只能有一名当前服务员", "an enterprise has one current officer");
                seen.check(&r, errs, "credit_code", code, Some(why));
            }
            let officer = r.required(errs, "officer_username", 64);
            let reason = r.optional(errs, "reason", 500).unwrap_or_default();
            if let (Some(code), Some(officer)) = (code, officer) {
                parsed.push((*row, code, officer, reason));
            }
        }
        let (enterprises, users) = {
            let codes: Vec<String> = parsed.iter().map(|p| p.1.clone()).collect();
            let names: Vec<String> = parsed.iter().map(|p| p.2.clone()).collect::<HashSet<_>>().into_iter().collect();
            let mut c = self.store.read().await?;
            let e = support::enterprises_by_codes(&mut c, &codes).await?;
            let u = support::users_by_usernames(&mut c, &names).await?;
            (
                e.into_iter().map(|k| (k.credit_code.clone(), k)).collect::<HashMap<_, _>>(),
                u.into_iter().map(|k| (k.username.clone(), k)).collect::<HashMap<_, _>>(),
            )
        };
        let mut plans = Vec::with_capacity(parsed.len());
        for (row, code, officer, reason) in parsed {
            let code_col = cols.name("credit_code");
            let officer_col = cols.name("officer_username");
            let Some(e) = enterprises.get(&code) else {
                errs.add(
                    row,
                    code_col,
                    format!("企业“{code}”不存在，请先导入企业 (no enterprise with credit code {code}; import the enterprises first)"),
                );
                continue;
            };
            if e.deregistered_at.is_some() {
                errs.add(row, code_col, format!("企业“{code}”已注销 (the enterprise {code} is deregistered)"));
                continue;
            }
            if let Some(own) = restrict.filter(|own| *own != e.district_id) {
                let (other, own) = (places.district_name(e.district_id), places.district_name(own));
                errs.add(
                    row,
                    code_col,
                    format!(
                        "该企业属于{other}，本片区（{own}）管理员不能分配 \
                         (this enterprise is in district {other}; the admin of {own} may not assign it)"
                    ),
                );
                continue;
            }
            let Some(u) = users.get(&officer) else {
                errs.add(row, officer_col, format!("用户“{officer}”不存在 (no user named '{officer}')"));
                continue;
            };
            if u.role != Role::Officer.as_str() {
                errs.add(
                    row,
                    officer_col,
                    format!(
                        "用户“{officer}”是{}，不是助企服务员 (user '{officer}' is not a service officer)",
                        role_label(&u.role)
                    ),
                );
                continue;
            }
            if u.active == 0 {
                errs.add(row, officer_col, format!("服务员“{officer}”已停用 (officer '{officer}' is deactivated)"));
                continue;
            }
            if u.district_id != Some(e.district_id) {
                let od = u.district_id.map_or("?", |d| places.district_name(d));
                let ed = places.district_name(e.district_id);
                errs.add(
                    row,
                    officer_col,
                    format!(
                        "服务员属于{od}，企业属于{ed}，须为同一片区 \
                         (the officer is in district {od} but the enterprise is in {ed}; they must be in the same district)"
                    ),
                );
                continue;
            }
            plans.push(AssignmentPlan {
                enterprise_id: e.id,
                officer_id: u.id,
                current_officer: e.officer_id,
                reason: if reason.is_empty() { "导入 (import)".to_string() } else { reason },
            });
        }
        progress(data.len(), total);
        Ok(plans)
    }

    pub(super) async fn write_assignments(
        &self,
        actor: &Actor,
        plans: &[AssignmentPlan],
        now: i64,
        progress: Progress<'_>,
        total: usize,
    ) -> Result<(usize, usize)> {
        let base = total / 2;
        let (mut created, mut updated) = (0, 0);
        let mut tx = self.store.begin().await?;
        for (i, p) in plans.iter().enumerate() {
            tick(progress, base + i, total);
            let new = zhuqi_store::assignments::assign(
                &mut tx,
                p.enterprise_id,
                p.officer_id,
                now,
                Some(actor.user_id),
                &p.reason,
            )
            .await?;
            if new.is_some() {
                if p.current_officer.is_some() {
                    updated += 1;
                } else {
                    created += 1;
                }
            }
        }
        tx.commit().await?;
        Ok((created, updated))
    }
}
