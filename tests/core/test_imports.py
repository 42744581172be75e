"""Import hygiene: the core never imports sklearn; skmlp needs no optional package."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import skmlp

from ._backends import NUMBA

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
    assert {
        "network.py",
        "training.py",
        "lbfgs.py",
        "losses.py",
        "backends.py",
        "_kernels.py",
    } <= names
    # the modules the backends replaced are gone, and nothing imports them
    assert not names & {"_array.py", "_fused.py", "_fused_kernels.py"}
    for path in CORE_FILES:
        for module, _ in imported_modules(path):
            assert module.split(".")[-1] not in ("_array", "_fused", "_fused_kernels")


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_core_does_not_import_sklearn(path):
    for module, level in imported_modules(path):
        if level == 0:
            assert module.split(".")[0] not in ("sklearn", "skmlp"), module
        else:
            # a relative import may not climb out of _core into the estimators
            assert level == 1, f"{path.name}: from {'.' * level}{module} import ..."


def test_core_runs_with_sklearn_unimportable():
    # the same at run time: with scikit-learn blocked, every module of the
    # core imports, and a network trains a step on the NumPy backend (and on
    # the numba one, where numba is installed)
    modules = [
        f"skmlp._core.{path.stem}"
        for path in CORE_FILES
        if path.stem != "__init__" and (path.stem != "_kernels" or NUMBA)
    ]
    code = f"""
import importlib, importlib.abc, importlib.util, json, sys
import numpy as np

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "sklearn":
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

sys.meta_path.insert(0, Block())
# skmlp/__init__.py imports the estimators (and so scikit-learn): load the
# package's namespace only, then the core's modules
spec = importlib.util.find_spec("skmlp")
package = importlib.util.module_from_spec(spec)
sys.modules["skmlp"] = package
for name in {modules!r}:
    importlib.import_module(name)
from skmlp._core import backends
from skmlp._core.losses import SoftmaxCrossEntropy
from skmlp._core.network import Network
from skmlp._core.objective import Objective
from skmlp._core.optimizers import Adam
from skmlp._core.penalties import ElasticNet
from skmlp._core.schedules import LearningRateSchedule
from skmlp._core.training import Plateau, Stepper, train_step

moved = []
for backend in [backends.NumpyBackend()] + [backends.NumbaBackend()] * {NUMBA!r}:
    rng = np.random.default_rng(0)
    network = Network([3, 4, 2], "relu", 0.2, rng=rng, backend=backend)
    network.initialize(rng)
    objective = Objective(network, SoftmaxCrossEntropy(backend), ElasticNet(0.1))
    stepper = Stepper(
        Adam(network.params.size, np.float64, backend=backend),
        LearningRateSchedule(0.1),
        Plateau(1e-4, 10),
    )
    before = network.params.copy()
    X, Y = rng.normal(size=(5, 3)), np.eye(2, dtype=bool)[[0, 1, 1, 0, 1]]
    train_step(objective, stepper, X, Y, None)
    moved.append(bool((network.params != before).any()))
print(json.dumps([moved, sorted(m for m in sys.modules if m.startswith("sklearn"))]))
"""
    moved, sklearn_modules = run_python(code)
    assert moved == [True] * (1 + NUMBA)
    assert sklearn_modules == []


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
