"""Excel exports (issue #8 item 4): the register under its filter, the review desk; real workbooks read back."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from tests.register.test_register import make, reg  # noqa: F401  (the register's fixture)
from tracker.common import xlsx
from tracker.documents.states import DocStatus
from tracker.register import export
from tracker.review import export as review_export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


def rows(ws) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    header = values[0]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


def test_register_export_has_a_bold_frozen_header_and_widths(reg, login_as):  # noqa: F811
    r = login_as("clerk").get("/documents/export.xlsx")
    assert "attachment" in r.headers["Content-Disposition"]
    assert ".xlsx" in r.headers["Content-Disposition"]
    ws = workbook(r).active
    assert ws.title == "文件登记簿"
    assert [c.value for c in ws[1]] == [c.header for c in export.REGISTER_COLUMNS]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width == 50  # 文件名称
    assert ws.auto_filter.ref == f"A1:P{ws.max_row}"
    assert ws.max_row == 1 + 8


def test_register_export_follows_the_filter_and_the_sort(reg, login_as):  # noqa: F811
    r = login_as("clerk").get("/documents/export.xlsx?status=in_force&sort=published&dir=asc")
    got = rows(workbook(r).active)
    assert [row["编号"] for row in got] == [reg.expiring_soon, reg.in_force, reg.in_force_long]
    first = got[0]
    assert first["文件名称"] == "测试镇辛类即将届满办法"
    assert first["状态"] == "施行中" and first["文件类别"] == "政府规范性文件"
    assert first["发文机关"] == "测试镇人民政府" and first["起草单位"] == "测试镇综合行政执法局"
    assert first["规范性文件编号"] == "沙府规字〔2021〕9号" and first["发文字号"] == "测府〔2021〕9号"


def test_dates_are_real_dates_with_a_date_format(reg, login_as):  # noqa: F811
    ws = workbook(login_as("clerk").get("/documents/export.xlsx?status=in_force&sort=published&dir=asc")).active
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    published = row["发布日期"]
    assert published.is_date and published.number_format == "yyyy-mm-dd"
    # openpyxl reads a date cell back as a datetime at midnight: the cell holds a date serial, not text.
    assert published.value == datetime(2021, 12, 1)
    assert row["有效期至"].value == datetime(2026, 12, 31)
    updated = row["更新时间"]
    assert updated.is_date and updated.number_format == "yyyy-mm-dd hh:mm"
    # 2026-03-01 02:00 UTC is 10:00 in Beijing: the office's wall-clock time.
    assert updated.value == datetime(2026, 3, 1, 10, 0)
    assert row["失效日期"].value is None


def test_a_drafter_exports_only_what_the_register_shows_them(reg, login_as):  # noqa: F811
    got = rows(workbook(login_as("drafter2").get("/documents/export.xlsx")).active)
    published = {reg.in_force, reg.in_force_long, reg.published, reg.repealed, reg.expiring_soon}
    assert {row["编号"] for row in got} == published | {reg.draft_2025}
    # A draft is not "未报备": filing concerns published documents only.
    draft = next(row for row in got if row["编号"] == reg.draft_2025)
    assert draft["报备情况"] is None


def test_search_applies_to_the_export(reg, login_as):  # noqa: F811
    got = rows(workbook(login_as("clerk").get("/documents/export.xlsx?q=即将届满")).active)
    assert [row["编号"] for row in got] == [reg.expiring_soon]


def test_a_title_that_looks_like_a_formula_stays_text(db, world, now, login_as):
    make(world, now, '=HYPERLINK("http://evil.example","点我")', status=DocStatus.DRAFTING)
    db.session.commit()
    ws = workbook(login_as("clerk").get("/documents/export.xlsx")).active
    cell = ws["B2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil.example","点我")'


def test_an_empty_export_still_has_its_header(db, world, login_as):
    ws = workbook(login_as("clerk").get("/documents/export.xlsx")).active
    assert ws.max_row == 1 and ws["A1"].value == "编号"


# --- the review desk and any other list -------------------------------------------------------------------


def test_review_desk_rows_export(app):
    desk = [
        SimpleNamespace(
            document=SimpleNamespace(
                title="沙溪镇集贸市场管理规定",
                drafting_unit=SimpleNamespace(name="沙溪镇市场监管办"),
                status=DocStatus.UNDER_REVIEW,
            ),
            round=SimpleNamespace(round_no=2, received_on=date(2026, 10, 9), reviewer=None),
            due_on=date(2026, 10, 23),
            days_left=-3,
            provisional=True,
        )
    ]
    with app.test_request_context():
        response = review_export.review_desk_response(desk, today=date(2026, 11, 2))
        response.direct_passthrough = False
        ws = workbook(response).active
    assert ws.title == "审查工作台"
    assert [c.value for c in ws[1]] == [c.header for c in review_export.REVIEW_DESK_COLUMNS]
    assert [c.value for c in ws[2]] == [
        "沙溪镇集贸市场管理规定",
        "沙溪镇市场监管办",
        2,
        datetime(2026, 10, 9),
        datetime(2026, 10, 23),
        -3,
        "是",
        "未分配",
        "审查中",
    ]
    assert ws["D2"].is_date and ws["E2"].number_format == "yyyy-mm-dd"


@pytest.mark.parametrize(
    "value, expected",
    [("正常\x07文本\x1b", "正常文本"), ("", None), (None, None), ("+1", "+1"), ("-1", "-1")],
)
def test_write_xlsx_cleans_what_excel_cannot_hold(value, expected):
    buf = io.BytesIO()
    n = xlsx.write_xlsx(buf, [xlsx.Column("列", 10)], [(value,)], sheet_title="a/b:c?")
    assert n == 1
    ws = openpyxl.load_workbook(buf).active
    assert ws.title == "a b c " and ws["A2"].value == expected


def test_a_list_export_is_sent_as_it_is_made():
    """The first bytes leave before any row is read, then a chunk every STREAM_BATCH rows: a whole register is
    never waited for, nor held, before the download starts (issue #17)."""
    read = 0
    total = 2 * xlsx.STREAM_BATCH + 7

    def rows():
        nonlocal read
        for i in range(total):
            read += 1
            yield (i, f"文件{i}", date(2026, 1, 1), datetime(2026, 3, 1, 2, 0, tzinfo=UTC))

    columns = [xlsx.Column("编号", 8, "number"), xlsx.Column("名称", 20), xlsx.Column("日", 12, "date")]
    columns.append(xlsx.Column("时", 17, "datetime"))
    read_at_chunk = []
    data = b""
    for chunk in xlsx.stream_xlsx(columns, rows(), sheet_title="清单", tz=ZoneInfo("Asia/Shanghai")):
        read_at_chunk.append(read)
        data += chunk
    assert read_at_chunk[0] == 0 and data[:2] == b"PK"
    assert read_at_chunk[1:3] == [xlsx.STREAM_BATCH, 2 * xlsx.STREAM_BATCH]
    assert read_at_chunk[-1] == total
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.max_row == total + 1 and ws.title == "清单"
    assert [c.value for c in ws[total + 1]] == [
        total - 1,
        f"文件{total - 1}",
        datetime(2026, 1, 1),
        datetime(2026, 3, 1, 10),
    ]
    assert ws.auto_filter.ref == f"A1:D{total + 1}"


def test_the_register_export_is_a_streamed_response(reg, login_as):  # noqa: F811
    r = login_as("clerk").get("/documents/export.xlsx", buffered=False)
    assert r.is_streamed and r.headers["Cache-Control"] == "no-store"
    assert "filename*=UTF-8''%E6%96%87%E4%BB%B6%E7%99%BB%E8%AE%B0%E7%B0%BF" in r.headers["Content-Disposition"]
    data = b"".join(r.response)
    r.close()
    assert openpyxl.load_workbook(io.BytesIO(data)).active.max_row == 1 + 8


def test_repeated_values_keep_their_own_type_and_empty_cells_keep_their_place():
    """The streamed sheet reuses the XML of a value seen before in its column: True is not 1, and an empty cell
    still takes its column (cells carry no reference of their own)."""
    columns = [xlsx.Column("数", 8, "number"), xlsx.Column("空", 8), xlsx.Column("文", 8)]
    rows = [(1, None, "甲"), (True, "", "乙"), (1, None, "甲"), (1.5, "有", "")]
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.stream_xlsx(columns, rows, sheet_title="表")))).active
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [
        [1, None, "甲"],
        ["True", None, "乙"],
        [1, None, "甲"],
        [1.5, "有", None],
    ]
    assert ws["A3"].data_type == "s" and ws["A4"].data_type == "n"
