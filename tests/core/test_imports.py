"""Import hygiene: the core never imports sklearn; skmlp needs no optional package."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import skmlp

PACKAGE = Path(skmlp.__file__).parent
CORE_FILES = sorted((PACKAGE / "_core").glob("*.py"))
OPTIONAL = [
    "matplotlib",
    "pandas",
    "dask",
    "distributed",
    "torch",
    "skops",
    "rich",
    "sphinx",
    "skl2onnx",
    "onnx",
    "onnxruntime",
]


def imported_modules(path):
    """(module, level) of every import statement in the file, at any depth."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, 0
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", node.level


def test_core_files_are_found():
    names = {path.name for path in CORE_FILES}
    assert {"network.py", "training.py", "lbfgs.py", "losses.py"} <= names


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_core_does_not_import_sklearn(path):
    for module, level in imported_modules(path):
        if level == 0:
            assert module.split(".")[0] not in ("sklearn", "skmlp"), module
        else:
            # a relative import may not climb out of _core into the estimators
            assert level == 1, f"{path.name}: from {'.' * level}{module} import ..."


def run_python(code):
    env = {**os.environ, "SCIPY_ARRAY_API": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_works_with_every_optional_package_missing():
    code = f"""
import importlib.abc, json, sys
BLOCKED = set({OPTIONAL!r})

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

sys.meta_path.insert(0, Block())
import skmlp
from skmlp import ScratchLogisticNet, ScratchMLPClassifier
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)))
"""
    assert run_python(code) == []


def test_import_adds_no_optional_package_to_its_dependencies():
    # scikit-learn itself imports pandas when it is installed (sklearn.utils.fixes):
    # what counts is what importing skmlp adds on top of the scikit-learn modules
    # it builds on.
    sklearn_modules = sorted(
        {
            module
            for path in PACKAGE.glob("*.py")
            if path.name != "__main__.py"
            for module, level in imported_modules(path)
            if level == 0 and module.split(".")[0] == "sklearn"
        }
    )
    assert "sklearn.base" in sklearn_modules
    code = f"""
import importlib, json, sys
OPTIONAL = set({OPTIONAL!r})
loaded = lambda: {{m.split(".")[0] for m in sys.modules}} & OPTIONAL
for name in {sklearn_modules!r}:
    importlib.import_module(name)
before = loaded()
import skmlp
print(json.dumps(sorted(loaded() - before)))
"""
    assert run_python(code) == []
