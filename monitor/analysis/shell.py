"""Is a plainly fetched page an empty shell that JavaScript fills in?

Single-page apps and many news portals send a page with almost no text: a script
bundle and an empty element the script renders into (``<div id="root"></div>``), often
with a ``<noscript>`` asking to enable JavaScript. Watched plainly, dialogue-watch
would watch the shell; such a source needs ``render: browser``
(``monitor.fetch.browser``).

``check(root)`` is pure: it reads an lxml tree (``extract.parse_html(html).tree``) and
decides from structure, never from a list of phrases:

* the page shows almost no text of its own (``MAX_SHOWN_CHARS``: scripts, styles,
  ``<noscript>`` and templates do not count), and
* it loads a script that builds it (an external script, a module, or a large inline
  one), and
* something says the text is missing: an empty mount element (an element with an id
  or a custom element, holding nothing, directly in ``<body>`` or named like a mount
  point), a ``<noscript>`` that names JavaScript, or no text at all.

Example: ``check(lxml.html.fromstring('<html><body><div id="root"></div>'
'<script src="/app.js"></script></body></html>')).words`` says to add ``render: browser``.
"""

import dataclasses
import re

MAX_SHOWN_CHARS = 200  # "Loading…", a cookie line, a title: not a page
BIG_INLINE_SCRIPT = 2000  # characters of inline JavaScript that build the page
MOUNT_NAME = re.compile(r"^(root|app|main|__next|__nuxt|___gatsby|app-root|svelte|q-app|"
                        r"application|react-root|vue-app|ember-application)$|(^|[-_])(root|app)$",
                        re.I)
JAVASCRIPT = re.compile(r"javascript|(?<![a-z])js(?![a-z])", re.I)
QUIET = {"script", "style", "noscript", "template", "head", "title", "svg", "link", "meta"}
# The sign of this problem in an observation's error (monitor.analysis.events.PROBLEM_SIGNS).
SIGN = "add render: browser"


@dataclasses.dataclass(frozen=True)
class Shell:
    shown_chars: int
    reasons: tuple  # what gave it away, in plain words

    @property
    def words(self):
        """The error stored for the fetch, for a campaigner."""
        return ("the page arrived as an empty shell that JavaScript fills in "
                f"({'; '.join(self.reasons)}), so a plain fetch does not see its text. Fix: "
                f"{SIGN} to this source in sources.yaml, so a headless browser shows it first")


def check(root):
    """The ``Shell`` the page at ``root`` (an lxml element tree) is, or None."""
    if root is None:
        return None
    body = _body(root)
    shown = shown_chars(body, MAX_SHOWN_CHARS) if body is not None else 0
    if shown > MAX_SHOWN_CHARS:
        return None
    bundle = script_bundle(root)
    if bundle is None:
        return None
    reasons = [r for r in (empty_mount(body), noscript_asks(root)) if r]
    if not reasons and shown == 0:
        reasons = ["nothing else on the page"]
    if not reasons:
        return None
    text = f"only {shown} characters of text" if shown else "no text"
    return Shell(shown, (text, bundle, *reasons))


def shown_chars(element, limit=None):
    """Characters of text the page shows itself (outside scripts, styles, noscript...);
    with ``limit``, the count stops as soon as it passes it (a page of text is not read
    to its end to learn that it is not a shell)."""
    total, todo = 0, [element]
    while todo and (limit is None or total <= limit):
        node = todo.pop()
        if isinstance(node.tag, str) and node.tag.lower() not in QUIET:
            total += _chars(node.text)
            todo.extend(node)
        if node is not element:  # its parent shows it: only children of shown nodes get here
            total += _chars(node.tail)
    return total


def script_bundle(root):
    """What script builds the page, in words, or None."""
    scripts = [s for s in root.iter("script") if _is_javascript(s)]
    external = [s for s in scripts if s.get("src")]
    if external:
        return f"it loads {len(external)} script{'s' if len(external) != 1 else ''}"
    if any((s.get("type") or "").lower() == "module" for s in scripts):
        return "it runs a JavaScript module"
    inline = sum(len(s.text or "") for s in scripts)
    if inline >= BIG_INLINE_SCRIPT:
        return f"it runs {inline:,} characters of inline JavaScript"
    return None


def empty_mount(body):
    """An empty element the script renders into, in words, or None."""
    if body is None:
        return None
    for node in body.iter():
        if not isinstance(node.tag, str) or node is body or node.tag.lower() in QUIET:
            continue
        ident = node.get("id") or ""
        custom = "-" in node.tag
        at_top = node.getparent() is body
        if (MOUNT_NAME.search(ident) or ((ident or custom) and at_top)) and _empty(node):
            return f"an empty <{node.tag.lower()}{f' id={ident}' if ident else ''}> for it to fill"
    return None


def noscript_asks(root):
    """A <noscript> that names JavaScript, in words, or None."""
    for node in root.iter("noscript"):
        if JAVASCRIPT.search(node.text_content() or ""):
            return "a <noscript> asks to enable JavaScript"
    return None


def _body(root):
    if isinstance(root.tag, str) and root.tag.lower() == "body":
        return root
    return next(root.iter("body"), None)


def _empty(node):
    """Nothing shown inside: no text and no element but scripts, styles or comments."""
    if _chars(node.text):
        return False
    return not any((isinstance(child.tag, str) and child.tag.lower() not in QUIET)
                   or _chars(child.tail) for child in node)


def _chars(text):
    return len(" ".join((text or "").split()))


def _is_javascript(script):
    kind = (script.get("type") or "text/javascript").lower()
    return kind in ("module", "text/javascript", "application/javascript") or "javascript" in kind
