"""The Examples sections of the public docstrings run and print what they say."""

import doctest

import pytest

import skmlp._logistic
import skmlp._mlp
import skmlp.datasets


@pytest.mark.parametrize(
    "module", [skmlp._mlp, skmlp._logistic, skmlp.datasets], ids=lambda m: m.__name__
)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
