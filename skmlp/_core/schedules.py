"""The learning-rate schedule shared by every iterative update rule.

The rate of an optimizer step is ``base / (1 + decay * s)``, with ``s`` the
number of optimizer steps taken before this one (the book's inverse-time
decay; the first step uses ``base``). ``base`` itself follows MLPClassifier's
``learning_rate`` schedules, evaluated once per epoch:

- ``'constant'``:   base = learning_rate_init
- ``'invscaling'``: base = learning_rate_init / (t + 1) ** power_t, t = samples seen
- ``'adaptive'``:   base /= 5 each time the watched quantity stops improving,
  until it falls to 1e-6 or below
"""


class LearningRateSchedule:
    """Learning rate as a function of the optimizer step and of epoch events."""

    min_adaptive_rate = 1e-6

    def __init__(self, learning_rate_init, kind="constant", power_t=0.5, decay=0.0):
        if kind not in ("constant", "invscaling", "adaptive"):
            raise ValueError(f"unknown learning-rate schedule {kind!r}")
        self.learning_rate_init = float(learning_rate_init)
        self.kind = kind
        self.power_t = float(power_t)
        self.decay = float(decay)
        self.base = self.learning_rate_init

    def rate(self, step):
        """The step size of optimizer step number ``step`` (0 for the first)."""
        return self.base / (1.0 + self.decay * step)

    def end_epoch(self, samples_seen):
        """invscaling: base = learning_rate_init / (t + 1) ** power_t."""
        if self.kind == "invscaling":
            self.base = self.learning_rate_init / (samples_seen + 1) ** self.power_t

    def reduce_on_plateau(self):
        """adaptive: divide base by 5 and return True, or return False to stop.

        The other schedules cannot do anything about a plateau: False.
        """
        if self.kind != "adaptive" or self.base <= self.min_adaptive_rate:
            return False
        self.base /= 5.0
        return True
