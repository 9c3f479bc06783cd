//! Importing officers (包联干部): plan every row, hash new passwords, then write.

use super::*;

#[derive(Debug)]
pub(super) struct OfficerPlan {
    username: String,
    display_name: String,
    district_id: i64,
    department_id: i64,
    phone: Option<String>,
    password: Option<String>,
    existing: Option<UserKey>,
}

impl App {
    // -- officers -----------------------------------------------------------

    pub(super) async fn plan_officers(
        &self,
        cols: &Columns,
        data: &[Row],
        restrict: Option<i64>,
        errs: &mut Errors,
        progress: Progress<'_>,
    ) -> Result<Vec<OfficerPlan>> {
        let (places, departments) = {
            let mut c = self.store.read().await?;
            (Places::load(&mut c).await?, load_departments(&mut c).await?)
        };
        let total = data.len() * 2;
        let mut seen = FirstRows::default();
        let mut plans = Vec::with_capacity(data.len());
        for (i, (row, cells)) in data.iter().enumerate() {
            tick(progress, i, total);
            let r = Cells { cols, cells, row: *row };
            let username = r.required(errs, "username", 64).filter(|u| {
                let ok = valid_username(u);
                if !ok {
                    r.err(
                        errs,
                        "username",
                        "用户名须为3–64位字母、数字或 _ . - (a username has 3–64 characters from A–Z, a–z, 0–9, '_', '.', '-')",
                    );
                }
                ok
            });
            if let Some(u) = &username {
                seen.check(&r, errs, "username", u, None);
            }
            let display_name = r.required(errs, "display_name", 64);
            let district_id = r.district(errs, &places, restrict);
            let department_id = r.required(errs, "department", 100).and_then(|d| match departments.get(&d).copied() {
                Some((id, false)) => Some(id),
                Some((_, true)) => {
                    r.err(errs, "department", format!("派出单位“{d}”已撤销 (department '{d}' is retired)"));
                    None
                }
                None => {
                    r.err(
                        errs,
                        "department",
                        format!(
                            "未知派出单位“{d}”，请填写部门名称或代码 (unknown department '{d}': give its name or code)"
                        ),
                    );
                    None
                }
            });
            let phone = r.phone(errs, "phone");
            let password = r.optional(errs, "password", 128).filter(|p| !p.is_empty());
            if let (Some(username), Some(display_name), Some(district_id), Some(department_id)) =
                (username, display_name, district_id, department_id)
            {
                plans.push((
                    *row,
                    OfficerPlan { username, display_name, district_id, department_id, phone, password, existing: None },
                ));
            }
        }
        let names: Vec<String> = plans.iter().map(|(_, p)| p.username.clone()).collect();
        let mut existing: HashMap<String, UserKey> = {
            let mut c = self.store.read().await?;
            support::users_by_usernames(&mut c, &names).await?
        }
        .into_iter()
        .map(|k| (k.username.clone(), k))
        .collect();
        for (row, p) in &mut plans {
            p.existing = existing.remove(&p.username);
            match &p.existing {
                Some(k) if k.role != Role::Officer.as_str() => {
                    let role = role_label(&k.role);
                    errs.add(
                        *row,
                        cols.name("username"),
                        format!(
                            "用户名“{}”已被{role}账号使用 (username '{}' is taken by an account of role {})",
                            p.username, p.username, k.role
                        ),
                    );
                }
                Some(k) => {
                    if restrict.is_some_and(|own| k.district_id != Some(own)) {
                        let other = k.district_id.map_or("?", |d| places.district_name(d));
                        errs.add(
                            *row,
                            cols.name("username"),
                            format!(
                                "该服务员属于{other}，本片区管理员不能修改 \
                                 (this officer belongs to district {other}; a district admin may not change them)"
                            ),
                        );
                    }
                }
                None => {
                    if let Some(pw) = &p.password {
                        if let Err(e) = self.config.password.check(pw) {
                            errs.add(*row, cols.name("password"), e.message);
                        }
                    }
                }
            }
        }
        progress(data.len(), total);
        Ok(plans.into_iter().map(|(_, p)| p).collect())
    }

    pub(super) async fn write_officers(
        &self,
        plans: &[OfficerPlan],
        hashes: &HashMap<String, String>,
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
                    support::update_officer(
                        &mut tx,
                        &support::OfficerUpdate {
                            id: k.id,
                            display_name: &p.display_name,
                            district_id: p.district_id,
                            department_id: p.department_id,
                            phone: p.phone.as_deref(),
                        },
                    )
                    .await?;
                    if k.district_id != Some(p.district_id) {
                        support::end_cross_district_for_officer(&mut tx, k.id, p.district_id, now).await?;
                    }
                    updated += 1;
                }
                None => {
                    let hash = p.password.as_ref().and_then(|pw| hashes.get(pw)).map_or("!", String::as_str);
                    zhuqi_store::users::insert(
                        &mut tx,
                        &zhuqi_store::users::NewUser {
                            username: &p.username,
                            display_name: &p.display_name,
                            role: Role::Officer.as_str(),
                            district_id: Some(p.district_id),
                            department_id: Some(p.department_id),
                            enterprise_id: None,
                            phone: p.phone.as_deref().unwrap_or(""),
                            password_hash: hash,
                            created_at: now,
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

/// Hashes the distinct initial passwords of new officers, each once, a few
/// at a time on blocking threads, before any write transaction is opened.
pub(super) async fn hash_passwords(plans: &[OfficerPlan]) -> Result<HashMap<String, String>> {
    let distinct: Vec<String> = plans
        .iter()
        .filter(|p| p.existing.is_none())
        .filter_map(|p| p.password.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let parallel = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let mut out = HashMap::with_capacity(distinct.len());
    for chunk in distinct.chunks(parallel.max(1)) {
        let mut set = tokio::task::JoinSet::new();
        for pw in chunk {
            let pw = pw.clone();
            set.spawn(async move {
                let hash = crate::auth::hash_password(&pw).await;
                (pw, hash)
            });
        }
        while let Some(joined) = set.join_next().await {
            let (pw, hash) = joined.map_err(|e| AppError::Internal(format!("hashing failed: {e}")))?;
            out.insert(pw, hash?);
        }
    }
    Ok(out)
}
