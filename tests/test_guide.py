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


# -- tuning.rst: each section's example, run after the page's data block ------


def printed_in_guide(rst, title):
    """The output pasted after "It printed::" in the section ``title``."""
    text = (GUIDE / rst).read_text(encoding="utf-8")
    start = text.index(f"\n{title}\n")
    pasted = re.search(r"printed::\n\n((?:[ \t]+.*\n|\n)+)", text[start:])
    assert pasted, f"no pasted output in the section {title!r} of {rst}"
    return textwrap.dedent(pasted.group(1)).strip()


def run_tuning_example(title):
    """(printed lines, pasted lines) of the tuning page's example ``title``."""
    namespace = {"__name__": "__guide__"}
    exec(code_block_after("tuning.rst", "The data of this page"), namespace)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code_block_after("tuning.rst", title), title, "exec"), namespace)
    printed = out.getvalue().strip().splitlines()
    return printed, printed_in_guide("tuning.rst", title).splitlines()


def table(lines):
    """Rows of a printed table after its header: name -> its numbers."""
    rows = {}
    for line in lines[1:]:
        name, *numbers = re.split(r"\s{2,}", line.strip())
        rows[name] = [float(n) for n in numbers]
    return rows


def assert_as_pasted(printed, pasted, column, atol):
    """The printed table has the pasted rows, and ``column`` agrees within atol.

    The pasted output comes from one machine; another BLAS may round
    differently, so only one column (an accuracy) is compared, with a
    tolerance, row by row.
    """
    assert printed[0] == pasted[0] and len(printed) == len(pasted)
    for ours, theirs in zip(printed[1:], pasted[1:], strict=True):
        ours, theirs = re.split(r"\s{2,}", ours), re.split(r"\s{2,}", theirs)
        assert ours[0] == theirs[0]
        assert abs(float(ours[column]) - float(theirs[column])) <= atol, ours


def test_tuning_learning_rate_and_batch_size():
    printed, pasted = run_tuning_example("Learning rate and batch size")
    rows = [[float(v) for v in line.split()] for line in printed[1:]]
    assert len(rows) == 8
    by = {(int(b), lr): (epochs, loss, acc) for b, lr, epochs, loss, acc in rows}
    for batch in (32, 256):
        # too small: max_iter reached; about right: converged, loss near zero
        assert by[batch, 1e-4][0] == 100
        assert by[batch, 1e-2][0] < 100 and by[batch, 1e-2][1] < 0.01
        # too large: the last loss is far above the right step size's
        assert by[batch, 1e-1][1] > 10 * by[batch, 1e-2][1]
    assert by[256, 1e-4][2] < by[32, 1e-4][2] - 0.05  # 6 steps an epoch: far off
    assert_as_pasted(printed, pasted, column=-1, atol=0.02)


def test_tuning_choosing_a_solver():
    printed, pasted = run_tuning_example("Choosing a solver")
    rows = table(printed)
    assert list(rows) == ["adam", "sgd", "rmsprop", "adagrad", "lbfgs"]
    for iterations, accuracy in rows.values():
        assert accuracy > 0.95 and iterations < 300  # every one gets there
    assert rows["lbfgs"][0] < 30  # few iterations on small data
    assert_as_pasted(printed, pasted, column=-1, atol=0.02)


def test_tuning_epochs_and_early_stopping():
    printed, pasted = run_tuning_example("Epochs and early stopping")
    rows = table(printed)
    default, split, given = rows.values()
    # "three times sooner", and "it cost a point of accuracy"
    assert split[0] * 2.5 < default[0] and given[0] * 2.5 < default[0]
    assert default[1] > split[1] > 0.9 and default[1] > given[1] > 0.9
    assert_as_pasted(printed, pasted, column=-1, atol=0.02)


def test_tuning_dropout_against_l2():
    printed, pasted = run_tuning_example("Dropout against L2")
    test = {name: numbers[1] for name, numbers in table(printed).items()}
    train = [numbers[0] for numbers in table(printed).values()]
    assert min(train) > 0.98  # every model fits its training rows
    # the order the text states: none < dropout alone < L2 < L1, with or
    # without dropout on top
    assert test["none"] < test["dropout=0.3"] < test["L2, alpha=1"]
    assert test["none"] < test["dropout=0.5"] < test["L2, alpha=1"]
    assert test["L2, alpha=1"] + 0.1 < test["L1, alpha=0.3"]
    assert test["L2, alpha=1"] + 0.1 < test["L1 + dropout=0.3"]
    assert_as_pasted(printed, pasted, column=2, atol=0.03)


def test_tuning_threads():
    printed, pasted = run_tuning_example("Threads on small or shared machines")
    # timings depend on the machine and its load: the example runs and
    # prints two positive times, in the pasted form
    pattern = (
        r"skmlp's choice: (\d+\.\d{3}) s; every BLAS thread: (\d+\.\d{3}) s; "
        r"one thread: (\d+\.\d{3}) s"
    )
    for line in (printed, pasted):
        assert len(line) == 1
        assert all(float(t) > 0 for t in re.fullmatch(pattern, line[0]).groups())
