"""PyTorch devices: arrays moved once, timings synchronised, device memory.

``--device`` (e.g. ``cuda``) puts the PyTorch contenders' data on that device.
CUDA runs asynchronously: a timing must wait for the queued kernels
(``torch.cuda.synchronize()``) before reading the clock, and tracemalloc cannot
see device memory, so ``torch.cuda.max_memory_allocated`` measures it there.
"""

_MOVED = {}  # (id(array), device) -> (array, tensor): each array moved once


def is_cuda(device):
    return device is not None and str(device).startswith("cuda")


def on_device(array, device):
    """`array` as a torch tensor on `device` (None: torch's default, the CPU).

    Cached, so the host-to-device copy happens once, outside the timed fits --
    as the NumPy contenders get their arrays in memory before the clock starts.
    """
    import torch

    key = (id(array), str(device))
    hit = _MOVED.get(key)
    if hit is None or hit[0] is not array:
        hit = _MOVED[key] = (array, torch.asarray(array, device=device))
    return hit[1]


def synchronize(device):
    """Wait for the work queued on a CUDA device; nothing to wait for elsewhere."""
    if is_cuda(device):
        import torch

        torch.cuda.synchronize(device)


def reset_device_peak(device):
    import torch

    torch.cuda.reset_peak_memory_stats(device)


def device_peak_mib(device):
    import torch

    return torch.cuda.max_memory_allocated(device) / 2**20
