//! Enterprise attributes with rules (DESIGN §3.3): industry code (GB/T 4754)
//! and size (规上 / 规下).

use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// 规上 (above designated size) or 规下 (below).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnterpriseSize {
    Above,
    Below,
}

impl EnterpriseSize {
    pub fn as_str(self) -> &'static str {
        match self {
            EnterpriseSize::Above => "above",
            EnterpriseSize::Below => "below",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            EnterpriseSize::Above => "规上",
            EnterpriseSize::Below => "规下",
        }
    }

    /// Accepts the API form (`above`/`below`) and the Chinese labels used in
    /// spreadsheets (规上/规下, 规模以上/规模以下).
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s.trim() {
            "above" | "规上" | "规模以上" => Ok(Self::Above),
            "below" | "规下" | "规模以下" => Ok(Self::Below),
            other => Err(FieldError::new(
                "size",
                format!("规模应为“规上”或“规下” (size must be above/below or 规上/规下, got '{other}')"),
            )),
        }
    }
}

/// A GB/T 4754-2017 industry code: a section letter A–T optionally followed
/// by the 2-, 3- or 4-digit division, group or class (e.g. `C`, `C35`, `C3511`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndustryCode(String);

impl IndustryCode {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim().to_ascii_uppercase();
        let mut chars = s.chars();
        let section_ok = matches!(chars.next(), Some('A'..='T'));
        let rest: String = chars.collect();
        let digits_ok = rest.chars().all(|c| c.is_ascii_digit()) && matches!(rest.len(), 0 | 2 | 3 | 4);
        if section_ok && digits_ok {
            Ok(Self(s))
        } else {
            Err(FieldError::new(
                "industry_code",
                format!("行业代码应为GB/T 4754格式，如C3511 (an industry code is a GB/T 4754 section letter A–T plus 2–4 digits, got '{s}')"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Section names of GB/T 4754-2017 (for display).
pub fn industry_section_name(code: &str) -> &'static str {
    match code.chars().next() {
        Some('A') => "农、林、牧、渔业",
        Some('B') => "采矿业",
        Some('C') => "制造业",
        Some('D') => "电力、热力、燃气及水生产和供应业",
        Some('E') => "建筑业",
        Some('F') => "批发和零售业",
        Some('G') => "交通运输、仓储和邮政业",
        Some('H') => "住宿和餐饮业",
        Some('I') => "信息传输、软件和信息技术服务业",
        Some('J') => "金融业",
        Some('K') => "房地产业",
        Some('L') => "租赁和商务服务业",
        Some('M') => "科学研究和技术服务业",
        Some('N') => "水利、环境和公共设施管理业",
        Some('O') => "居民服务、修理和其他服务业",
        Some('P') => "教育",
        Some('Q') => "卫生和社会工作",
        Some('R') => "文化、体育和娱乐业",
        Some('S') => "公共管理、社会保障和社会组织",
        Some('T') => "国际组织",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn industry_codes() {
        for ok in ["C", "c35", "C351", "C3511", "T"] {
            assert!(IndustryCode::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "U12", "C1", "C35111", "3511", "C35A"] {
            assert_eq!(IndustryCode::parse(bad).unwrap_err().field, "industry_code", "{bad}");
        }
    }

    #[test]
    fn sizes_accept_chinese_labels() {
        assert_eq!(EnterpriseSize::parse("规上").unwrap(), EnterpriseSize::Above);
        assert_eq!(EnterpriseSize::parse("below").unwrap(), EnterpriseSize::Below);
        assert_eq!(EnterpriseSize::parse("big").unwrap_err().field, "size");
    }
}
