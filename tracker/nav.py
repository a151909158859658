"""Navigation by role: an entry shows when the user holds its permission (every endpoint named here must exist)."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_login import current_user

from tracker.auth.permissions import may

# (key, label, endpoint, permission); the clerk's deadlines board is the home page (main.index).
NAV = (
    ("home", "首页", "main.index", "document.view"),
    ("documents", "文件登记簿", "register.index", "document.view"),
    ("new-document", "登记草案", "documents.new", "document.create"),
    ("review-desk", "审查工作台", "review.desk", "review"),
    ("bureau-desk", "备案审查", "bureau.desk", "bureau"),
    ("city", "各镇街统计", "city.index", "city"),
    ("city-documents", "全市现行文件", "city.documents", "city"),
    ("city-campaigns", "全市清理", "city.campaigns", "city"),
    ("cleanup", "清理与评估", "cleanup.index", "document.view"),
    ("catalogue", "法规目录", "catalogue.index", "document.view"),
    ("solicitations", "上级征求意见", "solicitations.index", "solicitation.view"),
    ("reports", "年度统计", "reports.annual", "reports.view"),
    ("import", "补录文件", "publication.import_register", "office"),
    ("rules", "规则设置", "rules.rules", "rules.view"),
    ("numbering", "编号规则", "numbering.page", "admin"),
    ("precheck-rules", "预检规则", "precheck_rules.index", "install"),
    ("users", "用户管理", "admin.users", "people"),
    ("units", "单位管理", "admin.units", "people"),
    ("word-templates", "文书模板", "outputs.templates", "install"),
    ("my-history", "我的操作记录", "audit.my_events", "self"),
    ("account", "订阅与令牌", "alerts.account", "self"),
)


def register(app: Flask) -> None:
    @app.context_processor
    def nav_items():
        if not current_user.is_authenticated:
            return {"nav_items": []}
        items = []
        for key, label, endpoint, permission in NAV:
            if may(current_user, permission):
                items.append(
                    {"key": key, "label": label, "url": url_for(endpoint), "active": request.endpoint == endpoint}
                )
        return {"nav_items": items}
