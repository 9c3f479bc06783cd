//! The OpenAPI 3.1 document, generated from the route table so that every
//! API endpoint is described (a test checks it), with the list shape and the
//! error envelope as shared schemas.

use crate::router::{route_list, Audience};
use axum::Json;
use serde_json::{json, Map, Value};

/// Builds the document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for r in route_list().into_iter().filter(|r| r.path.starts_with("/api/")) {
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        let mut params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| {
                let schema = if name == "id" { json!({"type": "integer"}) } else { json!({"type": "string"}) };
                json!({"name": name, "in": "path", "required": true, "schema": schema})
            })
            .collect();
        params.extend(
            r.query.iter().map(|q| json!({"name": q, "in": "query", "required": false, "schema": {"type": "string"}})),
        );
        let mut op = json!({
            "summary": r.summary,
            "operationId": format!("{} {}", r.method, r.path),
            "parameters": params,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"},
            }
        });
        if r.audience == Audience::Public {
            op["security"] = json!([]);
        }
        if r.path == "/api/v1/auth/login" {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {
                "type": "object", "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}});
            op["responses"]["200"] = json!({"description": "Signed in", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"token": {"type": "string", "description": "Bearer token"},
                "expires_at": {"type": "string", "format": "date-time"}, "user": {"type": "object"}}}}}});
            op["responses"]["429"] = json!({"$ref": "#/components/responses/Error"});
        }
        if r.method == "GET" && r.query.contains(&"page") {
            op["responses"]["200"] = json!({"description": "One page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/List"}}}});
        }
        if r.path == "/api/v1/officer-ratings" {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {
                "type": "object", "required": ["score"], "properties": {
                "score": {"type": "integer", "minimum": 1, "maximum": 5, "description": "5 非常满意 … 1 非常不满意"},
                "comment": {"type": "string", "maxLength": 500}}}}}});
            op["responses"]["201"] = json!({"description": "Recorded"});
            op["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
        }
        if r.path == "/api/v1/enterprises" && r.method == "POST" {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EnterpriseInput"}}}});
        }
        if r.path == "/api/v1/officers/{id}/handover" {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {
                "type": "object", "description": "Exactly one of to_officer_id and spread_in_district: true", "properties": {
                "to_officer_id": {"type": "integer"}, "spread_in_district": {"type": "boolean"},
                "reason": {"type": "string", "maxLength": 200}}}}}});
            op["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
        }
        if r.path == "/api/v1/officers/{id}" && r.method == "PATCH" {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"district_id": {"type": "integer"},
                "home_department_id": {"type": "integer", "description": "Home unit (派出单位)"},
                "reason": {"type": "string", "maxLength": 200}}}}}});
            op["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
        }
        if r.path == "/api/v1/enterprises/{id}" && r.method == "PATCH" {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {
                "type": "object", "description": "Only the fields to change; credit_code never changes (422)", "properties": {
                "name": {"type": "string"}, "address": {"type": "string"}, "contact_name": {"type": "string"},
                "contact_phone": {"type": "string"}, "industry_code": {"type": "string"}, "size": {"type": "string"},
                "township_id": {"type": ["integer", "null"]}}}}}});
            op["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
        }
        if r.path == "/api/v1/enterprises/{id}/deregister" {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {
                "type": "object", "required": ["kind", "reason", "date"], "properties": {
                "kind": {"type": "string", "enum": ["cancelled", "moved_out"], "description": "注销 / 迁出"},
                "reason": {"type": "string", "maxLength": 200}, "date": {"type": "string", "format": "date"}}}}}});
            op["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
        }
        if r.path.starts_with("/api/v1/hot-issues/{id}/actions/") {
            op["requestBody"] = json!({"required": false, "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                "reason": {"type": "string", "description": "Why (required to dismiss)"},
                "lead_demand_id": {"type": "integer", "description": "Merge: the member demand the open ones are merged into (default: the earliest open member)"}}}}}});
            op["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
        }
        if r.path == "/api/v1/hot-issues/settings" && r.method == "PUT" {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                "min_enterprises": {"type": "integer", "minimum": 2, "maximum": 1000, "description": "K (default 5)"},
                "window_days": {"type": "integer", "minimum": 1, "maximum": 90, "description": "D (default 7)"},
                "min_similarity_pct": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Cosine threshold in hundredths (default 25)"},
                "min_significance_pct": {"type": "integer", "minimum": 0, "maximum": 2000, "description": "-log10 of the Poisson chance of the peak at the category's usual share, in hundredths (default 300; 0 = off)"}}}}}});
        }
        if r.path == "/api/v1/imports/{kind}" {
            op["requestBody"] = json!({"required": true, "content": {
                "text/csv": {"schema": {"type": "string", "format": "binary"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}});
        }
        if r.path == "/api/v1/demands" && r.method == "POST" {
            if let Some(p) = op["parameters"].as_array_mut() {
                p.push(json!({"name": "Idempotency-Key", "in": "header", "required": false,
                    "description": "A retry with the same key returns the first demand (200) instead of creating a second",
                    "schema": {"type": "string"}}));
            }
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DemandInput"}}}});
            op["responses"]["201"] = json!({"description": "Created", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}}});
        }
        if r.path == "/api/v1/demands/{id}/actions/{action}" {
            op["parameters"][1]["schema"] = json!({"type": "string", "enum": zhuqi_domain::demand::ACTIONS});
            op["requestBody"] = json!({"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionInput"}}}});
            op["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
        }
        // Regions and departments (city admin): add, rename, retire.
        let org_body = match (r.method, r.path) {
            ("POST", "/api/v1/regions") => {
                Some(json!({"type": "object", "required": ["parent_id", "name"], "properties": {
                "parent_id": {"type": "integer", "description": "The city (→ a district) or a district (→ a township)"},
                "name": {"type": "string", "maxLength": 50},
                "code": {"type": "string", "description": "Official code (district 6 digits, township 9); absent: generated <parent code>X01"},
                "kind": {"type": "string", "maxLength": 10}, "sort_order": {"type": "integer"}}}))
            }
            ("PATCH", "/api/v1/regions/{id}") => Some(json!({"type": "object", "properties": {
                "name": {"type": "string"}, "code": {"type": "string", "description": "Only while no enterprise is registered in it"},
                "kind": {"type": "string"}, "sort_order": {"type": "integer"},
                "retired": {"type": "boolean", "description": "true retires (409 with the count while it has enterprises), false restores"}}})),
            ("POST", "/api/v1/departments") => Some(json!({"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string", "maxLength": 60}, "short_name": {"type": "string", "maxLength": 20},
                "code": {"type": "string", "description": "Lowercase code; absent: generated dept-001…"},
                "parent_unit": {"type": "string"}}})),
            ("PATCH", "/api/v1/departments/{id}") => Some(json!({"type": "object", "properties": {
                "name": {"type": "string"}, "short_name": {"type": "string"}, "parent_unit": {"type": "string"},
                "retired": {"type": "boolean", "description": "true retires (409 with the count while it has open demands), false restores"},
                "successor_department_id": {"type": "integer", "description": "With retired: true, the department the category routes move to"}}})),
            _ => None,
        };
        if let Some(schema) = org_body {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": schema}}});
            op["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
            if r.method == "POST" {
                op["responses"]["201"] = json!({"description": "Created", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}}});
            }
        }
        // Visits: the bodies of recording and editing, needs → demands, campaigns.
        if (r.path == "/api/v1/visits" && r.method == "POST") || (r.path == "/api/v1/visits/{id}" && r.method == "PUT")
        {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VisitInput"}}}});
            op["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
        }
        if r.path == "/api/v1/visits/{id}/demands" {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {
                "type": "object", "required": ["category", "title"], "properties": {
                    "category": {"type": "string", "description": "4-digit code from GET /api/v1/categories"},
                    "title": {"type": "string", "maxLength": 100},
                    "description": {"type": "string", "description": "Defaults to the visit's needs"}}}}}});
        }
        if r.path == "/api/v1/campaigns" && r.method == "POST" {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {
                "type": "object", "required": ["name", "starts_on", "ends_on"], "properties": {
                    "name": {"type": "string", "maxLength": 100},
                    "district_id": {"type": "integer", "description": "Left out: the whole city (city admin) or the district admin's district"},
                    "starts_on": {"type": "string", "format": "date"}, "ends_on": {"type": "string", "format": "date", "description": "Included"}}}}}});
        }
        if r.method == "POST"
            && ["/api/v1/visits", "/api/v1/visits/{id}/demands", "/api/v1/campaigns"].contains(&r.path)
        {
            op["responses"]["201"] = json!({"description": "Created", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}}});
        }
        entry[r.method.to_ascii_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "zhuqi (助企) API",
            "version": "1",
            "description": "Scoped JSON API of the zhuqi enterprise-service platform. Authenticate with POST /api/v1/auth/login and send `Authorization: Bearer <token>`. Every list answers {items,total,page,per_page}; every error answers the Error envelope with a request id."
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "zhuqi_session"}
            },
            "schemas": {
                "List": {"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
                    "items": {"type": "array", "items": {"type": "object"}},
                    "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}},
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
                    "required": ["code", "message", "request_id"], "properties": {
                        "code": {"type": "string", "enum": ["unauthenticated", "bad_credentials", "locked", "forbidden", "not_found", "invalid", "invalid_rows", "conflict", "file_missing", "internal"]},
                        "message": {"type": "string"},
                        "request_id": {"type": "string"},
                        "field": {"type": "string", "description": "The input field at fault (code invalid)"},
                        "rows": {"type": "array", "description": "Every bad cell of an import (code invalid_rows)", "items": {"type": "object", "properties": {
                            "row": {"type": "integer"}, "column": {"type": "string"}, "message": {"type": "string"}}}}}}}},
                "DemandInput": {"type": "object", "required": ["enterprise_id", "category", "title", "description"], "properties": {
                    "enterprise_id": {"type": "integer"}, "category": {"type": "string", "description": "4-digit code from GET /api/v1/categories"},
                    "title": {"type": "string", "maxLength": 100}, "description": {"type": "string", "maxLength": 5000},
                    "urgency": {"type": "string", "enum": ["normal", "urgent"]}, "confidential": {"type": "boolean"}}},
                "ActionInput": {"type": "object", "description": "The fields the action needs; `version` makes the request fail with 409 if the demand changed since it was read.", "properties": {
                    "version": {"type": "integer"},
                    "department_id": {"type": "integer", "description": "dispatch, transfer: the lead department"},
                    "assisting": {"type": "array", "items": {"type": "integer"}, "description": "dispatch: assisting departments"},
                    "departments": {"type": "array", "items": {"type": "integer"}, "description": "add_assist"},
                    "text": {"type": "string", "description": "interim_reply, reply, add_info"},
                    "outcome_count": {"type": "integer", "description": "reply: e.g. permits issued"},
                    "reason": {"type": "string", "description": "object, transfer, return_reply, refuse_extension, suspend, withdraw, reject, request_extension"},
                    "rating": {"type": "string", "enum": ["very_satisfied", "satisfied", "neutral", "dissatisfied", "very_dissatisfied"]},
                    "comment": {"type": "string"}, "days": {"type": "integer", "description": "request_extension: extra working days (1–30)"},
                    "target": {"type": "integer", "description": "merge_into: the demand id kept"},
                    "note": {"type": "string", "description": "dispatch, urge, supervise"},
                    "due_days": {"type": "integer", "description": "supervise: working days of the supervision order"}}},
                "VisitInput": {"type": "object", "required": ["enterprise_id", "mode", "started_at", "roles"], "description": "A visit (走访). Editing (PUT) replaces these fields; enterprise_id may be left out there, and an optional version answers 409 when stale.", "properties": {
                    "enterprise_id": {"type": "integer", "description": "An enterprise currently assigned to the officer"},
                    "mode": {"type": "string", "enum": ["on_site", "phone", "video"]},
                    "started_at": {"type": "string", "format": "date-time", "description": "RFC 3339, e.g. 2026-05-31T23:30:00+08:00; counts for its calendar month in China time"},
                    "ended_at": {"type": "string", "format": "date-time"},
                    "roles": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": ["confidence", "policy", "investment", "difficulty", "epidemic"]}},
                    "policy": {"type": "string"}, "needs": {"type": "string"},
                    "production_status": {"type": "string", "enum": ["normal", "partial", "suspended"]},
                    "staff_situation": {"type": "string"}, "guidance": {"type": "string"}, "investment_leads": {"type": "string"},
                    "notes": {"type": "string"}, "lat": {"type": "number"}, "lon": {"type": "number"}, "accuracy_m": {"type": "number"},
                    "version": {"type": "integer"}}},
                "EnterpriseInput": {"type": "object", "required": ["credit_code", "name", "district_id", "industry_code", "size"], "properties": {
                    "credit_code": {"type": "string", "description": "统一社会信用代码, 18 characters, GB 32100-2015 check character"},
                    "name": {"type": "string"}, "district_id": {"type": "integer"}, "township_id": {"type": "integer"},
                    "industry_code": {"type": "string", "description": "GB/T 4754 code, e.g. C3443"},
                    "size": {"type": "string", "enum": ["above", "below"]},
                    "address": {"type": "string"}, "contact_name": {"type": "string"}, "contact_phone": {"type": "string"}}}
            },
            "responses": {"Error": {"description": "Error envelope", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
        }
    })
}

/// GET /api/v1/openapi.json
pub async fn serve() -> Json<Value> {
    Json(document())
}
