"""The OpenAPI 3.1 description of the read-only API."""

from __future__ import annotations

_DOC = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "status": {"type": "string"},
        "status_label": {"type": "string"},
        "filing_status": {"type": "string"},
        "kind": {"type": "string"},
        "issuer": {"type": "string"},
        "drafting_unit": {"type": "string"},
        "issue_number": {"type": ["string", "null"]},
        "normative_number": {"type": ["string", "null"]},
        "published_on": {"type": ["string", "null"], "format": "date"},
        "effective_on": {"type": ["string", "null"], "format": "date"},
        "validity_end_on": {"type": ["string", "null"], "format": "date"},
        "ended_on": {"type": ["string", "null"], "format": "date"},
    },
    "required": ["id", "title", "status"],
}
# Days left to the due date (negative: overdue), counted as the step's rule counts them.
_DAYS_COUNTED = {"type": "string", "enum": ["working_days", "calendar_days"]}
_DETAIL = {
    "allOf": [
        {"$ref": "#/components/schemas/Document"},
        {
            "type": "object",
            "properties": {
                "summary": {"type": "string"},
                "deadlines": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "label": {"type": "string"},
                            "due_on": {"type": "string", "format": "date"},
                            "days_left": {"type": "integer"},
                            "days_counted": _DAYS_COUNTED,
                            "rule": {"type": "string"},
                            "provisional": {"type": "boolean"},
                        },
                        "required": ["label", "due_on", "days_left", "days_counted", "rule", "provisional"],
                    },
                },
            },
            "required": ["summary", "deadlines"],
        },
    ],
}
_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_COMMON = {"401": _json({"$ref": "#/components/schemas/Error"}, "缺少或无效的令牌")}

SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "规范性文件审查备案跟踪 API",
        "version": "1.0.0",
        "description": "只读接口。每个用户在“接口令牌”页面创建令牌，以 `Authorization: Bearer <令牌>` 调用；"
        "权限与网页相同（起草单位只能看到本单位文件和已发布文件）。",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Document": _DOC, "DocumentDetail": _DETAIL, "Error": _ERROR},
    },
    "paths": {
        "/documents": {
            "get": {
                "summary": "文件列表",
                "operationId": "listDocuments",
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string"}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "page": {"type": "integer"},
                                "per_page": {"type": "integer"},
                                "total": {"type": "integer"},
                                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Document"}},
                            },
                            "required": ["items", "total"],
                        },
                        "文件",
                    ),
                    "400": _json({"$ref": "#/components/schemas/Error"}, "参数有误"),
                    **_COMMON,
                },
            }
        },
        "/documents/{id}": {
            "get": {
                "summary": "单个文件（含期限）",
                "operationId": "getDocument",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/DocumentDetail"}, "文件（含摘要和期限）"),
                    "403": _json({"$ref": "#/components/schemas/Error"}, "无权查看"),
                    "404": _json({"$ref": "#/components/schemas/Error"}, "不存在"),
                    **_COMMON,
                },
            }
        },
        "/deadlines": {
            "get": {
                "summary": "与本人有关的未办结期限",
                "operationId": "listDeadlines",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "kind": {"type": "string"},
                                            "kind_label": {"type": "string"},
                                            "level": {"type": "string"},
                                            "due_on": {"type": "string", "format": "date"},
                                            "days_left": {"type": "integer"},
                                            "days_counted": _DAYS_COUNTED,
                                            "provisional": {"type": "boolean"},
                                            "message": {"type": "string"},
                                            "document_id": {"type": ["integer", "null"]},
                                        },
                                    },
                                }
                            },
                        },
                        "期限",
                    ),
                    **_COMMON,
                },
            }
        },
        "/statistics/{year}": {
            "get": {
                "summary": "年度统计",
                "operationId": "getStatistics",
                "parameters": [{"name": "year", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "year": {"type": "integer"},
                                "rates": {"type": "object"},
                                "figures": {"type": "object"},
                            },
                        },
                        "统计",
                    ),
                    "403": _json({"$ref": "#/components/schemas/Error"}, "无权查看"),
                    **_COMMON,
                },
            }
        },
    },
}
