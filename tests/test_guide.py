"""Code blocks of the user guide run, and do what the text around them says.

A block is found by the title of its section, not by line numbers: the first
``.. code-block:: python`` after the title is taken, dedented and executed,
and its printed output checked against the guide's claim.
"""

import contextlib
import io
import re
import textwrap
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user_guide"


def code_block_after(rst, title):
    """The first Python code block in the section titled ``title`` of ``rst``."""
    text = (GUIDE / rst).read_text(encoding="utf-8")
    heading = re.search(rf"^{re.escape(title)}\n([-=~^\"'`#*+])\1+\n", text, re.M)
    assert heading, f"no section titled {title!r} in {rst}"
    section = text[heading.end() :]
    next_heading = re.search(r"^\S.*\n([-=~^\"'`#*+])\1+\n", section, re.M)
    if next_heading:
        section = section[: next_heading.start()]
    block = re.search(
        r"^\.\. code-block:: python\n(?:[ \t]+:.*\n)*\n((?:[ \t]+.*\n|\n)+)",
        section,
        re.M,
    )
    assert block, f"no Python code block in the section {title!r} of {rst}"
    return textwrap.dedent(block.group(1))


def run_printing(code):
    """Execute ``code`` in a fresh namespace; what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<user guide>", "exec"), {"__name__": "__guide__"})
    return out.getvalue()


def test_checking_a_gradient_yourself():
    """backpropagation.rst: analytic and central-difference gradients agree.

    The guide says the printed largest difference is "about 1e-10": it must
    print one number, and that number must be below 1e-8 (the truncation
    error of h = 1e-6 is ~1e-12, the rounding error ~1e-10).
    """
    code = code_block_after("backpropagation.rst", "Checking a gradient yourself")
    printed = run_printing(code).split()
    assert len(printed) == 1, printed
    assert 0 <= float(printed[0]) < 1e-8
