"""skmlp._targets: labels to network targets and back, function by function."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skmlp._targets import (
    check_labels_known,
    classes_of,
    decode,
    encode,
    target_kind,
)

MULTILABEL = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])


@pytest.mark.parametrize(
    "y, kind",
    [
        ([0, 1, 1, 0], "binary"),
        (["no", "yes", "no"], "binary"),
        ([3, 1, 2, 1], "multiclass"),
        (["a", "b", "c"], "multiclass"),
        ([0.0, 1.0, 2.0], "multiclass"),  # integral floats are labels
        (MULTILABEL, "multilabel"),
    ],
)
def test_target_kind(y, kind):
    assert target_kind(np.asarray(y)) == kind


def test_target_kind_rejects_continuous_y():
    with pytest.raises(ValueError, match="Unknown label type"):
        target_kind(np.linspace(0, 1, 5))


def test_target_kind_names_the_unsupported_kind():
    # a 2-d integer y with more than two values per column passes scikit-learn's
    # label check and is ours to refuse, naming what it got
    y = np.array([[0, 1], [2, 0], [1, 2]])
    with pytest.raises(ValueError, match="multiclass-multioutput"):
        target_kind(y)


def test_classes_of():
    assert_array_equal(classes_of(np.array([3, 1, 3, 2]), "multiclass"), [1, 2, 3])
    assert_array_equal(classes_of(np.array(["b", "a", "b"]), "binary"), ["a", "b"])
    assert_array_equal(classes_of(MULTILABEL, "multilabel"), [0, 1, 2])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_encode_binary_is_one_column_for_the_second_class(dtype):
    classes = np.array(["no", "yes"])
    Y = encode(np.array(["yes", "no", "yes"]), classes, "binary", dtype)
    assert Y.dtype == dtype
    assert_array_equal(Y, [[1], [0], [1]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_encode_multiclass_is_one_hot_in_the_order_of_classes(dtype):
    classes = np.array([1, 5, 9])
    Y = encode(np.array([9, 1, 5, 9]), classes, "multiclass", dtype)
    assert Y.dtype == dtype
    assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])


def test_encode_multilabel_is_the_indicator_itself():
    Y = encode(MULTILABEL, np.arange(3), "multilabel", np.float32)
    assert Y.dtype == np.float32
    assert_array_equal(Y, MULTILABEL)


def test_decode_binary_thresholds_the_one_logit_at_zero():
    classes = np.array(["no", "yes"])
    Z = np.array([[-2.0], [0.5], [0.0], [3.0]])
    assert_array_equal(decode(Z, classes, "binary"), ["no", "yes", "no", "yes"])


def test_decode_multiclass_takes_the_largest_logit():
    classes = np.array([1, 5, 9])
    Z = np.array([[0.1, 2.0, -1.0], [3.0, 2.0, 1.0], [-5.0, -4.0, -3.0]])
    assert_array_equal(decode(Z, classes, "multiclass"), [5, 1, 9])


def test_decode_multilabel_is_each_logit_above_zero():
    Z = np.array([[1.0, -1.0, 0.0], [-0.1, 0.2, 3.0]])
    out = decode(Z, np.arange(3), "multilabel")
    assert out.dtype.kind == "i"
    assert_array_equal(out, [[1, 0, 0], [0, 1, 1]])


@pytest.mark.parametrize(
    "y, kind",
    [
        (np.array(["b", "a", "a", "b"]), "binary"),
        (np.array([2, 7, 4, 7, 2]), "multiclass"),
        (MULTILABEL, "multilabel"),
    ],
)
def test_decode_inverts_encode(y, kind):
    classes = classes_of(y, kind)
    Y = encode(y, classes, kind, np.float64)
    # logits of the right sign: +1 where Y is 1, -1 elsewhere
    assert_array_equal(decode(2 * Y - 1, classes, kind), y)


def test_check_labels_known_accepts_a_subset_of_the_classes():
    check_labels_known(np.array([1, 1]), np.array([0, 1, 2]), "multiclass", "fit")
    check_labels_known(MULTILABEL[:, :3], np.arange(3), "multilabel", "fit")


def test_check_labels_known_names_the_unknown_labels():
    with pytest.raises(
        ValueError, match="partial_fit: y has classes not in classes_.*5.*7"
    ):
        check_labels_known(
            np.array([0, 5, 7, 1]), np.array([0, 1]), "binary", "partial_fit"
        )


def test_check_labels_known_multilabel_counts_the_labels():
    with pytest.raises(ValueError, match="warm_start: y has 2 labels.*fitted on 3"):
        check_labels_known(MULTILABEL[:, :2], np.arange(3), "multilabel", "warm_start")
