"""The numerical core of skmlp: layers, losses, penalties, optimizers, training.

It knows nothing of scikit-learn (a test parses its imports): the estimators in
the package above validate input, encode labels and drive these pieces. Every
unit keeps its forward and backward computations side by side, in the notation
of the user guide (X, W, b, Z, A, Y, P, dZ, dW, db, dA).
"""
