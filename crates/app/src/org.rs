//! The city's own organisation, managed in the product (issue 12, item 3):
//! add, rename and retire districts and townships; create, rename and
//! retire departments. Regions and departments are retired, never deleted
//! (enterprises, demands, users and history keep pointing at them); a
//! retired one is hidden from pickers and receives nothing new. City admin
//! only (`region.manage`, `department.manage`); every change is one
//! transaction and audited.

use crate::{App, AppError, RequestMeta, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use zhuqi_domain::region::{self, RegionLevel};
use zhuqi_domain::{department, Actor, Capability, FieldError};
use zhuqi_store::departments::{Department, DepartmentUpdate};
use zhuqi_store::regions::{Region, RegionUpdate};
use zhuqi_store::Conn;

/// The longest `kind` (乡/镇/街道/开发区…) accepted (characters).
const MAX_KIND: usize = 10;

/// `POST /api/v1/regions`: a district under the city or a township under a
/// district; the level follows from the parent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegionInput {
    pub parent_id: i64,
    pub name: String,
    /// An official division code; absent or empty: a generated, visibly
    /// unofficial one (`<parent code>X01`, `X02`, …).
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub sort_order: Option<i64>,
}

/// `PATCH /api/v1/regions/{id}`: only the fields given change.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegionPatch {
    #[serde(default)]
    pub name: Option<String>,
    /// Changeable only while no enterprise is registered in the region.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub sort_order: Option<i64>,
    /// `true` retires, `false` restores.
    #[serde(default)]
    pub retired: Option<bool>,
}

/// `POST /api/v1/departments`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DepartmentInput {
    pub name: String,
    #[serde(default)]
    pub short_name: Option<String>,
    /// Absent or empty: generated (`dept-001`, …).
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub parent_unit: Option<String>,
}

/// `PATCH /api/v1/departments/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DepartmentPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub short_name: Option<String>,
    #[serde(default)]
    pub parent_unit: Option<String>,
    /// `true` retires, `false` restores.
    #[serde(default)]
    pub retired: Option<bool>,
    /// With `retired: true`: the department the catalogue's routes move to.
    #[serde(default)]
    pub successor_department_id: Option<i64>,
}

/// A region of the admin tree with what it holds.
#[derive(Debug, Clone, Serialize)]
pub struct RegionNode {
    #[serde(flatten)]
    pub region: Region,
    pub retired: bool,
    /// Enterprises registered in it (a district: its townships' too).
    pub enterprises: i64,
    /// Active users whose district it is (district admins, officers).
    pub users: i64,
}

/// A district with its townships.
#[derive(Debug, Clone, Serialize)]
pub struct DistrictNode {
    #[serde(flatten)]
    pub node: RegionNode,
    pub townships: Vec<RegionNode>,
}

/// The region tree as the admin page shows it (retired ones included).
#[derive(Debug, Clone, Serialize)]
pub struct RegionTree {
    pub city: Option<Region>,
    pub districts: Vec<DistrictNode>,
}

/// A department as the admin page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DepartmentNode {
    #[serde(flatten)]
    pub department: Department,
    pub retired: bool,
    pub open_demands: i64,
    pub users: i64,
    /// Catalogue routes (city-wide and district overrides) leading to it.
    pub routes: i64,
}

fn kind_field(v: &str) -> Result<String> {
    let k = v.trim();
    if k.chars().count() > MAX_KIND {
        return Err(FieldError::new("kind", format!("类型不超过{MAX_KIND}字 (at most {MAX_KIND} characters)")).into());
    }
    Ok(k.to_string())
}

fn level_of(r: &Region) -> Result<RegionLevel> {
    RegionLevel::parse(&r.level).ok_or_else(|| AppError::Internal(format!("region {} has level '{}'", r.id, r.level)))
}

/// Refuses a retired (or missing) district, and a township that is retired
/// or not in it, for a new enterprise or user. The errors name
/// `district_field` and `township_field`.
pub async fn check_usable_places(
    c: &mut Conn,
    district_id: i64,
    township_id: Option<i64>,
    district_field: &str,
    township_field: &str,
) -> Result<()> {
    let district = zhuqi_store::regions::get(c, district_id).await?;
    let Some(d) = district.filter(|d| d.level == "district") else {
        return Err(FieldError::new(district_field, format!("no district with id {district_id}")).into());
    };
    if d.retired_at.is_some() {
        return Err(FieldError::new(
            district_field,
            format!("片区“{}”已撤销，不能再登记 (district {} is retired)", d.name, d.name),
        )
        .into());
    }
    if let Some(t) = township_id {
        let town = zhuqi_store::regions::get(c, t).await?;
        let Some(town) = town.filter(|r| r.parent_id == Some(district_id)) else {
            return Err(
                FieldError::new(township_field, format!("township {t} is not in district {district_id}")).into()
            );
        };
        if town.retired_at.is_some() {
            return Err(FieldError::new(
                township_field,
                format!("乡镇街道“{}”已撤销，不能再登记 (township {} is retired)", town.name, town.name),
            )
            .into());
        }
    }
    Ok(())
}

/// The department `id` if it exists and is not retired; the error names
/// `field` (a lead department, a dispatch, a new handler or head).
pub async fn usable_department(c: &mut Conn, id: i64, field: &str) -> Result<Department> {
    let Some(d) = zhuqi_store::departments::get(c, id).await? else {
        return Err(FieldError::new(field, format!("no department with id {id}")).into());
    };
    if d.retired_at.is_some() {
        return Err(FieldError::new(
            field,
            format!("部门“{}”已撤销，请选择其他部门 (department {} is retired: choose another)", d.name, d.name),
        )
        .into());
    }
    Ok(d)
}

fn counts(rows: Vec<(i64, i64)>) -> HashMap<i64, i64> {
    let mut m = HashMap::new();
    for (id, n) in rows {
        *m.entry(id).or_insert(0) += n;
    }
    m
}

impl App {
    /// The region tree (reference data for every signed-in user); retired
    /// regions only with `include_retired`.
    pub async fn regions(&self, include_retired: bool) -> Result<Vec<Region>> {
        let mut c = self.store.read().await?;
        let mut all = zhuqi_store::regions::all(&mut c).await?;
        if !include_retired {
            all.retain(|r| r.retired_at.is_none());
        }
        Ok(all)
    }

    /// Departments in use (for pickers); retired ones only with `include_retired`.
    pub async fn departments_listed(&self, include_retired: bool) -> Result<Vec<Department>> {
        let mut c = self.store.read().await?;
        let mut all = zhuqi_store::departments::list(&mut c).await?;
        if !include_retired {
            all.retain(|d| d.retired_at.is_none());
        }
        Ok(all)
    }

    /// The tree for the admin page: districts with their townships and
    /// what each holds, retired ones included.
    pub async fn region_tree(&self, actor: &Actor, meta: &RequestMeta) -> Result<RegionTree> {
        self.require(actor, Capability::RegionManage, "read_region_tree", "regions", meta).await?;
        let mut c = self.store.read().await?;
        let all = zhuqi_store::regions::all(&mut c).await?;
        let ents = counts(zhuqi_store::regions::enterprise_counts(&mut c).await?);
        let users = counts(zhuqi_store::regions::user_counts(&mut c).await?);
        let node = |r: &Region| RegionNode {
            retired: r.retired_at.is_some(),
            enterprises: ents.get(&r.id).copied().unwrap_or(0),
            users: users.get(&r.id).copied().unwrap_or(0),
            region: r.clone(),
        };
        let city = all.iter().find(|r| r.level == "city").cloned();
        let districts = all
            .iter()
            .filter(|r| r.level == "district")
            .map(|d| DistrictNode {
                node: node(d),
                townships: all
                    .iter()
                    .filter(|t| t.level == "township" && t.parent_id == Some(d.id))
                    .map(node)
                    .collect(),
            })
            .collect();
        Ok(RegionTree { city, districts })
    }

    /// Adds a district (under the city) or a township (under a district).
    pub async fn create_region(&self, actor: &Actor, input: &RegionInput, meta: &RequestMeta) -> Result<Region> {
        self.require(actor, Capability::RegionManage, "create_region", "regions", meta).await?;
        let name = region::region_name(&input.name)?;
        let kind = kind_field(input.kind.as_deref().unwrap_or(""))?;
        let mut tx = self.store.begin().await?;
        let Some(parent) = zhuqi_store::regions::get(&mut tx, input.parent_id).await? else {
            return Err(FieldError::new("parent_id", format!("no region with id {}", input.parent_id)).into());
        };
        let level = region::level_under(level_of(&parent)?)?;
        if parent.retired_at.is_some() {
            return Err(FieldError::new(
                "parent_id",
                format!("“{}”已撤销，不能再添加下级 ({} is retired)", parent.name, parent.name),
            )
            .into());
        }
        if zhuqi_store::regions::sibling_named(&mut tx, parent.id, &name, None).await?.is_some() {
            return Err(FieldError::new(
                "name",
                format!("“{}”下已有“{name}” ({} already has a region named {name})", parent.name, parent.name),
            )
            .into());
        }
        let code = match input.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => {
                region::check_official_code(level, &parent.code, code)?;
                if let Some(other) = zhuqi_store::regions::by_code(&mut tx, code).await? {
                    return Err(FieldError::new(
                        "code",
                        format!("代码{code}已被“{}”使用 (code {code} is already used by {})", other.name, other.name),
                    )
                    .into());
                }
                code.to_string()
            }
            None => {
                let mut n = 1;
                loop {
                    let candidate = region::generated_code(&parent.code, n);
                    if zhuqi_store::regions::by_code(&mut tx, &candidate).await?.is_none() {
                        break candidate;
                    }
                    n += 1;
                    if n > 9999 {
                        return Err(AppError::Conflict("no free generated code".into()));
                    }
                }
            }
        };
        let sort_order = match input.sort_order {
            Some(s) => s,
            None => {
                zhuqi_store::regions::children(&mut tx, parent.id)
                    .await?
                    .iter()
                    .map(|r| r.sort_order)
                    .max()
                    .unwrap_or(0)
                    + 1
            }
        };
        let id =
            zhuqi_store::regions::insert(&mut tx, Some(parent.id), level.as_str(), &code, &name, &kind, sort_order)
                .await?;
        let row =
            zhuqi_store::regions::get(&mut tx, id).await?.ok_or_else(|| AppError::Internal("lost insert".into()))?;
        tx.commit().await?;
        let detail = format!("{} {code} {name} under region:{}", level.as_str(), parent.id);
        self.audit(Some(actor), "create_region", &format!("region:{id}"), "success", &detail, meta).await;
        Ok(row)
    }

    /// Renames, re-sorts, re-codes (while no enterprise uses it), retires or
    /// restores a region.
    pub async fn update_region(
        &self,
        actor: &Actor,
        id: i64,
        patch: &RegionPatch,
        meta: &RequestMeta,
    ) -> Result<Region> {
        let target = format!("region:{id}");
        self.require(actor, Capability::RegionManage, "update_region", &target, meta).await?;
        let mut tx = self.store.begin().await?;
        let Some(before) = zhuqi_store::regions::get(&mut tx, id).await? else {
            return Err(AppError::NotFound(format!("region {id}")));
        };
        let level = level_of(&before)?;
        let parent = match before.parent_id {
            Some(p) => zhuqi_store::regions::get(&mut tx, p).await?,
            None => None,
        };
        let mut changes = Vec::new();
        let name = match &patch.name {
            Some(n) => region::region_name(n)?,
            None => before.name.clone(),
        };
        if name != before.name {
            if let Some(p) = &parent {
                if zhuqi_store::regions::sibling_named(&mut tx, p.id, &name, Some(id)).await?.is_some() {
                    return Err(FieldError::new(
                        "name",
                        format!("“{}”下已有“{name}” ({} already has a region named {name})", p.name, p.name),
                    )
                    .into());
                }
            }
            changes.push(format!("name {} → {name}", before.name));
        }
        let code = match patch.code.as_deref().map(str::trim) {
            Some(code) if code != before.code => {
                let used = zhuqi_store::regions::enterprise_count(&mut tx, id).await?;
                if used > 0 {
                    return Err(AppError::Conflict(format!(
                        "“{}”已有{used}家企业登记，区划代码不能再改 \
                         ({} has {used} enterprises registered: its code no longer changes)",
                        before.name, before.name
                    )));
                }
                let Some(p) = &parent else {
                    return Err(
                        FieldError::new("code", "市级代码不在此修改 (the city's code is not changed here)").into()
                    );
                };
                region::check_official_code(level, &p.code, code)?;
                if let Some(other) = zhuqi_store::regions::by_code(&mut tx, code).await? {
                    return Err(FieldError::new(
                        "code",
                        format!("代码{code}已被“{}”使用 (code {code} is already used by {})", other.name, other.name),
                    )
                    .into());
                }
                changes.push(format!("code {} → {code}", before.code));
                code.to_string()
            }
            _ => before.code.clone(),
        };
        let kind = match &patch.kind {
            Some(k) => kind_field(k)?,
            None => before.kind.clone(),
        };
        if kind != before.kind {
            changes.push(format!("kind {} → {kind}", before.kind));
        }
        let sort_order = patch.sort_order.unwrap_or(before.sort_order);
        if sort_order != before.sort_order {
            changes.push(format!("sort_order {} → {sort_order}", before.sort_order));
        }
        if !changes.is_empty() {
            zhuqi_store::regions::update(
                &mut tx,
                id,
                &RegionUpdate { code: &code, name: &name, kind: &kind, sort_order },
            )
            .await?;
        }
        let now = self.now_ms();
        let mut retire_action = None;
        match (patch.retired, before.retired_at) {
            (Some(true), None) => {
                if level == RegionLevel::City {
                    return Err(AppError::Conflict("市级区划不能撤销 (the city cannot be retired)".into()));
                }
                let n = zhuqi_store::regions::enterprise_count(&mut tx, id).await?;
                if n > 0 {
                    return Err(AppError::Conflict(format!(
                        "“{}”仍有 {n} 家企业，不能撤销；请先将企业迁出或注销 \
                         ({} still has {n} enterprises: move or deregister them first)",
                        before.name, before.name
                    )));
                }
                zhuqi_store::regions::set_retired(&mut tx, id, Some(now)).await?;
                // A district holding no enterprise has townships holding none:
                // they retire with it.
                let towns = if level == RegionLevel::District {
                    zhuqi_store::regions::retire_children(&mut tx, id, now).await?
                } else {
                    Vec::new()
                };
                let detail = if towns.is_empty() {
                    before.name.clone()
                } else {
                    let ids: Vec<String> = towns.iter().map(|t| format!("region:{t}")).collect();
                    format!("{} with townships {}", before.name, ids.join(","))
                };
                retire_action = Some(("retire_region", detail));
            }
            (Some(false), Some(_)) => {
                if parent.as_ref().is_some_and(|p| p.retired_at.is_some()) {
                    let pn = parent.as_ref().map_or("", |p| p.name.as_str());
                    return Err(AppError::Conflict(format!(
                        "上级“{pn}”已撤销，请先恢复上级 (its parent {pn} is retired: restore the parent first)"
                    )));
                }
                zhuqi_store::regions::set_retired(&mut tx, id, None).await?;
                retire_action = Some(("restore_region", before.name.clone()));
            }
            _ => {}
        }
        let after = zhuqi_store::regions::get(&mut tx, id).await?.ok_or_else(|| AppError::Internal("lost".into()))?;
        tx.commit().await?;
        if !changes.is_empty() {
            self.audit(Some(actor), "update_region", &target, "success", &changes.join("; "), meta).await;
        }
        if let Some((action, detail)) = retire_action {
            self.audit(Some(actor), action, &target, "success", &detail, meta).await;
        }
        Ok(after)
    }

    /// Departments with their open demands, users and routes, retired ones
    /// included (the admin page).
    pub async fn department_overview(&self, actor: &Actor, meta: &RequestMeta) -> Result<Vec<DepartmentNode>> {
        self.require(actor, Capability::DepartmentManage, "read_departments_admin", "departments", meta).await?;
        let mut c = self.store.read().await?;
        let open = counts(zhuqi_store::departments::open_demand_counts(&mut c).await?);
        let users = counts(zhuqi_store::departments::user_counts(&mut c).await?);
        let mut routes: HashMap<i64, i64> = HashMap::new();
        for r in zhuqi_store::catalogue::routes(&mut c).await? {
            *routes.entry(r.department_id).or_insert(0) += 1;
        }
        Ok(zhuqi_store::departments::list(&mut c)
            .await?
            .into_iter()
            .map(|d| DepartmentNode {
                retired: d.retired_at.is_some(),
                open_demands: open.get(&d.id).copied().unwrap_or(0),
                users: users.get(&d.id).copied().unwrap_or(0),
                routes: routes.get(&d.id).copied().unwrap_or(0),
                department: d,
            })
            .collect())
    }

    /// Creates a department.
    pub async fn create_department(
        &self,
        actor: &Actor,
        input: &DepartmentInput,
        meta: &RequestMeta,
    ) -> Result<Department> {
        self.require(actor, Capability::DepartmentManage, "create_department", "departments", meta).await?;
        let name = department::department_name(&input.name)?;
        let short_name = department::short_name(input.short_name.as_deref().unwrap_or(""))?;
        let parent_unit = department::parent_unit(input.parent_unit.as_deref().unwrap_or(""))?;
        let given = input.code.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let given = given.map(department::department_code).transpose()?;
        let mut tx = self.store.begin().await?;
        if zhuqi_store::departments::named(&mut tx, &name, None).await?.is_some() {
            return Err(FieldError::new("name", format!("已有部门“{name}” (a department named {name} exists)")).into());
        }
        let code = match given {
            Some(code) => {
                if let Some(other) = zhuqi_store::departments::by_code(&mut tx, &code).await? {
                    return Err(FieldError::new(
                        "code",
                        format!("代码{code}已被“{}”使用 (code {code} is already used by {})", other.name, other.name),
                    )
                    .into());
                }
                code
            }
            None => {
                let mut n = u32::try_from(zhuqi_store::departments::list(&mut tx).await?.len()).unwrap_or(0) + 1;
                loop {
                    let candidate = department::generated_code(n);
                    if zhuqi_store::departments::by_code(&mut tx, &candidate).await?.is_none() {
                        break candidate;
                    }
                    n += 1;
                }
            }
        };
        let now = self.now_ms();
        let id =
            zhuqi_store::departments::insert_with_short_name(&mut tx, &code, &name, &short_name, &parent_unit, now)
                .await?;
        let row = zhuqi_store::departments::get(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::Internal("lost insert".into()))?;
        tx.commit().await?;
        self.audit(
            Some(actor),
            "create_department",
            &format!("department:{id}"),
            "success",
            &format!("{code} {name}"),
            meta,
        )
        .await;
        Ok(row)
    }

    /// Renames a department, or retires it (refused while it has open
    /// demands; the catalogue's routes to it move to the successor) or
    /// restores it.
    pub async fn update_department(
        &self,
        actor: &Actor,
        id: i64,
        patch: &DepartmentPatch,
        meta: &RequestMeta,
    ) -> Result<Department> {
        let target = format!("department:{id}");
        self.require(actor, Capability::DepartmentManage, "update_department", &target, meta).await?;
        let mut tx = self.store.begin().await?;
        let Some(before) = zhuqi_store::departments::get(&mut tx, id).await? else {
            return Err(AppError::NotFound(format!("department {id}")));
        };
        let mut changes = Vec::new();
        let name = match &patch.name {
            Some(n) => department::department_name(n)?,
            None => before.name.clone(),
        };
        if name != before.name {
            if zhuqi_store::departments::named(&mut tx, &name, Some(id)).await?.is_some() {
                return Err(
                    FieldError::new("name", format!("已有部门“{name}” (a department named {name} exists)")).into()
                );
            }
            changes.push(format!("name {} → {name}", before.name));
        }
        let short_name = match &patch.short_name {
            Some(s) => department::short_name(s)?,
            None => before.short_name.clone(),
        };
        if short_name != before.short_name {
            changes.push(format!("short_name {} → {short_name}", before.short_name));
        }
        let parent_unit = match &patch.parent_unit {
            Some(s) => department::parent_unit(s)?,
            None => before.parent_unit.clone(),
        };
        if parent_unit != before.parent_unit {
            changes.push(format!("parent_unit {} → {parent_unit}", before.parent_unit));
        }
        let retiring = patch.retired == Some(true) && before.retired_at.is_none();
        if patch.successor_department_id.is_some() && !retiring {
            return Err(FieldError::new(
                "successor_department_id",
                "仅在撤销部门时指定接替部门 (a successor is given only with retired: true)",
            )
            .into());
        }
        if !changes.is_empty() {
            zhuqi_store::departments::update(
                &mut tx,
                id,
                &DepartmentUpdate { name: &name, short_name: &short_name, parent_unit: &parent_unit },
            )
            .await?;
        }
        let now = self.now_ms();
        let mut retire_action = None;
        if retiring {
            let open = zhuqi_store::departments::open_demand_count(&mut tx, id).await?;
            if open > 0 {
                return Err(AppError::Conflict(format!(
                    "“{}”仍有 {open} 件未办结诉求，不能撤销；请先办结或转办 \
                     ({} still has {open} open demands: close or transfer them first)",
                    before.name, before.name
                )));
            }
            let routes = zhuqi_store::departments::routes_to(&mut tx, id).await?;
            let successor = match patch.successor_department_id {
                Some(s) if s == id => {
                    return Err(FieldError::new(
                        "successor_department_id",
                        "接替部门不能是被撤销的部门本身 (the successor cannot be the department itself)",
                    )
                    .into())
                }
                Some(s) => Some(usable_department(&mut tx, s, "successor_department_id").await?),
                None => None,
            };
            let mut detail = before.name.clone();
            match (&successor, routes.is_empty()) {
                (None, false) => {
                    let mut cats: Vec<String> = routes.iter().map(|(code, name, _)| format!("{code} {name}")).collect();
                    cats.dedup();
                    let cats = cats.join("、");
                    return Err(AppError::Conflict(format!(
                        "“{}”仍是以下类别的牵头部门：{cats}；请指定接替部门 successor_department_id \
                         ({} still leads these categories: {cats}; give successor_department_id)",
                        before.name, before.name
                    )));
                }
                (Some(s), _) => {
                    let moved =
                        zhuqi_store::departments::move_routes(&mut tx, id, s.id, now, Some(actor.user_id)).await?;
                    detail = format!("{detail}; {moved} routes → department:{} {}", s.id, s.name);
                }
                (None, true) => {}
            }
            zhuqi_store::departments::set_retired(&mut tx, id, Some(now)).await?;
            retire_action = Some(("retire_department", detail));
        } else if patch.retired == Some(false) && before.retired_at.is_some() {
            zhuqi_store::departments::set_retired(&mut tx, id, None).await?;
            retire_action = Some(("restore_department", before.name.clone()));
        }
        let after =
            zhuqi_store::departments::get(&mut tx, id).await?.ok_or_else(|| AppError::Internal("lost".into()))?;
        tx.commit().await?;
        if !changes.is_empty() {
            self.audit(Some(actor), "update_department", &target, "success", &changes.join("; "), meta).await;
        }
        if let Some((action, detail)) = retire_action {
            self.audit(Some(actor), action, &target, "success", &detail, meta).await;
        }
        Ok(after)
    }
}
