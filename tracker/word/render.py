"""Rendering a .docx template with docxtpl in a sandboxed, autoescaping Jinja environment; checking a template.

A template may come from an administrator's Word file, so it runs in jinja2's ImmutableSandboxedEnvironment
(no access to Python internals, no mutation of the context) with autoescape on: user text with & or < would
otherwise break the XML and give a file Word refuses to open.

Every render and every check runs in a child process with limits on CPU time and memory
(tracker/common/confine.py), and the sandbox bounds what one expression or one part may produce: a template
with loops nested in loops, or {{ 'x' * 30000000 }}, is refused without tying up the web worker.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field

import docx
from docxtpl import DocxTemplate
from flask import current_app, has_app_context
from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree

from tracker.common import confine
from tracker.errors import ValidationFailed
from tracker.files.uploads import check_docx
from tracker.word.preview import docx_to_html
from tracker.word.spec import TemplateSpec

# Jinja names a template may use besides the fields: loop variables are declared by the template itself.
ALLOWED_GLOBALS = frozenset({"loop", "range", "namespace", "cycler", "joiner"})
# Characters XML 1.0 forbids (a pasted control character would otherwise make the file unreadable).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What one rendered part (the body, a header …) may hold: a long opinion is about 300,000 characters of XML.
MAX_PART_CHARS = 8_000_000
# The rendered file may exceed its template by this much (the template's own images are copied as they are).
MAX_GROWTH_BYTES = 16 * 1024 * 1024
# Limits of the child process a render or a check runs in (overridden by WORD_RENDER_SECONDS / _MEMORY_MB).
RENDER_SECONDS = 10
RENDER_MEMORY_MB = 512
TOO_BIG = "模板生成的内容过长（可能含有重复运算或循环），已停止生成。请管理员检查模板。"


class RenderError(ValidationFailed):
    """The template could not be rendered (it was changed after validation, or the record is malformed)."""


class _Env(ImmutableSandboxedEnvironment):
    """Keeps compiled templates: docxtpl compiles the same document XML on every render (half the time).

    Bounds what a template produces: a repetition ('x' * n, [..] * n) or a power beyond the limits is refused
    before it is computed, and a part's output is counted as it is produced, not after it has filled memory.
    """

    CACHE_SIZE = 32
    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **kw):
        super().__init__(**kw)
        self._compiled: OrderedDict[str, Template] = OrderedDict()
        self._lock = threading.Lock()

    def call_binop(self, context, operator, left, right):
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and len(seq) * times > MAX_PART_CHARS:
                    raise RenderError(TOO_BIG)
        elif operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise RenderError(TOO_BIG)
        return super().call_binop(context, operator, left, right)

    def concat(self, parts) -> str:
        out: list[str] = []
        size = 0
        for part in parts:
            size += len(part)
            if size > MAX_PART_CHARS:
                raise RenderError(TOO_BIG)
            out.append(part)
        return "".join(out)

    def from_string(self, source, globals=None, template_class=None):
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        with self._lock:
            compiled = self._compiled.get(source)
            if compiled is not None:
                self._compiled.move_to_end(source)
                return compiled
        compiled = super().from_string(source)
        with self._lock:
            self._compiled[source] = compiled
            while len(self._compiled) > self.CACHE_SIZE:
                self._compiled.popitem(last=False)
        return compiled


def make_env(*, strict: bool = False) -> ImmutableSandboxedEnvironment:
    env = _Env(autoescape=True, undefined=StrictUndefined if strict else Undefined, keep_trailing_newline=True)
    env.globals = {name: env.globals[name] for name in ("range", "namespace", "cycler", "joiner")}
    return env


_ENV = make_env()


def clean_text(value: str) -> str:
    """User text for XML: Windows line ends become \n (docxtpl turns it into a line break), illegal characters go."""
    return _XML_ILLEGAL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def clean(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def _budget() -> tuple[float, int]:
    config = current_app.config if has_app_context() else {}
    return config.get("WORD_RENDER_SECONDS", RENDER_SECONDS), config.get("WORD_RENDER_MEMORY_MB", RENDER_MEMORY_MB)


def _confined(fn, *args):
    """fn(*args) in a child process within the render budget; running out of it is a refusal, in Chinese."""
    seconds, memory_mb = _budget()
    try:
        return confine.run(fn, *args, seconds=seconds, memory_mb=memory_mb)
    except confine.LimitExceeded as exc:
        what = {"time": f"超过 {seconds:g} 秒", "memory": f"超过 {memory_mb} MB 内存"}.get(exc.reason, "异常中止")
        raise RenderError(
            f"模板生成文档{what}（可能含有嵌套循环或过长的内容），已停止生成。请管理员检查模板。"
        ) from None


def _render_here(template: bytes, context: dict, env: ImmutableSandboxedEnvironment | None = None) -> bytes:
    tpl = DocxTemplate(io.BytesIO(template))
    try:
        tpl.render(clean(context), jinja_env=env or _ENV, autoescape=True)
    except SecurityError:
        raise RenderError("模板含有不允许的语句（试图访问系统内部对象），已停止生成。") from None
    except UndefinedError as exc:
        raise RenderError(f"模板使用了未知字段：{exc.message}。") from None
    except TemplateError as exc:
        raise RenderError(f"模板无法生成文档：{exc.message or exc}") from None
    except RecursionError:
        raise RenderError(TOO_BIG) from None
    out = io.BytesIO()
    tpl.save(out)
    data = out.getvalue()
    if len(data) > len(template) + MAX_GROWTH_BYTES:
        raise RenderError(TOO_BIG)
    return data


def _render_checked_here(template: bytes, context: dict) -> bytes:
    data = _render_here(template, context)
    try:
        check_rendered(data, open_with_docx=False)
    except (etree.XMLSyntaxError, zipfile.BadZipFile):
        raise RenderError("生成的文档无效（模板或数据含有无法写入 Word 的内容），未保存。请管理员检查模板。") from None
    return data


def render_docx(template: bytes, context: dict) -> bytes:
    """Render the template with the context (in a limited child process); returns the .docx bytes."""
    return _confined(_render_here, template, context)


def render_checked(template: bytes, context: dict) -> bytes:
    """Render, then make sure every XML part parses: a record is never a file Word would refuse."""
    return _confined(_render_checked_here, template, context)


def _preview_here(template: bytes, context: dict) -> str:
    return docx_to_html(_render_here(template, context))


def _html_here(data: bytes) -> str:
    return docx_to_html(data)


def render_preview(template: bytes, context: dict) -> str:
    """The template rendered with the context, as the preview's safe HTML (both steps in the child)."""
    return _confined(_preview_here, template, context)


def preview_html(data: bytes) -> str:
    """A stored .docx as the preview's safe HTML, converted in a limited child process."""
    return _confined(_html_here, data)


# --- checking a template -------------------------------------------------------------------------------


@dataclass
class TemplateCheck:
    problems: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems


def template_sources(template: bytes) -> list[str]:
    """Every text docxtpl hands to Jinja: the body, headers, footers, footnotes and core properties."""
    tpl = DocxTemplate(io.BytesIO(template))
    tpl.init_docx()
    sources = [tpl.patch_xml(tpl.get_xml())]
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for _key, part in tpl.get_headers_footers(uri):
            sources.append(tpl.patch_xml(tpl.get_part_xml(part)))
    for part in tpl.docx.part.package.parts:
        if part.content_type.endswith(".footnotes+xml"):
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
            sources.append(tpl.patch_xml(blob))
    core = tpl.docx.core_properties
    properties = ("author", "comments", "identifier", "language", "subject", "title")
    sources += [getattr(core, name) or "" for name in properties]
    return sources


def _reaches_internals(ast: nodes.Template) -> bool:
    """Attribute or item names starting with _ (''.__class__, x['__globals__'], |attr('__init__'))."""
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Const)):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            return True
        if isinstance(node, nodes.Const) and isinstance(node.value, str) and "__" in node.value:
            return True
    return False


def _turns_escaping_off(ast: nodes.Template) -> bool:
    """|safe or {% autoescape false %} would let user text with & or < break the file's XML."""
    if any(node.name == "safe" for node in ast.find_all(nodes.Filter)):
        return True
    return any(True for _ in ast.find_all((nodes.EvalContextModifier, nodes.ScopedEvalContextModifier)))


# The parts docxtpl writes from the template (the others are copied unchanged).
_RENDERED_PART = re.compile(r"^(word/(document|header\d*|footer\d*|footnotes)\.xml|docProps/core\.xml)$")


def check_rendered(data: bytes, *, open_with_docx: bool = True) -> None:
    """Every rendered XML part parses strictly (all parts, and python-docx opens it, when open_with_docx)."""
    parser = etree.XMLParser(recover=False, resolve_entities=False)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")) and (open_with_docx or _RENDERED_PART.match(name)):
                etree.fromstring(zf.read(name), parser=parser)
    if open_with_docx:
        docx.Document(io.BytesIO(data))


HOSTILE = "&<>\"'"


def hostile(value):
    """A sample with XML's special characters appended to every text: a template must still give a valid file."""
    if isinstance(value, str):
        return value + HOSTILE if value else value
    if isinstance(value, dict):
        return {k: hostile(v) for k, v in value.items()}
    if isinstance(value, list):
        return [hostile(v) for v in value]
    return value


def check_template(spec: TemplateSpec, data: bytes) -> TemplateCheck:
    """Validate a template before it may become active: opens, known fields only, required fields, renders.

    The whole check runs in one limited child process: a template whose samples take too long or too much
    memory to render is refused like any other.
    """
    try:
        return _confined(_check_here, spec, data)
    except RenderError as exc:
        return TemplateCheck(problems=[exc.message])


def _check_here(spec: TemplateSpec, data: bytes) -> TemplateCheck:
    result = TemplateCheck()
    try:
        check_docx(data)
        sources = template_sources(data)
    except ValidationFailed as exc:
        result.problems.append(exc.message)
        return result
    except Exception:  # python-docx/lxml raise many types on a malformed package
        result.problems.append("该文件无法作为 Word 文档打开，请在 Word 中另存为 .docx 后重新上传。")
        return result

    env = make_env(strict=True)
    asts = []
    for source in sources:
        try:
            asts.append(env.parse(source))
        except TemplateSyntaxError as exc:
            text = re.sub(r"<[^>]+>", "", exc.message or "")
            result.problems.append(f"模板语法错误：{text}（请检查 {{{{ }}}} 和 {{% %}} 是否成对、拼写是否正确）。")
            return result
    if any(_reaches_internals(ast) for ast in asts):
        result.problems.append("模板含有不允许的语句（试图访问系统内部对象，如以下划线开头的名称）。")
        return result
    if any(_turns_escaping_off(ast) for ast in asts):
        result.problems.append("模板不能关闭转义（safe 过滤器或 autoescape 语句），否则含 & 或 < 的内容会损坏文档。")
        return result
    for ast in asts:
        result.used |= meta.find_undeclared_variables(ast)
    unknown = sorted(result.used - spec.names - ALLOWED_GLOBALS)
    if unknown:
        result.problems.append("模板使用了未知字段：" + "、".join(unknown) + "。")
    missing = sorted(spec.required - result.used)
    if missing:
        labels = {f.name: f.label for f in spec.fields}
        result.problems.append("模板缺少必需字段：" + "、".join(f"{m}（{labels[m]}）" for m in missing) + "。")
    if result.problems:
        return result
    # Render against every sample (full and sparse), with unknown nested names as errors.
    samples = spec.samples()
    for sample in [*samples, hostile(samples[0])]:
        try:
            check_rendered(_render_here(data, sample, env))
        except RenderError as exc:
            result.problems.append(exc.message)
            break
        except (etree.XMLSyntaxError, zipfile.BadZipFile, ValueError, KeyError):
            result.problems.append("模板生成的文档不是有效的 Word 文档（可能是标签把表格或段落拆断了）。")
            break
    return result
