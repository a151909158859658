"""Rendering a .docx template with docxtpl in a sandboxed, autoescaping Jinja environment; checking a template.

A template may come from an administrator's Word file, so it runs in jinja2's ImmutableSandboxedEnvironment
(no access to Python internals, no mutation of the context) with autoescape on: user text with & or < would
otherwise break the XML and give a file Word refuses to open.
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
from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree

from tracker.errors import ValidationFailed
from tracker.files.uploads import check_docx
from tracker.word.spec import TemplateSpec

# Jinja names a template may use besides the fields: loop variables are declared by the template itself.
ALLOWED_GLOBALS = frozenset({"loop", "range", "namespace", "cycler", "joiner"})
# Characters XML 1.0 forbids (a pasted control character would otherwise make the file unreadable).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class RenderError(ValidationFailed):
    """The template could not be rendered (it was changed after validation, or the record is malformed)."""


class _Env(ImmutableSandboxedEnvironment):
    """Keeps compiled templates: docxtpl compiles the same document XML on every render (half the time)."""

    CACHE_SIZE = 32

    def __init__(self, **kw):
        super().__init__(**kw)
        self._compiled: OrderedDict[str, Template] = OrderedDict()
        self._lock = threading.Lock()

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


def render_docx(template: bytes, context: dict, *, env: ImmutableSandboxedEnvironment | None = None) -> bytes:
    """Render the template with the context; returns the .docx bytes."""
    tpl = DocxTemplate(io.BytesIO(template))
    try:
        tpl.render(clean(context), jinja_env=env or _ENV, autoescape=True)
    except SecurityError:
        raise RenderError("模板含有不允许的语句（试图访问系统内部对象），已停止生成。") from None
    except UndefinedError as exc:
        raise RenderError(f"模板使用了未知字段：{exc.message}。") from None
    except TemplateError as exc:
        raise RenderError(f"模板无法生成文档：{exc.message or exc}") from None
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def render_checked(template: bytes, context: dict) -> bytes:
    """Render, then make sure every XML part parses: a record is never a file Word would refuse."""
    data = render_docx(template, context)
    try:
        check_rendered(data, open_with_docx=False)
    except (etree.XMLSyntaxError, zipfile.BadZipFile):
        raise RenderError("生成的文档无效（模板或数据含有无法写入 Word 的内容），未保存。请管理员检查模板。") from None
    return data


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
    """Validate a template before it may become active: opens, known fields only, required fields, renders."""
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
            check_rendered(render_docx(data, sample, env=env))
        except RenderError as exc:
            result.problems.append(exc.message)
            break
        except (etree.XMLSyntaxError, zipfile.BadZipFile, ValueError, KeyError):
            result.problems.append("模板生成的文档不是有效的 Word 文档（可能是标签把表格或段落拆断了）。")
            break
    return result
