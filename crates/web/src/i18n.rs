//! Chinese (default) and English texts of the pages. One table, looked up
//! by key; a missing key shows itself so it is noticed, never panics.

use zhuqi_domain::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn t(self, key: &str) -> &str {
        match TEXTS.iter().find(|(k, _, _)| *k == key) {
            Some((_, zh, en)) => match self {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => "",
        }
    }

    pub fn role(self, r: Role) -> &'static str {
        match self {
            Lang::Zh => r.label_zh(),
            Lang::En => r.label_en(),
        }
    }

    pub fn role_str(self, r: &str) -> &'static str {
        Role::parse(r).map_or("", |r| self.role(r))
    }
}

/// (key, 中文, English)
pub const TEXTS: &[(&str, &str, &str)] = &[
    ("app", "助企服务平台", "zhuqi enterprise service"),
    ("home", "首页", "Home"),
    ("enterprises", "企业", "Enterprises"),
    ("my_enterprises", "我服务的企业", "My enterprises"),
    ("my_enterprise", "我的企业", "My enterprise"),
    ("officers", "助企服务员", "Service officers"),
    ("officer", "服务员", "Officer"),
    ("my_officer", "我的助企服务员", "My service officer"),
    ("assignments", "分配管理", "Assignments"),
    ("coverage", "覆盖情况", "Coverage"),
    ("users", "用户", "Users"),
    ("import", "导入", "Import"),
    ("audit", "审计日志", "Audit log"),
    ("login", "登录", "Sign in"),
    ("logout", "退出", "Sign out"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    ("search", "搜索", "Search"),
    ("search_hint", "企业名称或信用代码", "Name or credit code"),
    ("all_districts", "全部片区", "All districts"),
    ("district", "片区", "District"),
    ("township", "乡镇街道", "Township"),
    ("credit_code", "统一社会信用代码", "Credit code"),
    ("name", "名称", "Name"),
    ("industry", "行业", "Industry"),
    ("size", "规模", "Size"),
    ("address", "地址", "Address"),
    ("contact", "联系人", "Contact"),
    ("phone", "电话", "Phone"),
    ("home_unit", "派出单位", "Home unit"),
    ("department", "部门", "Department"),
    ("role", "角色", "Role"),
    ("scope", "范围", "Scope"),
    ("none", "无", "None"),
    ("unassigned", "未分配", "Unassigned"),
    ("unassigned_only", "只看未分配", "Unassigned only"),
    ("history", "服务员变更记录", "Assignment history"),
    ("from", "起", "From"),
    ("to", "止", "To"),
    ("current", "当前", "current"),
    ("assigned_by", "操作人", "By"),
    ("reason", "原因", "Reason"),
    ("assign", "分配", "Assign"),
    ("reassign", "重新分配", "Reassign"),
    ("bulk_assign", "一键分配未分配企业", "Assign all unassigned"),
    ("export_xlsx", "导出Excel", "Export to Excel"),
    ("total", "共", "Total"),
    ("prev", "上一页", "Previous"),
    ("next", "下一页", "Next"),
    ("page", "页", "page"),
    ("enterprise_count", "服务企业数", "Enterprises"),
    ("idle_officers", "无企业的服务员", "Officers without enterprises"),
    ("unassigned_enterprises", "无服务员的企业", "Enterprises without an officer"),
    ("officers_count", "服务员", "Officers"),
    ("enterprises_count", "企业", "Enterprises"),
    ("welcome", "您好", "Hello"),
    ("demands_soon", "诉求受理与1-3-5限时办结模块即将上线。", "Demands and the 1-3-5 time limits arrive with the demands module."),
    ("file", "文件", "File"),
    ("kind", "类型", "Kind"),
    ("upload", "上传并导入", "Upload and import"),
    ("import_help", "支持 .xlsx 与 .csv（UTF-8 或 GB18030）。有任何错误时整个文件不导入，并列出每个错误的行和列。", "Accepts .xlsx and .csv (UTF-8 or GB18030). A file with any error changes nothing; every bad row and column is listed."),
    ("import_ok", "导入成功", "Imported"),
    ("row", "行", "Row"),
    ("column", "列", "Column"),
    ("problem", "问题", "Problem"),
    ("time", "时间", "Time"),
    ("action", "操作", "Action"),
    ("target", "对象", "Target"),
    ("outcome", "结果", "Outcome"),
    ("detail", "详情", "Detail"),
    ("city", "全市", "Whole city"),
    ("size_above", "规上", "Above size"),
    ("size_below", "规下", "Below size"),
    ("not_found", "未找到", "Not found"),
    ("forbidden", "无权访问", "Not allowed"),
    ("error", "出错了", "Something went wrong"),
    ("back_home", "返回首页", "Back to home"),
    ("request_id", "请求编号", "Request id"),
    ("lang_switch", "English", "中文"),
    ("saved", "已保存", "Saved"),
    ("select_officer", "选择服务员", "Choose an officer"),
    ("officer_detail", "服务员详情", "Officer"),
    ("served", "服务的企业", "Enterprises served"),
    ("role_all", "全部角色", "All roles"),
    ("none_yet", "暂无", "None yet"),
    ("dept_home", "本部门", "My department"),
    ("sent_officers", "本单位派出的服务员", "Officers sent by my unit"),
    ("audit_home", "审计员只读查看全部数据与审计日志。", "Auditors read everything and the audit log, and change nothing."),
    ("filter", "筛选", "Filter"),
    ("comma", "，", ", "),
    ("colon", "：", ": "),
    ("footer", "1-3-5 限时办结", "1-3-5 working-day limits"),
    ("forbidden_msg", "您的角色无权进行此操作。", "Your role may not do this."),
    ("not_found_msg", "该页面或对象不存在，或不在您的权限范围内。", "This page or object does not exist or is outside your scope."),
];
