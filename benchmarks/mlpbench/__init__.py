"""The benchmark behind ``benchmarks/run.py``, in small modules.

- ``rows``: what each row trains (and the prediction-latency rows);
- ``data``: the data sets, generated once per run;
- ``contenders``: the estimators a row compares, made alike;
- ``torch_mlp``: the plain PyTorch loop;
- ``floor``: the physical-floor contenders (GEMM only, and GEMM plus the
  unavoidable data traffic);
- ``devices``: PyTorch devices (data moved once, CUDA synchronisation);
- ``measure``: timing, memory and GEMM throughput;
- ``running``: the interleaved runs of the training rows;
- ``latency``: the prediction-latency rows;
- ``busy``: the processes that keep the CPU busy under ``--busy N``;
- ``report``, ``plot``: the tables, the notes, JSON, markdown and the plot;
- ``cli``: the command line, ``main(argv)``;
- ``util``: progress lines and number formatting.
"""
